/**
 * The life of one supervised service as an explicit state machine:
 * (snapshot × event) → { next snapshot, actions[] }, pure data, no clocks, no processes.
 *
 * Semantics (after s6):
 *  - *started* is not *ready*: a service with a readiness check sits in `started` until the check
 *    passes (`ready`) or its timeout fires (then it is killed and counted as a failure).
 *  - restart backoff: consecutive failures grow the delay exponentially from `minDelayMs` up to
 *    `maxDelayMs`; the ≥ minDelayMs pause is waived only for the first failure after a run that
 *    had become ready; the failure count resets once the service has stayed ready `stableMs`.
 *  - `noRestartExitCode`: exiting with it means "permanent failure, do not restart" → `failed`.
 *  - stop: SIGTERM to the process group, SIGKILL after `killGraceMs`.
 *  - dependencies gate the start only (`waiting-deps`); the runtime decides when they are met.
 *
 * Unknown or stale events (an exit for another pid, a timer in the wrong state) change nothing
 * and produce no actions, so the runtime never has to guard against races. The transitions are one
 * table (state → event → handler); a cell that is absent means "no change".
 */
import type { RestartPolicy, ServiceSpec } from './spec.js';

export type ServiceState =
  | 'down' // not wanted
  | 'waiting-deps' // wanted, dependencies not ready yet
  | 'starting' // spawn requested, no pid yet
  | 'started' // running, not (yet) ready
  | 'ready' // running and ready (longrun)
  | 'stopping' // SIGTERM sent, waiting for the exit
  | 'backoff' // failed, respawn timer armed
  | 'failed' // permanent failure, not restarted until started again
  | 'done'; // oneshot finished successfully

export const SERVICE_STATES: readonly ServiceState[] = [
  'down',
  'waiting-deps',
  'starting',
  'started',
  'ready',
  'stopping',
  'backoff',
  'failed',
  'done',
];

export type TimerName = 'backoff' | 'readiness' | 'kill-grace' | 'stable';

/** SIGHUP only as a service's `reloadSignal`, never by the state machine. */
export type Signal = 'SIGTERM' | 'SIGKILL' | 'SIGHUP';

export type ServiceEvent =
  | { type: 'start' }
  | { type: 'deps-ready' }
  | { type: 'spawned'; pid: number }
  | { type: 'spawn-failed'; error: string }
  | { type: 'exited'; pid: number; code: number | null; signal: string | null }
  | { type: 'ready' }
  | { type: 'readiness-timeout' }
  | { type: 'stop' }
  | { type: 'timer'; timer: TimerName }
  /** A process from before a supervisor restart that is still alive. */
  | { type: 'adopted'; pid: number; ready: boolean }
  /** A oneshot that a previous supervisor already ran to completion in this boot. */
  | { type: 'already-done' };

export type ServiceAction =
  | { type: 'spawn' }
  | { type: 'kill'; pid: number; signal: Signal }
  | { type: 'set-timer'; timer: TimerName; ms: number }
  | { type: 'clear-timer'; timer: TimerName }
  | { type: 'watch-readiness'; pid: number }
  | { type: 'unwatch-readiness' }
  | { type: 'log'; message: string }
  /** Run the spec's `afterCrash` command to its end (the process ended on its own). */
  | { type: 'after-crash' };

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  at: number;
}

/** What to do once the process being stopped has exited. */
export type AfterStop = 'down' | 'fail' | 'start';

export interface ServiceSnapshot {
  state: ServiceState;
  /** When the current state was entered. */
  since: number;
  pid?: number;
  /** Respawns after a failure (not counting the first start or manual restarts). */
  restarts: number;
  /** Consecutive failed runs; drives the backoff; reset after `stableMs` ready. */
  failures: number;
  lastExit?: ExitInfo;
  lastSpawnAt?: number;
  /** When the current run became ready. */
  readyAt?: number;
  /** The current run had become ready at some point. */
  wasReady: boolean;
  afterStop?: AfterStop;
  /** When the backoff timer will respawn the service. */
  nextStartAt?: number;
  /** Why the service is in this state, for humans ("exit 1; restarting in 2.0s"). */
  reason?: string;
}

export interface Transition {
  next: ServiceSnapshot;
  actions: ServiceAction[];
}

export function initialSnapshot(now: number): ServiceSnapshot {
  return { state: 'down', since: now, restarts: 0, failures: 0, wasReady: false };
}

/** Backoff before respawn number `failures` (1-based). */
export function backoffDelay(policy: RestartPolicy, failures: number, runWasReady: boolean): number {
  if (runWasReady && failures <= 1) return 0;
  const exp = Math.max(0, failures - 1);
  const d = policy.minDelayMs * Math.pow(policy.factor, exp);
  return Math.min(policy.maxDelayMs, Math.max(policy.minDelayMs, Math.round(d)));
}

export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === null) return 'exited';
  return `exit ${code}`;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function enter(
  s: ServiceSnapshot,
  state: ServiceState,
  now: number,
  patch: Partial<ServiceSnapshot> = {},
): ServiceSnapshot {
  const next: ServiceSnapshot = { ...s, ...patch, state, since: state === s.state ? s.since : now };
  // Fields that only make sense in some states.
  if (!['starting', 'started', 'ready', 'stopping'].includes(state)) delete next.pid;
  if (state !== 'stopping') delete next.afterStop;
  if (state !== 'backoff') delete next.nextStartAt;
  if (state !== 'ready') delete next.readyAt;
  if (!('reason' in patch) && state !== s.state) delete next.reason;
  return next;
}

const same = (s: ServiceSnapshot): Transition => ({ next: s, actions: [] });

function spawnFrom(s: ServiceSnapshot, now: number, patch: Partial<ServiceSnapshot> = {}): Transition {
  return {
    next: enter(s, 'starting', now, { ...patch, lastSpawnAt: now, wasReady: false }),
    actions: [{ type: 'spawn' }],
  };
}

/** A run ended badly (non-zero exit, crash, spawn error, readiness timeout): backoff or failed. */
function failure(
  spec: ServiceSpec,
  s: ServiceSnapshot,
  now: number,
  why: string,
  exit: ExitInfo | undefined,
): Transition {
  const actions: ServiceAction[] = [
    { type: 'clear-timer', timer: 'readiness' },
    { type: 'clear-timer', timer: 'stable' },
    { type: 'unwatch-readiness' },
  ];
  const base: Partial<ServiceSnapshot> = exit ? { lastExit: exit } : {};
  // The process is gone: release what it held (before any respawn timer, so that a respawn with
  // no delay finds the leftovers already released), whether it is restarted or not.
  const release: ServiceAction[] = exit && spec.afterCrash ? [{ type: 'after-crash' }] : [];
  if (exit && exit.code !== null && exit.code === spec.noRestartExitCode) {
    const reason = `${why}: permanent failure, not restarting`;
    actions.push({ type: 'log', message: reason }, ...release);
    return { next: enter(s, 'failed', now, { ...base, reason }), actions };
  }
  const failures = s.failures + 1;
  const max = spec.restart.maxFailures;
  if (max !== undefined && failures >= max) {
    const reason = `${why}: gave up after ${failures} consecutive failures`;
    actions.push({ type: 'log', message: reason }, ...release);
    return { next: enter(s, 'failed', now, { ...base, failures, reason }), actions };
  }
  const delay = backoffDelay(spec.restart, failures, s.wasReady);
  const reason = `${why}; restarting in ${secs(delay)}`;
  actions.push({ type: 'log', message: reason }, ...release, { type: 'set-timer', timer: 'backoff', ms: delay });
  return {
    next: enter(s, 'backoff', now, { ...base, failures, reason, nextStartAt: now + delay }),
    actions,
  };
}

function beginStop(
  spec: ServiceSpec,
  s: ServiceSnapshot,
  now: number,
  afterStop: AfterStop,
  reason?: string,
): Transition {
  const actions: ServiceAction[] = [
    { type: 'clear-timer', timer: 'readiness' },
    { type: 'clear-timer', timer: 'stable' },
    { type: 'unwatch-readiness' },
  ];
  if (s.pid !== undefined) {
    actions.push(
      { type: 'kill', pid: s.pid, signal: 'SIGTERM' },
      { type: 'set-timer', timer: 'kill-grace', ms: spec.killGraceMs },
    );
  }
  return { next: enter(s, 'stopping', now, { afterStop, ...(reason ? { reason } : {}) }), actions };
}

/** The process is running: enter `ready` or `started` depending on the readiness check. */
function running(spec: ServiceSpec, s: ServiceSnapshot, now: number, pid: number, alreadyReady: boolean): Transition {
  if (spec.type === 'oneshot') {
    return { next: enter(s, 'started', now, { pid }), actions: [] };
  }
  if (spec.readiness.kind === 'none' || alreadyReady) {
    return becomeReady(spec, enter(s, 'started', now, { pid }), now);
  }
  return {
    next: enter(s, 'started', now, { pid }),
    actions: [
      { type: 'watch-readiness', pid },
      { type: 'set-timer', timer: 'readiness', ms: spec.readiness.timeoutMs },
    ],
  };
}

function becomeReady(spec: ServiceSpec, s: ServiceSnapshot, now: number): Transition {
  return {
    next: enter(s, 'ready', now, { readyAt: now, wasReady: true }),
    actions: [
      { type: 'clear-timer', timer: 'readiness' },
      { type: 'unwatch-readiness' },
      { type: 'set-timer', timer: 'stable', ms: spec.restart.stableMs },
    ],
  };
}

type EventKey = Exclude<ServiceEvent['type'], 'timer'> | `timer:${TimerName}`;
type EventOf<K extends EventKey> = K extends `timer:${infer T}`
  ? { type: 'timer'; timer: T }
  : Extract<ServiceEvent, { type: K }>;
type Handler<K extends EventKey> = (spec: ServiceSpec, s: ServiceSnapshot, ev: EventOf<K>, now: number) => Transition;
type Row = { [K in EventKey]?: Handler<K> };

const keyOf = (ev: ServiceEvent): EventKey => (ev.type === 'timer' ? `timer:${ev.timer}` : ev.type);

// Shared cells of the table.
const toWaitingDeps: Handler<'start'> = (_spec, s, _ev, now) => ({
  next: enter(s, 'waiting-deps', now, { failures: 0 }),
  actions: [],
});
const toDown: Handler<'stop'> = (_spec, s, _ev, now) => ({ next: enter(s, 'down', now), actions: [] });
const adopt: Handler<'adopted'> = (spec, s, ev, now) =>
  running(spec, { ...s, wasReady: ev.ready }, now, ev.pid, ev.ready);
const alreadyDone: Handler<'already-done'> = (spec, s, _ev, now) =>
  spec.type === 'oneshot' ? { next: enter(s, 'done', now, { wasReady: true }), actions: [] } : same(s);
const stopRunning: Handler<'stop'> = (spec, s, _ev, now) => beginStop(spec, s, now, 'down');

/** A running process exited: a oneshot's exit 0 is done, anything else a failure of the run. */
const runExited: Handler<'exited'> = (spec, s, ev, now) => {
  if (ev.pid !== s.pid) return same(s);
  const exit: ExitInfo = { code: ev.code, signal: ev.signal, at: now };
  const what = describeExit(ev.code, ev.signal);
  const clean = ev.code === 0 && !ev.signal;
  if (spec.type === 'oneshot' && clean) {
    return {
      next: enter(s, 'done', now, { lastExit: exit, failures: 0, wasReady: true }),
      actions: [
        ...(s.state === 'ready' ? [{ type: 'clear-timer', timer: 'stable' } as const] : []),
        { type: 'log', message: 'finished (exit 0)' },
      ],
    };
  }
  return failure(spec, s, now, spec.type === 'longrun' && clean ? `exited unexpectedly (${what})` : what, exit);
};

/** A longrun that is started but not ready ran out of time (event or timer). */
const readinessExpired = (spec: ServiceSpec, s: ServiceSnapshot, now: number): Transition =>
  spec.type === 'longrun' ? readinessTimedOut(spec, s, now) : same(s);

/** The process being stopped exited: down, counted as a failure, or started again. */
const stopExited: Handler<'exited'> = (spec, s, ev, now) => {
  if (ev.pid !== s.pid) return same(s);
  const exit: ExitInfo = { code: ev.code, signal: ev.signal, at: now };
  const actions: ServiceAction[] = [{ type: 'clear-timer', timer: 'kill-grace' }];
  const after = s.afterStop ?? 'down';
  if (after === 'fail') {
    // A readiness timeout: counted as a failure, then retried like any other.
    const t = failure(spec, s, now, s.reason ?? 'stopped', exit);
    return { next: t.next, actions: [...actions, ...t.actions] };
  }
  if (after === 'start') return { next: enter(s, 'waiting-deps', now, { lastExit: exit, failures: 0 }), actions };
  return { next: enter(s, 'down', now, { lastExit: exit }), actions };
};

/**
 * The transition table: per state, the events that change something. An event a state does not
 * list changes nothing and produces no actions (stale timers, exits of other pids, repeats).
 */
const TABLE: { readonly [S in ServiceState]: Row } = {
  down: { start: toWaitingDeps, adopted: adopt, 'already-done': alreadyDone },
  'waiting-deps': {
    'deps-ready': (_spec, s, _ev, now) => spawnFrom(s, now),
    stop: toDown,
    adopted: adopt,
    'already-done': alreadyDone,
  },
  starting: {
    spawned: (spec, s, ev, now) => running(spec, s, now, ev.pid, false),
    'spawn-failed': (spec, s, ev, now) => failure(spec, s, now, `cannot start: ${ev.error}`, undefined),
    // No pid yet: remember the stop; the kill happens as soon as the spawn reports a pid.
    stop: (_spec, s, _ev, now) => ({ next: enter(s, 'stopping', now, { afterStop: 'down' }), actions: [] }),
  },
  started: {
    exited: runExited,
    ready: (spec, s, _ev, now) => (spec.type === 'longrun' ? becomeReady(spec, s, now) : same(s)),
    'readiness-timeout': (spec, s, _ev, now) => readinessExpired(spec, s, now),
    'timer:readiness': (spec, s, _ev, now) => readinessExpired(spec, s, now),
    stop: stopRunning,
  },
  ready: {
    exited: runExited,
    'timer:stable': (_spec, s) => ({ next: { ...s, failures: 0 }, actions: [] }),
    stop: stopRunning,
  },
  stopping: {
    // A stop arrived while the spawn was in flight.
    spawned: (spec, s, ev) => ({
      next: { ...s, pid: ev.pid },
      actions: [
        { type: 'kill', pid: ev.pid, signal: 'SIGTERM' },
        { type: 'set-timer', timer: 'kill-grace', ms: spec.killGraceMs },
      ],
    }),
    'spawn-failed': (_spec, s, _ev, now) => ({
      next: enter(s, s.afterStop === 'start' ? 'waiting-deps' : 'down', now),
      actions: [],
    }),
    exited: stopExited,
    'timer:kill-grace': (spec, s) =>
      s.pid === undefined
        ? same(s)
        : {
            next: { ...s, reason: `did not stop within ${secs(spec.killGraceMs)}; sent SIGKILL` },
            actions: [
              { type: 'kill', pid: s.pid, signal: 'SIGKILL' },
              { type: 'log', message: `did not stop within ${secs(spec.killGraceMs)}; sending SIGKILL` },
            ],
          },
    start: (_spec, s) => ({ next: { ...s, afterStop: 'start' }, actions: [] }),
    stop: (_spec, s) => (s.afterStop === 'down' ? same(s) : { next: { ...s, afterStop: 'down' }, actions: [] }),
  },
  backoff: {
    'timer:backoff': (_spec, s, _ev, now) => spawnFrom(s, now, { restarts: s.restarts + 1 }),
    stop: (_spec, s, _ev, now) => ({
      next: enter(s, 'down', now),
      actions: [{ type: 'clear-timer', timer: 'backoff' }],
    }),
  },
  failed: { start: toWaitingDeps, stop: toDown },
  done: { stop: toDown },
};

/**
 * The transition function: one look-up in the table. `now` is the injected clock's time; it only
 * stamps `since` and `lastExit.at` and computes `nextStartAt`, it never decides anything on its own.
 */
export function transition(spec: ServiceSpec, s: ServiceSnapshot, ev: ServiceEvent, now: number): Transition {
  const handler = TABLE[s.state][keyOf(ev)] as Handler<EventKey> | undefined;
  return handler ? handler(spec, s, ev as EventOf<EventKey>, now) : same(s);
}

function readinessTimedOut(spec: ServiceSpec, s: ServiceSnapshot, now: number): Transition {
  const reason = `not ready within ${secs(spec.readiness.timeoutMs)}`;
  const t = beginStop(spec, s, now, 'fail', reason);
  return { next: t.next, actions: [{ type: 'log', message: `${reason}; stopping it` }, ...t.actions] };
}

/** Longrun ready or oneshot done: what dependents wait for. */
export function isUp(spec: ServiceSpec, s: ServiceSnapshot): boolean {
  return spec.type === 'oneshot' ? s.state === 'done' : s.state === 'ready';
}
