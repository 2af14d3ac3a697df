/**
 * pillarsctl: the admin's handle on the running appliance, over the supervisor's control socket
 * (/run/pillars/control.sock).
 */
import { sendRequest, type Command } from '../supervisor/control-protocol.js';
import { formatLogLine, type LogLine } from '../supervisor/ring.js';

const USAGE = `usage: pillarsctl <command> [options]

commands:
  status [--json]        roles, services (state, restarts), config source and generation
  logs [SERVICE] [-n N]  the last N (default 200) lines of a service's log; without SERVICE the
                         supervisor's own log (boot, config, state changes)
  reload [FILE]          validate → render → check → apply the config on the stick (or FILE);
                         on any failure the running config stays and the error is shown
  save                   write the running config back to the stick (atomic, with history)
  poweroff | reboot      stop every service in reverse order, then power off / reboot

exit codes: 0 ok, 1 the supervisor refused or failed, 2 usage, 3 the supervisor is not reachable`;

export interface Parsed {
  cmd: Command;
  args: Record<string, unknown>;
  json: boolean;
}

/** argv (without node and script) → request. Pure. */
export function parseArgs(argv: readonly string[]): Parsed | { error: string } {
  const [cmd, ...rest] = argv;
  const json = rest.includes('--json');
  const pos = rest.filter((a) => a !== '--json');
  switch (cmd) {
    case 'status':
      return pos.length === 0 ? { cmd, args: {}, json } : { error: `status takes no arguments besides --json` };
    case 'logs': {
      const args: Record<string, unknown> = {};
      for (let i = 0; i < pos.length; i++) {
        const a = pos[i]!;
        if (a === '-n') {
          const n = Number(pos[++i]);
          if (!Number.isInteger(n) || n <= 0) return { error: '-n needs a positive number' };
          args.lines = n;
        } else if (!a.startsWith('-') && args.service === undefined) args.service = a;
        else return { error: `unexpected ${a}` };
      }
      return { cmd, args, json };
    }
    case 'reload':
      if (pos.length > 1) return { error: 'reload takes at most one FILE' };
      return { cmd, args: pos[0] ? { file: pos[0] } : {}, json };
    case 'save':
    case 'poweroff':
    case 'reboot':
      return pos.length === 0 ? { cmd, args: {}, json } : { error: `${cmd} takes no arguments` };
    default:
      return { error: cmd === undefined ? 'no command' : `unknown command ${cmd}` };
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(USAGE + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  const p = parseArgs(argv);
  if ('error' in p) {
    process.stderr.write(`pillarsctl: ${p.error}\n${USAGE}\n`);
    return 2;
  }
  let res;
  try {
    res = await sendRequest(p.cmd, p.args, { timeoutMs: p.cmd === 'reload' || p.cmd === 'save' ? 120_000 : 30_000 });
  } catch (err) {
    process.stderr.write(`pillarsctl: ${err instanceof Error ? err.message : String(err)}\n`);
    return 3;
  }
  if (!res.ok) {
    if (p.json) process.stdout.write(JSON.stringify({ ok: false, error: res.error }, null, 2) + '\n');
    process.stderr.write(`pillarsctl: ${res.error.message}\n`);
    for (const d of res.error.details ?? []) process.stderr.write(`  ${d}\n`);
    if (res.error.hint) process.stderr.write(`hint: ${res.error.hint}\n`);
    return 1;
  }
  const result = (res.result ?? {}) as Record<string, unknown>;
  if (p.cmd === 'status') {
    process.stdout.write(p.json ? JSON.stringify(result.json, null, 2) + '\n' : `${String(result.text)}\n`);
    return 0;
  }
  if (p.cmd === 'logs') {
    const lines = (result.lines ?? []) as Array<LogLine & { service: string }>;
    if (p.json) process.stdout.write(JSON.stringify(lines, null, 2) + '\n');
    else for (const l of lines) process.stdout.write(formatLogLine(l) + '\n');
    return 0;
  }
  process.stdout.write(p.json ? JSON.stringify(result, null, 2) + '\n' : `${String(result.message ?? 'ok')}\n`);
  return 0;
}

if (!process.env.VITEST) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
