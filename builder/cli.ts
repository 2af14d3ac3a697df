/**
 * `pillars` — the host-side command line. Dispatches to one module per subcommand, prints user
 * errors as one line plus a hint (stack traces only with --debug), and maps them to exit codes.
 */
import { UserError, EXIT } from './errors.js';
import { createLogger } from './log.js';
import type { Command, CommandContext } from './commands/command.js';
import { commands } from './commands/index.js';

export function topHelp(list: readonly Command[]): string {
  const width = Math.max(...list.map((c) => c.name.length));
  return [
    'usage: pillars <command> [options]',
    '',
    'Build and test the pillars network appliance (a diskless Debian image for firewall,',
    'VRRP/CARP failover, LVS director and heartbeat clusters) and manage its config sticks.',
    '',
    'commands:',
    ...list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `pillars <command> --help` for the options of one command.',
    'Global options: --debug (show stack traces), --help, --version.',
    'Exit codes: 0 ok, 1 failed (invalid config, build or test failure), 2 usage, 3 I/O error.',
  ].join('\n');
}

export async function main(argv: string[], list: readonly Command[] = commands): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const ctx: CommandContext = {
    log: createLogger(),
    stdout: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
    debug,
  };
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout(topHelp(list));
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version') {
    const { version } = await import('./version.js');
    ctx.stdout(version);
    return EXIT.ok;
  }
  const cmd = list.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`pillars: unknown command '${name}'\nhint: run \`pillars --help\` for the list of commands\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout(cmd.help);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest, ctx);
  } catch (err) {
    return reportError(err, debug, `pillars ${name}`);
  }
}

export function reportError(err: unknown, debug: boolean, prefix: string): number {
  if (err instanceof UserError) {
    process.stderr.write(`${prefix}: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (debug && err.stack) process.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`${prefix}: internal error: ${e?.message ?? String(err)}\n`);
  if (debug && e?.stack) process.stderr.write(e.stack + '\n');
  else process.stderr.write('hint: this is a bug in pillars; re-run with --debug for the stack trace\n');
  return EXIT.failed;
}
