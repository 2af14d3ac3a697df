/**
 * Initramfs: the whole system as newc cpio archives, zstd-compressed and concatenated into one
 * initrd (the kernel unpacks them in order; later files win):
 *   1. base    — the stripped rootfs tar (streamed through tar-stream) + the pruned modules;
 *                slow to make (zstd -19), cached by a hash of its inputs.
 *   2. overlay — the supervisor bundle, overlay/rootfs files, device nodes and build info;
 *                rebuilt every time in about a second, so overlay-only changes build fast.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BuildContext } from '../context.js';
import {
  collect,
  excludePaths,
  mergeSorted,
  readTar,
  recordsFromDir,
  writeCpio,
  type ArchiveRecord,
} from '../archive/index.js';
import { exists, produceAtomic } from '../fsutil.js';
import { baseKey, stripPatterns } from '../plan.js';
import type { KernelResult } from './kernel.js';
import type { RootfsResult } from './rootfs.js';
import { UserError } from '../errors.js';
import { dropLibraries, elfInfoOf, planLibraries, readBody } from './libraries.js';
import { buildSmallIcu } from './icu.js';
import { ownersFromLists, sizeReport, type SizeReport } from './sizes.js';

/**
 * Compression of the cached base archive (smallest and still fast to unpack) and the overlay.
 * The base archive uses a 16 MiB window (-19 alone uses 8 MiB): 0.6% smaller, and the kernel's
 * initramfs decompressor allocates the window once in early boot, which 512 MiB of RAM affords
 * (a 128 MiB window, --long=27, would not).
 */
export const ZSTD_BASE_ARGS = ['-19', '--zstd=wlog=24', '-T2', '--no-progress', '-q'];
export const ZSTD_OVERLAY_ARGS = ['-19', '-T2', '--no-progress', '-q'];

const dir = (path: string, mode = 0o755): ArchiveRecord => ({ path, type: 'dir', mode, uid: 0, gid: 0 });

/**
 * What every image has besides its files: mount points, the device nodes the kernel needs before
 * devtmpfs is mounted, and /init (busybox init as PID 1). Pure.
 */
export function imageSkeleton(): ArchiveRecord[] {
  return [
    dir('dev'),
    { path: 'dev/console', type: 'char', mode: 0o600, uid: 0, gid: 0, devMajor: 5, devMinor: 1 },
    { path: 'dev/null', type: 'char', mode: 0o666, uid: 0, gid: 0, devMajor: 1, devMinor: 3 },
    { path: 'dev/tty0', type: 'char', mode: 0o620, uid: 0, gid: 0, devMajor: 4, devMinor: 0 },
    { path: 'dev/ttyS0', type: 'char', mode: 0o660, uid: 0, gid: 0, devMajor: 4, devMinor: 64 },
    dir('proc', 0o555),
    dir('sys', 0o555),
    dir('run'),
    dir('tmp', 0o1777),
    dir('mnt'),
    dir('mnt/stick'),
    { path: 'init', type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkTarget: 'usr/bin/busybox' },
  ];
}

async function compress(ctx: BuildContext, cpio: string, out: string, args: readonly string[]): Promise<void> {
  await ctx.run('zstd', [...args, '-f', '-o', out, cpio]);
}

export interface BaseArchive {
  key: string;
  path: string;
  bytes: number;
  uncompressedBytes: number;
  /** Where the unpacked bytes go (absent for a base archive cached before reports existed). */
  sizes?: SizeReport;
  cached: boolean;
}

/** dpkg file lists from the rootfs (read before stripping removes var/lib/dpkg). */
async function dpkgLists(records: readonly ArchiveRecord[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of records)
    if (r.type === 'file' && /^var\/lib\/dpkg\/info\/[^/]+\.list$/.test(r.path))
      out.set(r.path, (await readBody(r)).toString('utf8'));
  return out;
}

/**
 * What an appliance never runs goes: the ICU data library is replaced by an English-only one, and
 * shared libraries no kept program links are dropped. A kept program missing a library fails the
 * build.
 */
async function slim(ctx: BuildContext, records: ArchiveRecord[]): Promise<ArchiveRecord[]> {
  let out = records;
  const icu = out.find(
    (r) => r.type === 'file' && /^usr\/lib\/x86_64-linux-gnu\/libicudata\.so\.\d+\.\d+$/.test(r.path),
  );
  if (icu) {
    const small = await buildSmallIcu(ctx, basename(icu.path), await readBody(icu));
    out = out.map((r) => (r === icu ? { ...r, body: small.library, size: small.library.length } : r));
    ctx.log.info(
      `ICU data: ${small.items.before} → ${small.items.after} items, ${(small.bytes.before / 1048576).toFixed(1)} → ${(small.bytes.after / 1048576).toFixed(1)} MiB`,
    );
  }
  const plan = planLibraries(out, await elfInfoOf(out));
  if (plan.missing.length > 0) {
    throw new UserError(
      `${plan.missing.length} program(s) in the image miss a shared library: ${plan.missing
        .slice(0, 5)
        .map((m) => `${m.path} needs ${m.needed}`)
        .join('; ')}`,
      {
        hint: 'add the package that ships the library to the profile, or stop stripping it (profile keep / stripPatterns)',
      },
    );
  }
  out = dropLibraries(out, plan);
  ctx.log.info(`shared libraries: dropped ${plan.drop.length} paths no kept program links`);
  return out;
}

export async function buildBaseArchive(
  ctx: BuildContext,
  rootfs: RootfsResult,
  kernel: KernelResult,
): Promise<BaseArchive> {
  const key = baseKey(rootfs.key, kernel.key, ctx.profile, ctx.sourceDateEpoch);
  const path = join(ctx.cacheDir, 'base', `${key}.cpio.zst`);
  const sizeFile = `${path}.size`;
  const reportFile = `${path}.sizes.json`;
  if (await exists(path)) {
    ctx.log.info(`base archive: reusing ${path}`);
    const uncompressed = Number((await readFile(sizeFile, 'utf8').catch(() => '0')).trim());
    const sizes = await readFile(reportFile, 'utf8').then(
      (t) => JSON.parse(t) as SizeReport,
      () => undefined,
    );
    return {
      key,
      path,
      bytes: (await stat(path)).size,
      uncompressedBytes: uncompressed,
      ...(sizes ? { sizes } : {}),
      cached: true,
    };
  }
  const spool = join(ctx.workDir, 'spool');
  await mkdir(spool, { recursive: true });
  const reader = readTar(createReadStream(rootfs.tar), { spoolDir: spool });
  let uncompressed = 0;
  let sizes: SizeReport;
  try {
    const all = await collect(reader.records);
    const owners = ownersFromLists(await dpkgLists(all));
    const stripped = await slim(ctx, excludePaths(all, stripPatterns(ctx.profile)));
    ctx.log.info(`rootfs: ${all.length} entries, ${stripped.length} kept after stripping`);
    const modules = await recordsFromDir(kernel.modulesRoot);
    const records = mergeSorted(stripped, modules);
    sizes = sizeReport(records, owners);
    // A fresh cache (pillars verify's) has no base/ directory yet.
    await mkdir(dirname(path), { recursive: true });
    await writeFile(reportFile, JSON.stringify(sizes, null, 1) + '\n');
    const cpio = join(ctx.workDir, 'base.cpio');
    await writeCpio(createWriteStream(cpio), records, { mtime: ctx.sourceDateEpoch });
    uncompressed = (await stat(cpio)).size;
    await produceAtomic(path, (tmp) => compress(ctx, cpio, tmp, ZSTD_BASE_ARGS));
    await writeFile(sizeFile, `${uncompressed}\n`);
    await rm(cpio, { force: true });
  } finally {
    await reader.dispose();
    await rm(spool, { recursive: true, force: true });
  }
  return { key, path, bytes: (await stat(path)).size, uncompressedBytes: uncompressed, sizes, cached: false };
}

export interface OverlayInputs {
  /** Directory with the bundled programs (→ usr/lib/pillars). */
  programsDir: string;
  /** Generated files (→ their path in the image), e.g. usr/lib/pillars/build.json. */
  generated: ReadonlyArray<{ path: string; data: Buffer; mode?: number }>;
}

export async function buildOverlayArchive(ctx: BuildContext, inputs: OverlayInputs): Promise<string> {
  const literal = await recordsFromDir(join(ctx.projectRoot, 'overlay', 'rootfs'));
  const programs = await recordsFromDir(inputs.programsDir, { prefix: 'usr/lib/pillars' });
  const generated: ArchiveRecord[] = inputs.generated.map((g) => ({
    path: g.path,
    type: 'file',
    mode: g.mode ?? 0o644,
    uid: 0,
    gid: 0,
    body: g.data,
  }));
  const records = mergeSorted(imageSkeleton(), literal, programs, generated);
  const cpio = join(ctx.workDir, 'overlay.cpio');
  await writeCpio(createWriteStream(cpio), records, { mtime: ctx.sourceDateEpoch });
  const out = join(ctx.workDir, 'overlay.cpio.zst');
  await compress(ctx, cpio, out, ZSTD_OVERLAY_ARGS);
  return out;
}

/** initrd = base archive followed by the overlay archive (each separately compressed). */
export async function concatInitrd(parts: readonly string[], out: string): Promise<void> {
  const ws = createWriteStream(out);
  for (const p of parts) {
    await pipeline(createReadStream(p), ws, { end: false });
  }
  await new Promise<void>((resolve, reject) => ws.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
