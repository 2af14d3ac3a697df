/** pillarsctl's command line, parsed without side effects. */
import type { Command } from '../supervisor/control-protocol.js';

export const USAGE = `usage: pillarsctl <command> [options]

commands:
  status [--json]        roles, services (state, restarts), config source and generation; with
                         the director role the LVS pool (ipvsadm -L -n --stats, check states)
  cluster status [--json] both nodes of the pair side by side (the peer asked over the
                         authenticated peer channel, admin.cluster) and the last failovers
  ipvs ARGS…             run ipvsadm ARGS… (e.g. ipvs -L -n -c: the connection table)
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
    case 'cluster':
      return pos.length === 1 && pos[0] === 'status' ? { cmd, args: {}, json } : { error: 'usage: cluster status [--json]' };
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

