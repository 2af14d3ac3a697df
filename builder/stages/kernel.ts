/**
 * Kernel: vmlinuz and a pruned module set taken straight from Debian's kernel package (downloaded
 * next to the rootfs, never installed). Modules matching the profile's patterns are kept with all
 * their dependencies, stored uncompressed and unsigned (module-signature.ts), and depmod indexes
 * the pruned set.
 */
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BuildContext } from '../context.js';
import { UserError } from '../errors.js';
import { exists, produceAtomic } from '../fsutil.js';
import { kernelKey, parseModulesDep, selectModules } from '../plan.js';
import type { RootfsResult } from './rootfs.js';
import { stripModuleSignature } from './module-signature.js';

export interface KernelResult {
  key: string;
  version: string;
  /** debian package name and version, e.g. linux-image-6.12.57+deb13-amd64 6.12.57-1 */
  package: string;
  vmlinuz: string;
  /** A directory holding usr/lib/modules/<version>/ with the pruned modules, ready to archive. */
  modulesRoot: string;
  moduleCount: number;
}

const MODULE_INDEX_FILES = ['modules.order', 'modules.builtin', 'modules.builtin.modinfo'];

export async function buildKernel(ctx: BuildContext, rootfs: RootfsResult): Promise<KernelResult> {
  const key = kernelKey(rootfs.key, ctx.profile);
  const dir = join(ctx.cacheDir, 'kernel', key);
  const infoFile = join(dir, 'kernel.json');
  if (await exists(infoFile)) {
    ctx.log.info(`kernel: reusing ${dir}`);
    return JSON.parse(await readFile(infoFile, 'utf8')) as KernelResult;
  }
  const scratch = join(ctx.workDir, 'kernel');
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  await ctx.run('tar', ['-xf', rootfs.tar, '-C', scratch, './.kernel']);
  const debs = (await readdir(join(scratch, '.kernel'))).filter((f) => f.endsWith('.deb'));
  if (debs.length !== 1)
    throw new UserError(`expected one kernel package in the rootfs, found ${debs.length}`, {
      hint: 'rebuild with --refresh',
    });
  const deb = join(scratch, '.kernel', debs[0]!);
  const pkg = join(scratch, 'pkg');
  await ctx.run('dpkg-deb', ['-x', deb, pkg]);
  const fields = (await ctx.run('dpkg-deb', ['--showformat=${Package} ${Version}', '-W', deb])).stdout.trim();
  const versions = await readdir(join(pkg, 'usr', 'lib', 'modules'));
  if (versions.length !== 1) throw new UserError(`kernel package has ${versions.length} module trees`);
  const version = versions[0]!;
  await ctx.run('depmod', ['-b', join(pkg, 'usr'), version]);
  const fullTree = join(pkg, 'usr', 'lib', 'modules', version);
  const deps = parseModulesDep(await readFile(join(fullTree, 'modules.dep'), 'utf8'));
  const keep = selectModules(deps, ctx.profile.modules);
  ctx.log.info(`kernel ${version}: keeping ${keep.length} of ${deps.size} modules`);

  await produceAtomic(dir, async (tmp) => {
    const tree = join(tmp, 'modules', 'usr', 'lib', 'modules', version);
    for (const m of keep) {
      await mkdir(dirname(join(tree, m)), { recursive: true });
      await copyFile(join(fullTree, m), join(tree, m));
      // Stored uncompressed: the initrd's zstd packs them smaller than xz does (5.0 vs 5.7 MiB for
      // the director), and modprobe then skips an xz decompression per module at boot, which is
      // slow under emulation.
      if (m.endsWith('.ko.xz')) await ctx.run('xz', ['-d', join(tree, m)]);
      // Without its signature: checking it cost ~25 ms a load and enforces nothing here (see
      // module-signature.ts).
      const ko = join(tree, m.replace(/\.xz$/, ''));
      await writeFile(ko, stripModuleSignature(await readFile(ko)));
    }
    for (const f of MODULE_INDEX_FILES)
      if (await exists(join(fullTree, f))) await copyFile(join(fullTree, f), join(tree, f));
    await ctx.run('depmod', ['-b', join(tmp, 'modules', 'usr'), version]);
    await copyFile(join(pkg, 'boot', `vmlinuz-${version}`), join(tmp, 'vmlinuz'));
    const result: KernelResult = {
      key,
      version,
      package: fields,
      vmlinuz: join(dir, 'vmlinuz'),
      modulesRoot: join(dir, 'modules'),
      moduleCount: keep.length,
    };
    await writeFile(join(tmp, 'kernel.json'), JSON.stringify(result, null, 2) + '\n');
  });
  await rm(scratch, { recursive: true, force: true });
  return JSON.parse(await readFile(infoFile, 'utf8')) as KernelResult;
}
