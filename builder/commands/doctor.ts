/** `pillars doctor`: check (and as root, install) the host tools for building and testing. */
import type { Command } from './command.js';
import { EXIT } from '../errors.js';
import {
  BUILD_TOOLS,
  TEST_TOOLS,
  ensureHostTools,
  installCommand,
  missingPackages,
  onPath,
} from '../stages/preflight.js';
import { parseCli } from './args.js';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check the host tools for building and testing (and install them as root)',
  help: `usage: pillars doctor [--install]

Lists every host tool pillars uses (mmdebstrap, xorriso, GRUB, mtools, zstd, QEMU, OVMF, …) and
whether it is present. With --install (as root), installs the missing Debian packages.

Exit codes: 0 everything present, 1 something missing, 2 usage error.`,
  async run(argv, ctx) {
    const { values } = parseCli(argv, { install: { type: 'boolean' } }, 'usage: pillars doctor [--install]');
    const all = [...BUILD_TOOLS, ...TEST_TOOLS];
    if (values.install) await ensureHostTools(all, ctx.log, (await import('../exec.js')).run);
    for (const t of all)
      ctx.stdout(`${onPath(t.probe) ? 'ok     ' : 'MISSING'}  ${t.probe.padEnd(42)} ${t.pkg.padEnd(22)} ${t.why}`);
    const missing = missingPackages(all, (p) => onPath(p));
    if (missing.length) {
      ctx.stdout(
        `\nmissing packages: ${missing.join(' ')}\nas root: ${installCommand(missing)}   (or: pillars doctor --install)`,
      );
      return EXIT.failed;
    }
    return EXIT.ok;
  },
};
