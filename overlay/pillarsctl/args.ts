/** pillarsctl's command line, parsed without side effects (node:util parseArgs, as every CLI). */
import { parseArgs as parseCliArgs, type ParseArgsConfig } from 'node:util';
import type { Command } from '../supervisor/control-protocol.js';
import { CONFIRM_MINUTES } from '../config/confirm.js';

export const USAGE = `usage: pillarsctl <command> [options]

commands:
  status [--json]        roles, services (state, restarts), config source and generation; with
                         the director role the LVS pool (ipvsadm -L -n --stats, check states)
  cluster status [--json] both nodes of the pair side by side (the peer asked over the
                         authenticated peer channel, admin.cluster) and the last failovers
  ipvs ARGS…             run ipvsadm ARGS… (e.g. ipvs -L -n -c: the connection table)
  logs [SERVICE] [-n N]  the last N (default 200) lines of a service's log; without SERVICE the
                         supervisor's own log (boot, config, state changes)
  confirm                keep the config \`reload --confirm MINUTES\` (1-60) runs on probation;
                         unconfirmed, the last confirmed config is applied again after MINUTES,
                         and a reboot before that boots it (also for a stick written by
                         \`pillars stick … --confirm\`, which the box boots on probation)
  reload [FILE] [--confirm MINUTES]
                         validate → render → check → apply the config on the stick (or FILE);
                         on any failure the running config stays and the error is shown
  save [--peer] [--force] write the running config back to the stick (atomic, with history).
                         --peer: also to the peer's stick over the peer channel, where it is
                         newer (admin.cluster.config_sync: auto sends on every save); a conflict
                         (both sticks changed since the generation they last shared) or a newer
                         peer writes nothing on either stick. --force: overwrite anyway
  poweroff | reboot      stop every service in reverse order, then power off / reboot

exit codes: 0 ok, 1 the supervisor refused or failed, 2 usage, 3 the supervisor is not reachable;
save: 4 saved here, the peer not reached (sent again when it answers), 5 conflict or a newer
peer stick (nothing written), 6 the peer refused the config (saved here only)`;

/** pillarsctl save's exit code for the sync outcome it answered with. */
export const SAVE_EXIT: Record<string, number> = {
  synced: 0,
  equal: 0,
  'not-reached': 4,
  conflict: 5,
  newer: 5,
  refused: 6,
};

export interface Parsed {
  cmd: Command;
  args: Record<string, unknown>;
  json: boolean;
}

/** Options each command takes (node:util parseArgs, strict: anything else is an error). */
const OPTIONS: Record<string, { options: ParseArgsConfig['options']; maxPositionals: number }> = {
  status: { options: { json: { type: 'boolean' } }, maxPositionals: 0 },
  cluster: { options: { json: { type: 'boolean' } }, maxPositionals: 1 },
  logs: { options: { json: { type: 'boolean' }, lines: { type: 'string', short: 'n' } }, maxPositionals: 1 },
  reload: { options: { json: { type: 'boolean' }, confirm: { type: 'string' } }, maxPositionals: 1 },
  confirm: { options: { json: { type: 'boolean' } }, maxPositionals: 0 },
  save: {
    options: { json: { type: 'boolean' }, peer: { type: 'boolean' }, force: { type: 'boolean' } },
    maxPositionals: 0,
  },
  poweroff: { options: { json: { type: 'boolean' } }, maxPositionals: 0 },
  reboot: { options: { json: { type: 'boolean' } }, maxPositionals: 0 },
};

/**
 * `--confirm MINUTES` (whole minutes, 1-60), or `--confirm Ns`: seconds, which only a box booted
 * for tests (pillars.test=ctlserial) accepts. Pure.
 */
export function parseConfirm(v: string): { minutes: number } | { seconds: number } | { error: string } {
  const { min, max } = CONFIRM_MINUTES;
  const m = /^(\d{1,4})(s?)$/.exec(v.trim());
  if (!m) return { error: `--confirm needs MINUTES, a whole number from ${min} to ${max}, got "${v}"` };
  const n = Number(m[1]);
  if (m[2]) return { seconds: n };
  if (n < min || n > max) return { error: `--confirm MINUTES must be from ${min} to ${max}, got ${n}` };
  return { minutes: n };
}

/** argv (without node and script) → request. Pure. */
export function parseArgs(argv: readonly string[]): Parsed | { error: string } {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) return { error: 'no command' };
  const spec = OPTIONS[cmd];
  if (!spec) return { error: `unknown command ${cmd}` };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseCliArgs({
      args: [...rest],
      options: spec.options,
      allowPositionals: true,
      strict: true,
    }) as { values: Record<string, string | boolean | undefined>; positionals: string[] });
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  if (positionals.length > spec.maxPositionals) {
    return {
      error:
        spec.maxPositionals === 0
          ? `${cmd} takes no arguments besides its options`
          : `${cmd} takes at most one ${cmd === 'logs' ? 'SERVICE' : 'FILE'}`,
    };
  }
  if (cmd === 'cluster' && positionals[0] !== 'status') return { error: 'usage: cluster status [--json]' };
  const json = values.json === true;
  const args: Record<string, unknown> = {};
  if (cmd === 'logs') {
    if (values.lines !== undefined) {
      const n = Number(values.lines);
      if (!Number.isInteger(n) || n <= 0) return { error: '-n needs a positive number' };
      args.lines = n;
    }
    if (positionals[0] !== undefined) args.service = positionals[0];
  }
  if (cmd === 'reload' && positionals[0] !== undefined) args.file = positionals[0];
  if (cmd === 'reload' && values.confirm !== undefined) {
    const w = parseConfirm(String(values.confirm));
    if ('error' in w) return w;
    args.confirm = w;
  }
  if (cmd === 'save') {
    if (values.peer === true) args.peer = true;
    if (values.force === true) args.force = true;
  }
  return { cmd: cmd as Command, args, json };
}
