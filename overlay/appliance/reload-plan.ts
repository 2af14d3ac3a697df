/**
 * What a reload does to each service, from the running plan and the new one. Pure.
 *
 *   keep     same spec, same rendered inputs: runs on untouched (a oneshot stays done)
 *   signal   same spec, changed inputs, and the daemon reads its files again on a signal
 *            (keepalived: SIGHUP keeps VRRP states and VIPs): kept and signalled
 *   restart  changed otherwise: the old one is stopped, the new one started
 *   stop     only in the running plan
 *   start    only in the new plan
 *
 * The spec comparison leaves out dependencies and the description: which services a service
 * waits for at start does not change the running process.
 */
import type { RolePlan } from '../roles/index.js';
import type { ServiceSpec, Signal } from '../service/index.js';

export interface ReloadChanges {
  keep: string[];
  signal: { name: string; signal: Signal }[];
  restart: string[];
  stop: string[];
  start: string[];
}

/** The parts of a spec that make the running process what it is. */
function identity(s: ServiceSpec): string {
  const { dependsOn: _deps, description: _text, ...rest } = s;
  return stable(rest);
}

/** JSON with object keys sorted at every level, so key order never counts as a change. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * `converged`: services the reload already brought to the new config under the running
 * supervisor (the link phase's oneshots, run again before the checkers): kept as they are.
 */
export function planReload(
  running: Pick<RolePlan, 'services' | 'inputs'>,
  next: Pick<RolePlan, 'services' | 'inputs'>,
  converged: readonly string[] = [],
): ReloadChanges {
  const old = new Map(running.services.map((s) => [s.name, s]));
  const out: ReloadChanges = { keep: [], signal: [], restart: [], stop: [], start: [] };
  for (const s of next.services) {
    const was = old.get(s.name);
    if (!was) {
      out.start.push(s.name);
      continue;
    }
    if (converged.includes(s.name) && was.type === s.type) {
      out.keep.push(s.name);
      continue;
    }
    if (identity(was) !== identity(s)) {
      out.restart.push(s.name);
      continue;
    }
    const before = running.inputs?.[s.name];
    const after = next.inputs?.[s.name];
    if (before !== undefined && before === after) out.keep.push(s.name);
    else if (s.reloadSignal && s.type === 'longrun') out.signal.push({ name: s.name, signal: s.reloadSignal });
    else out.restart.push(s.name);
  }
  const wanted = new Set(next.services.map((s) => s.name));
  for (const s of running.services) if (!wanted.has(s.name)) out.stop.push(s.name);
  return out;
}

/** One console line: what the reload keeps, signals, restarts, stops and starts. */
export function describeReload(c: ReloadChanges): string {
  const parts = [
    c.keep.length > 0 ? `${c.keep.length} kept running` : '',
    c.signal.length > 0 ? `reloaded in place: ${c.signal.map((s) => `${s.name} (${s.signal})`).join(', ')}` : '',
    c.restart.length > 0 ? `restarted: ${c.restart.join(', ')}` : '',
    c.stop.length > 0 ? `stopped: ${c.stop.join(', ')}` : '',
    c.start.length > 0 ? `started: ${c.start.join(', ')}` : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? parts.join('; ') : 'nothing to change';
}
