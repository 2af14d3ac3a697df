/**
 * Root filesystem: Debian trixie via mmdebstrap, written as one tar. Cached by a hash of its inputs
 * (suite, mirrors, package set, recipe), so a second build does not run mmdebstrap again.
 */
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { planRootfs } from '../plan.js';
import { exists, produceAtomic } from '../fsutil.js';

export interface RootfsResult {
  key: string;
  tar: string;
  /** Debian package → version, as installed. */
  packages: Record<string, string>;
  cached: boolean;
}

/** Parse dpkg's status file into package → version for the installed packages. Pure. */
export function parseDpkgStatus(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const stanza of text.split(/\n\n+/)) {
    const pkg = /^Package: (.+)$/m.exec(stanza)?.[1];
    const ver = /^Version: (.+)$/m.exec(stanza)?.[1];
    const status = /^Status: (.+)$/m.exec(stanza)?.[1] ?? '';
    if (pkg && ver && status.endsWith(' installed')) out[pkg] = ver;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export async function buildRootfs(ctx: BuildContext): Promise<RootfsResult> {
  const aptCache = join(ctx.cacheDir, 'apt');
  const dir = join(ctx.cacheDir, 'rootfs');
  await mkdir(aptCache, { recursive: true });
  const probe = planRootfs(ctx.profile, { aptCache, hookDir: join(ctx.projectRoot, 'builder', 'hooks'), output: 'x' });
  const tar = join(dir, `${probe.key}.tar`);
  const pkgFile = join(dir, `${probe.key}.packages.json`);
  if ((await exists(tar)) && (await exists(pkgFile))) {
    ctx.log.info(`rootfs: reusing ${tar}`);
    return {
      key: probe.key,
      tar,
      packages: JSON.parse(await readFile(pkgFile, 'utf8')) as Record<string, string>,
      cached: true,
    };
  }
  await produceAtomic(tar, async (tmp) => {
    const plan = planRootfs(ctx.profile, { aptCache, hookDir: join(ctx.projectRoot, 'builder', 'hooks'), output: tmp });
    ctx.log.info(`mmdebstrap ${ctx.profile.packages.length} packages (+ essential) from Debian ${'trixie'}`);
    await ctx.run('mmdebstrap', plan.args, {
      env: { ...process.env, SOURCE_DATE_EPOCH: String(ctx.sourceDateEpoch) },
      onStderrLine: (l) => {
        if (/^I: (running|installing|downloading|extracting|success)/.test(l)) ctx.log.info(`  ${l.slice(3)}`);
        if (/^E: /.test(l)) ctx.log.warn(l.slice(3));
      },
      hint: 'mmdebstrap failed: check that the Debian mirror is reachable and the package names in the profile exist in trixie',
    });
  });
  const status = await ctx.run('tar', ['-xOf', tar, './var/lib/dpkg/status']);
  const packages = parseDpkgStatus(status.stdout);
  await writeFile(pkgFile, JSON.stringify(packages, null, 1) + '\n');
  return { key: probe.key, tar, packages, cached: false };
}
