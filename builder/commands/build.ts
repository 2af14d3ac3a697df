/** `pillars build`: profile → out/<profile>/ (ISO, vmlinuz, initrd.img, pxe/, manifest.json). */
import { join, resolve } from 'node:path';
import type { Command, CommandContext } from './command.js';
import { EXIT } from '../errors.js';
import { defaultCacheDir, projectRoot, sourceDateEpoch, type BuildContext } from '../context.js';
import { assertBuildable, loadProfile, listProfiles } from '../profile.js';
import { run } from '../exec.js';
import { build } from '../build.js';
import { formatSeconds } from '../log.js';
import { noPositionals, parseCli } from './args.js';

export const DEFAULT_PROFILE = 'director';

/** Re-exported for commands that import the parser from here. */
export { parseCli } from './args.js';

export interface BuildOptions {
  profile: string;
  outRoot: string;
  cacheDir: string;
}

export function buildOptions(argv: string[]): BuildOptions {
  const { values, positionals } = parseCli(
    argv,
    { profile: { type: 'string', short: 'p' }, out: { type: 'string', short: 'o' }, cache: { type: 'string' } },
    'usage: pillars build [--profile NAME] [--out DIR] [--cache DIR]',
  );
  noPositionals(positionals, 'usage: pillars build [--profile NAME] [--out DIR] [--cache DIR]');
  return {
    profile: values.profile ?? DEFAULT_PROFILE,
    outRoot: resolve(values.out ?? join(projectRoot, 'out')),
    cacheDir: resolve(values.cache ?? defaultCacheDir()),
  };
}

export function makeContext(opts: BuildOptions, ctx: CommandContext): BuildContext {
  const profile = loadProfile(join(projectRoot, 'profiles'), opts.profile);
  assertBuildable(profile);
  return {
    profile,
    outDir: join(opts.outRoot, profile.name),
    workDir: join(opts.outRoot, `.work-${profile.name}-${process.pid}`),
    cacheDir: opts.cacheDir,
    projectRoot,
    sourceDateEpoch: sourceDateEpoch(),
    log: ctx.log,
    run,
  };
}

export const buildCommand: Command = {
  name: 'build',
  summary: 'build the bootable image of a profile (ISO, kernel + initrd, PXE files, manifest)',
  help: `usage: pillars build [--profile NAME] [--out DIR] [--cache DIR]

Builds a Debian trixie RAM image for a profile into DIR/<profile>/:
  pillars.iso     hybrid ISO (BIOS + UEFI): burn it to CD or dd it to a USB stick
  vmlinuz         the kernel          initrd.img   the whole system (runs from RAM)
  pxe/            network boot: iPXE (BIOS, UEFI) and pxelinux from Debian, their configs
                  and a dnsmasq DHCP + TFTP config that serves DIR/<profile>/
  manifest.json   profile, package versions, sha256 of every artifact

options:
  -p, --profile NAME  ${listProfiles(join(projectRoot, 'profiles')).join(', ')} (default: ${DEFAULT_PROFILE})
  -o, --out DIR       output root (default: out/ in the checkout)
      --cache DIR     download and stage cache (default: $PILLARS_CACHE or ~/.cache/pillars)

Environment: SOURCE_DATE_EPOCH fixes every timestamp (default: a constant, so builds are reproducible).
Needs root (mmdebstrap) and installs missing host tools with apt-get.
Exit codes: 0 built, 1 build failed, 2 usage error.`,
  async run(argv, ctx) {
    const opts = buildOptions(argv);
    const bctx = makeContext(opts, ctx);
    const t0 = performance.now();
    const { outDir, manifest } = await build(bctx);
    ctx.log.info(`built ${manifest.profile} in ${formatSeconds(performance.now() - t0)} → ${outDir}`);
    return EXIT.ok;
  },
};
