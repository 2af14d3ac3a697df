/**
 * Initramfs: the whole system as newc cpio archives, zstd-compressed and concatenated into one
 * initrd (the kernel unpacks them in order; later files win):
 *   1. base    — the stripped rootfs tar (streamed through tar-stream) + the pruned modules;
 *                slow to make (zstd -19), cached by a hash of its inputs.
 *   2. overlay — the supervisor bundle, overlay/rootfs files, device nodes and build info;
 *                rebuilt every time in about a second, so overlay-only changes build fast.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BuildContext } from '../context.js';
import { collect, excludePaths, mergeSorted, readTar, recordsFromDir, writeCpio, type ArchiveRecord } from '../archive/index.js';
import { exists, produceAtomic } from '../fsutil.js';
import { baseKey, stripPatterns } from '../plan.js';
import type { KernelResult } from './kernel.js';
import type { RootfsResult } from './rootfs.js';

/** Compression level of the cached base archive (smallest and still fast to unpack) and the overlay. */
export const ZSTD_BASE_ARGS = ['-19', '-T2', '--no-progress', '-q'];
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
  cached: boolean;
}

export async function buildBaseArchive(ctx: BuildContext, rootfs: RootfsResult, kernel: KernelResult): Promise<BaseArchive> {
  const key = baseKey(rootfs.key, kernel.key, ctx.profile, ctx.sourceDateEpoch);
  const path = join(ctx.cacheDir, 'base', `${key}.cpio.zst`);
  const sizeFile = `${path}.size`;
  if (await exists(path)) {
    ctx.log.info(`base archive: reusing ${path}`);
    const { readFile } = await import('node:fs/promises');
    const uncompressed = Number((await readFile(sizeFile, 'utf8').catch(() => '0')).trim());
    return { key, path, bytes: (await stat(path)).size, uncompressedBytes: uncompressed, cached: true };
  }
  const spool = join(ctx.workDir, 'spool');
  await mkdir(spool, { recursive: true });
  const reader = readTar(createReadStream(rootfs.tar), { spoolDir: spool });
  let uncompressed: number;
  try {
    const all = await collect(reader.records);
    const stripped = excludePaths(all, stripPatterns(ctx.profile));
    ctx.log.info(`rootfs: ${all.length} entries, ${stripped.length} kept after stripping`);
    const modules = await recordsFromDir(kernel.modulesRoot);
    const records = mergeSorted(stripped, modules);
    const cpio = join(ctx.workDir, 'base.cpio');
    await writeCpio(createWriteStream(cpio), records, { mtime: ctx.sourceDateEpoch });
    uncompressed = (await stat(cpio)).size;
    await produceAtomic(path, (tmp) => compress(ctx, cpio, tmp, ZSTD_BASE_ARGS));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(sizeFile, `${uncompressed}\n`);
    await rm(cpio, { force: true });
  } finally {
    await reader.dispose();
    await rm(spool, { recursive: true, force: true });
  }
  return { key, path, bytes: (await stat(path)).size, uncompressedBytes: uncompressed, cached: false };
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
