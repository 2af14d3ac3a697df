/**
 * The build recipe: a short list of timed stages over one context. Each stage writes only to its
 * work directory or the cache; artifacts move into out/<profile>/ only when everything succeeded,
 * so a failed build never leaves a half-written ISO behind.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { BuildContext } from './context.js';
import { DEBIAN_MIRRORS, DEBIAN_SUITE, hashOf } from './plan.js';
import { BUILD_TOOLS, ensureHostTools } from './stages/preflight.js';
import { buildRootfs } from './stages/rootfs.js';
import { buildKernel } from './stages/kernel.js';
import { bundlePrograms } from './stages/bundle.js';
import { buildBaseArchive, buildOverlayArchive, concatInitrd } from './stages/initramfs.js';
import { buildIso } from './stages/iso.js';
import { copyNetbootPrograms, netbootFiles } from './stages/netboot.js';
import { describeArtifacts, type Manifest } from './stages/manifest.js';
import { formatSizeReport } from './stages/sizes.js';
import { nextSteps } from './stages/next-steps.js';
import { EARLY_BOOT_PATH, earlyBootScript } from './stages/early-boot.js';
import { mib } from './fsutil.js';
import { version } from './version.js';
import { recordsFromDir } from './archive/index.js';
import { sha256Parts } from '../overlay/config/hash.js';

export interface BuildResult {
  outDir: string;
  manifest: Manifest;
}

/** A hash of the overlay sources (overlay/ tree and the bundled programs' output). */
async function hashTree(dir: string): Promise<string> {
  const parts: Array<string | Buffer> = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) parts.push(relative(dir, p), await readFile(p));
    }
  };
  await walk(dir);
  return sha256Parts(parts).slice(0, 20);
}

export async function build(ctx: BuildContext): Promise<BuildResult> {
  const { log } = ctx;
  await mkdir(ctx.workDir, { recursive: true });
  try {
    await log.step('preflight: host tools', () => ensureHostTools(BUILD_TOOLS, log, ctx.run));
    const rootfs = await log.step('rootfs: Debian trixie with mmdebstrap', () => buildRootfs(ctx));
    const kernel = await log.step('kernel: vmlinuz + pruned modules', () => buildKernel(ctx, rootfs));
    const base = await log.step('initramfs: base archive (rootfs + modules)', () =>
      buildBaseArchive(ctx, rootfs, kernel),
    );
    log.info(`base archive ${mib(base.bytes)} (${mib(base.uncompressedBytes)} unpacked)`);
    if (base.sizes && !base.cached) for (const line of formatSizeReport(base.sizes, 8)) log.info(line);

    const programsDir = join(ctx.workDir, 'programs');
    await log.step('overlay: bundle the supervisor', () => bundlePrograms(ctx, programsDir));
    const earlyBoot = await earlyBootScript(ctx.projectRoot, ctx.profile.roles);
    // Only what goes into the image counts: the literal files, the bundled programs and the
    // generated early-boot script.
    const overlayHash = hashOf(
      await hashTree(join(ctx.projectRoot, 'overlay', 'rootfs')),
      await hashTree(programsDir),
      earlyBoot,
    );
    const stage = join(ctx.workDir, 'out');
    const marker = `.pillars-${hashOf(base.key, overlayHash)}`;
    const buildInfo = {
      pillars: version,
      profile: ctx.profile.name,
      roles: ctx.profile.roles,
      kernel: kernel.version,
      inputs: { base: base.key, overlay: overlayHash },
    };
    const overlay = await log.step('initramfs: overlay archive', () =>
      buildOverlayArchive(ctx, {
        programsDir,
        generated: [
          { path: 'usr/lib/pillars/build.json', data: Buffer.from(JSON.stringify(buildInfo, null, 2) + '\n') },
          { path: EARLY_BOOT_PATH, data: Buffer.from(earlyBoot), mode: 0o755 },
          // Benchmarks stand in for an overlay code change with a stamp file.
          ...(process.env.PILLARS_BUILD_STAMP
            ? [{ path: 'usr/lib/pillars/stamp', data: Buffer.from(process.env.PILLARS_BUILD_STAMP + '\n') }]
            : []),
        ],
      }),
    );
    await mkdir(stage, { recursive: true });
    await concatInitrd([base.path, overlay], join(stage, 'initrd.img'));
    const { copyFile } = await import('node:fs/promises');
    await copyFile(kernel.vmlinuz, join(stage, 'vmlinuz'));

    await log.step('iso: hybrid BIOS + UEFI image', () =>
      buildIso(ctx, {
        vmlinuz: join(stage, 'vmlinuz'),
        initrd: join(stage, 'initrd.img'),
        marker,
        output: join(stage, 'pillars.iso'),
      }),
    );
    await log.step('netboot: PXE files', async () => {
      for (const [rel, text] of Object.entries(netbootFiles(ctx.profile.name))) {
        const p = join(stage, 'pxe', rel);
        await mkdir(dirname(p), { recursive: true });
        await writeFile(p, text);
      }
      await copyNetbootPrograms(ctx.cacheDir, join(stage, 'pxe'), ctx.run);
    });

    const manifest = await log.step('manifest', async () => {
      const files = (await recordsFromDir(stage)).filter((r) => r.type === 'file').map((r) => r.path);
      const m: Manifest = {
        pillars: version,
        profile: ctx.profile.name,
        roles: ctx.profile.roles,
        debian: { suite: DEBIAN_SUITE, mirrors: DEBIAN_MIRRORS },
        kernel: { version: kernel.version, package: kernel.package, modules: kernel.moduleCount },
        sourceDateEpoch: ctx.sourceDateEpoch,
        inputs: { rootfs: rootfs.key, kernel: kernel.key, base: base.key, overlay: overlayHash },
        packages: rootfs.packages,
        artifacts: await describeArtifacts(stage, files),
        ...(base.sizes ? { sizes: base.sizes } : {}),
      };
      await writeFile(join(stage, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
      return m;
    });

    // Publish: replace out/<profile>/ only now that every artifact exists.
    await mkdir(dirname(ctx.outDir), { recursive: true });
    const old = await mkdtemp(join(dirname(ctx.outDir), '.old-'));
    await rename(ctx.outDir, join(old, 'x')).catch(() => undefined);
    await rename(stage, ctx.outDir);
    await rm(old, { recursive: true, force: true });
    for (const a of manifest.artifacts) log.info(`${join(ctx.outDir, a.path)}  ${mib(a.bytes)}`);
    for (const line of nextSteps(ctx.outDir)) log.info(line);
    return { outDir: ctx.outDir, manifest };
  } finally {
    await rm(ctx.workDir, { recursive: true, force: true });
  }
}
