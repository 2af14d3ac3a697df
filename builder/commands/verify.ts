/**
 * `pillars verify`: rebuild a profile from the same inputs (the cached Debian rootfs, so the same
 * package versions) with fresh kernel and initramfs stages, and compare every artifact's sha256
 * with the existing build. Proves the build is reproducible.
 */
import { mkdtemp, readFile, rm, symlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from './command.js';
import { EXIT, UserError } from '../errors.js';
import { build } from '../build.js';
import { buildOptions, makeContext } from './build.js';
import type { Artifact, Manifest } from '../stages/manifest.js';
import { exists } from '../fsutil.js';

export interface ArtifactDiff {
  path: string;
  first?: string;
  second?: string;
}

/** Artifacts whose hash differs or that exist in only one build. Pure. */
export function compareArtifacts(a: readonly Artifact[], b: readonly Artifact[]): ArtifactDiff[] {
  const byPath = new Map<string, ArtifactDiff>();
  for (const x of a) byPath.set(x.path, { path: x.path, first: x.sha256 });
  for (const y of b) byPath.set(y.path, { ...(byPath.get(y.path) ?? { path: y.path }), second: y.sha256 });
  return [...byPath.values()].filter((d) => d.first !== d.second).sort((x, y) => (x.path < y.path ? -1 : 1));
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'rebuild a profile from the same inputs and check the artifacts are byte-identical',
  help: `usage: pillars verify [--profile NAME] [--out DIR] [--cache DIR]

Builds the profile (if out/<profile>/ does not exist yet), then rebuilds it in a temporary
directory from the same Debian rootfs (same package versions) with fresh kernel, initramfs and
ISO stages, and compares the sha256 of every artifact in manifest.json.

Exit codes: 0 identical, 1 artifacts differ (each is listed) or the build failed, 2 usage error.`,
  async run(argv, ctx) {
    const opts = buildOptions(argv);
    const first = makeContext(opts, ctx);
    const manifestPath = join(first.outDir, 'manifest.json');
    if (!(await exists(manifestPath))) {
      ctx.log.info(`no build in ${first.outDir} yet: building it first`);
      await build(first);
    }
    const before = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
    const tmp = await mkdtemp(join(opts.outRoot, '.verify-'));
    try {
      // Share only the inputs (apt downloads and the rootfs tar); every later stage runs again.
      const cache = join(tmp, 'cache');
      await mkdir(cache, { recursive: true });
      for (const d of ['apt', 'rootfs']) {
        await mkdir(join(opts.cacheDir, d), { recursive: true });
        await symlink(join(opts.cacheDir, d), join(cache, d));
      }
      const second = makeContext({ ...opts, outRoot: join(tmp, 'out'), cacheDir: cache }, ctx);
      const { manifest: after } = await build(second);
      if (after.inputs.rootfs !== before.inputs.rootfs) {
        throw new UserError('the cached rootfs changed since the first build', {
          hint: 'run `pillars build` again, then verify',
        });
      }
      const diffs = compareArtifacts(before.artifacts, after.artifacts);
      for (const a of after.artifacts)
        ctx.stdout(
          `${diffs.some((d) => d.path === a.path) ? 'DIFFERS  ' : 'identical'}  ${a.sha256.slice(0, 16)}  ${a.path}`,
        );
      for (const d of diffs) if (!d.second) ctx.stdout(`MISSING    ${d.path} (only in the first build)`);
      if (diffs.length) {
        ctx.stdout(`not reproducible: ${diffs.length} artifact(s) differ`);
        return EXIT.failed;
      }
      ctx.stdout(`reproducible: ${after.artifacts.length} artifacts byte-identical`);
      return EXIT.ok;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  },
};
