/**
 * The failover timeline: every state change of a VRRP/CARP instance, sync group or heartbeat
 * resource group the supervisor hears of, with the cause where it can be told, and per instance
 * how often it changed and how often it became or left MASTER. Kept in RAM (the last `limit`
 * changes); the status page and /metrics read it. No effects: the caller says when things happen.
 */

export type InstanceKind = 'vrrp' | 'vrrp-group' | 'carp' | 'heartbeat';

export interface Transition {
  at: number;
  kind: InstanceKind;
  name: string;
  from?: string;
  to: string;
  /** Why, where known: peer silent, interface down, higher priority peer, manual, boot. */
  cause?: string;
}

export interface InstanceCounters {
  kind: InstanceKind;
  name: string;
  state: string;
  since: number;
  transitions: number;
  becameMaster: number;
  releasedMaster: number;
}

export interface Timeline {
  /** A state reported by a daemon; a repeat of the current state is not a transition. */
  observe(kind: InstanceKind, name: string, state: string, at: number, cause?: string): Transition | undefined;
  /** The node is being shut down or reloaded by the admin: the next changes are "manual". */
  markManual(reason: string, at: number): void;
  /** A better cause found later (e.g. the peer channel does not answer either) for a change it returned. */
  refine(t: Transition, cause: string): void;
  transitions(): Transition[];
  instances(): InstanceCounters[];
}

/** How long after a manual action (poweroff, reload) a change is put down to it. */
export const MANUAL_WINDOW_MS = 30_000;

/** A first MASTER this soon after an instance's first state is the start-up election, not a failover. */
export const ELECTION_WINDOW_MS = 30_000;

/** The cause a state change most likely had, from the states alone. Pure. */
export function inferCause(from: string | undefined, to: string): string | undefined {
  if (from === undefined) return 'boot (first state)';
  const master = (s: string) => s === 'MASTER' || s === 'started';
  if (to === 'FAULT') return 'fault: interface down or a tracked check failed';
  if (from === 'FAULT') return 'fault cleared';
  if (to === 'STOP') return 'daemon stopped';
  if (!master(from) && master(to)) return 'peer silent: no adverts from the master (peer dead or link down)';
  if (master(from) && !master(to)) return 'a peer with higher priority took over';
  return undefined;
}

export function createTimeline(limit = 200): Timeline {
  const log: Transition[] = [];
  const counters = new Map<string, InstanceCounters>();
  let manual: { reason: string; at: number } | undefined;
  return {
    observe(kind, name, state, at, cause) {
      const key = `${kind}\u0000${name}`;
      const c = counters.get(key);
      if (c && c.state === state) return undefined;
      const from = c?.state;
      const election =
        c !== undefined && c.transitions === 0 && at - c.since <= ELECTION_WINDOW_MS && state === 'MASTER';
      const why =
        cause ??
        (manual && at - manual.at <= MANUAL_WINDOW_MS && from !== undefined
          ? `manual: ${manual.reason}`
          : election
            ? 'election at start: no master with a higher priority heard'
            : inferCause(from, state));
      const t: Transition = {
        at,
        kind,
        name,
        ...(from !== undefined ? { from } : {}),
        to: state,
        ...(why ? { cause: why } : {}),
      };
      const next: InstanceCounters = c ?? {
        kind,
        name,
        state,
        since: at,
        transitions: 0,
        becameMaster: 0,
        releasedMaster: 0,
      };
      if (c) next.transitions += 1;
      if (state === 'MASTER') next.becameMaster += 1;
      if (from === 'MASTER') next.releasedMaster += 1;
      next.state = state;
      next.since = at;
      counters.set(key, next);
      log.push(t);
      if (log.length > limit) log.splice(0, log.length - limit);
      return t;
    },
    markManual(reason, at) {
      manual = { reason, at };
    },
    refine(t, cause) {
      const stored = log.find((x) => x === t);
      if (stored) stored.cause = cause;
    },
    transitions: () => log.map((t) => ({ ...t })),
    instances: () =>
      [...counters.values()].map((c) => ({ ...c })).sort((a, b) => (a.kind + a.name).localeCompare(b.kind + b.name)),
  };
}
