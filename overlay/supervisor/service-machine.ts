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
 * and produce no actions, so the runtime never has to guard against races.
 */

export type ServiceType = 'oneshot' | 'longrun';

export type ReadinessKind = 'none' | 'probe' | 'notify';

export interface ReadinessSpec {
  /** none: ready once spawned (longrun) / once exited 0 (oneshot); probe: the runtime runs a check; notify: the service reports. */
  kind: ReadinessKind;
  /** How long `started` may last before the service counts as failed. */
  timeoutMs: number;
}

export interface RestartPolicy {
  /** The pause before a respawn after the first failure (≥ 1 s unless the run had been ready). */
  minDelayMs: number;
  /** Cap of the exponential backoff. */
  maxDelayMs: number;
  /** Growth per consecutive failure. */
  factor: number;
  /** Being ready this long resets the consecutive-failure count. */
  stableMs: number;
  /** Give up (→ failed) after this many consecutive failures; undefined = never give up. */
  maxFailures?: number;
}

export interface ServiceSpec {
  name: string;
  type: ServiceType;
  /** argv[0] is the program; the runtime's ProcessApi decides how to run it. */
  command: string[];
  env?: Record<string, string>;
  cwd?: string;
  dependsOn: string[];
  readiness: ReadinessSpec;
  restart: RestartPolicy;
  /** Exit code meaning "permanent failure, do not restart" (s6 uses 125). */
  noRestartExitCode?: number;
  /** Time between SIGTERM and SIGKILL to the process group on stop. */
  killGraceMs: number;
  /** Free text for status output ("keepalived (VRRP)"). */
  description?: string;
}

export const DEFAULT_RESTART: RestartPolicy = Object.freeze({
  minDelayMs: 1000,
  maxDelayMs: 30_000,
  factor: 2,
  stableMs: 10_000,
});

export const DEFAULT_NO_RESTART_EXIT_CODE = 125;

/** A spec with defaults filled in; everything the machine needs is then explicit. */
export function defineService(
  spec: Pick<ServiceSpec, 'name' | 'command'> & Partial<Omit<ServiceSpec, 'restart'>> & { restart?: Partial<RestartPolicy> },
): ServiceSpec {
  const type = spec.type ?? 'longrun';
  return {
    name: spec.name,
    type,
    command: [...spec.command],
    ...(spec.env ? { env: { ...spec.env } } : {}),
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
    dependsOn: [...(spec.dependsOn ?? [])],
    readiness: spec.readiness ?? { kind: 'none', timeoutMs: 10_000 },
    restart: { ...DEFAULT_RESTART, ...(spec.restart ?? {}) },
    noRestartExitCode: spec.noRestartExitCode ?? DEFAULT_NO_RESTART_EXIT_CODE,
    killGraceMs: spec.killGraceMs ?? 5000,
    ...(spec.description ? { description: spec.description } : {}),
  };
}

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

export type Signal = 'SIGTERM' | 'SIGKILL';

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
  | { type: 'log'; message: string };

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

function enter(s: ServiceSnapshot, state: ServiceState, now: number, patch: Partial<ServiceSnapshot> = {}): ServiceSnapshot {
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
function failure(spec: ServiceSpec, s: ServiceSnapshot, now: number, why: string, exit: ExitInfo | undefined): Transition {
  const actions: ServiceAction[] = [
    { type: 'clear-timer', timer: 'readiness' },
    { type: 'clear-timer', timer: 'stable' },
    { type: 'unwatch-readiness' },
  ];
  const base: Partial<ServiceSnapshot> = exit ? { lastExit: exit } : {};
  if (exit && exit.code !== null && exit.code === spec.noRestartExitCode) {
    const reason = `${why}: permanent failure, not restarting`;
    actions.push({ type: 'log', message: reason });
    return { next: enter(s, 'failed', now, { ...base, reason }), actions };
  }
  const failures = s.failures + 1;
  const max = spec.restart.maxFailures;
  if (max !== undefined && failures >= max) {
    const reason = `${why}: gave up after ${failures} consecutive failures`;
    actions.push({ type: 'log', message: reason });
    return { next: enter(s, 'failed', now, { ...base, failures, reason }), actions };
  }
  const delay = backoffDelay(spec.restart, failures, s.wasReady);
  const reason = `${why}; restarting in ${secs(delay)}`;
  actions.push({ type: 'log', message: reason }, { type: 'set-timer', timer: 'backoff', ms: delay });
  return {
    next: enter(s, 'backoff', now, { ...base, failures, reason, nextStartAt: now + delay }),
    actions,
  };
}

function beginStop(spec: ServiceSpec, s: ServiceSnapshot, now: number, afterStop: AfterStop, reason?: string): Transition {
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

/**
 * The transition function. `now` is the injected clock's time; it only stamps `since` and
 * `lastExit.at` and computes `nextStartAt`, it never decides anything on its own.
 */
export function transition(spec: ServiceSpec, s: ServiceSnapshot, ev: ServiceEvent, now: number): Transition {
  switch (s.state) {
    case 'down':
      switch (ev.type) {
        case 'start':
          return { next: enter(s, 'waiting-deps', now, { failures: 0 }), actions: [] };
        case 'adopted':
          return running(spec, { ...s, wasReady: ev.ready }, now, ev.pid, ev.ready);
        case 'already-done':
          return spec.type === 'oneshot' ? { next: enter(s, 'done', now, { wasReady: true }), actions: [] } : same(s);
        default:
          return same(s);
      }

    case 'waiting-deps':
      switch (ev.type) {
        case 'deps-ready':
          return spawnFrom(s, now);
        case 'stop':
          return { next: enter(s, 'down', now), actions: [] };
        case 'adopted':
          return running(spec, { ...s, wasReady: ev.ready }, now, ev.pid, ev.ready);
        case 'already-done':
          return spec.type === 'oneshot' ? { next: enter(s, 'done', now, { wasReady: true }), actions: [] } : same(s);
        default:
          return same(s);
      }

    case 'starting':
      switch (ev.type) {
        case 'spawned':
          return running(spec, s, now, ev.pid, false);
        case 'spawn-failed':
          return failure(spec, s, now, `cannot start: ${ev.error}`, undefined);
        case 'stop':
          // No pid yet: remember the stop; the kill happens as soon as the spawn reports a pid.
          return { next: enter(s, 'stopping', now, { afterStop: 'down' }), actions: [] };
        default:
          return same(s);
      }

    case 'started':
    case 'ready': {
      const pid = s.pid;
      switch (ev.type) {
        case 'exited': {
          if (ev.pid !== pid) return same(s);
          const exit: ExitInfo = { code: ev.code, signal: ev.signal, at: now };
          const what = describeExit(ev.code, ev.signal);
          if (spec.type === 'oneshot' && ev.code === 0 && !ev.signal) {
            return {
              next: enter(s, 'done', now, { lastExit: exit, failures: 0, wasReady: true }),
              actions: [
                ...(s.state === 'ready' ? [{ type: 'clear-timer', timer: 'stable' } as const] : []),
                { type: 'log', message: 'finished (exit 0)' },
              ],
            };
          }
          if (spec.type === 'longrun' && ev.code === 0 && !ev.signal) {
            return failure(spec, s, now, `exited unexpectedly (${what})`, exit);
          }
          return failure(spec, s, now, what, exit);
        }
        case 'ready':
          if (s.state === 'started' && spec.type === 'longrun') return becomeReady(spec, s, now);
          return same(s);
        case 'readiness-timeout':
          if (s.state !== 'started' || spec.type !== 'longrun') return same(s);
          return readinessTimedOut(spec, s, now);
        case 'timer':
          if (ev.timer === 'readiness' && s.state === 'started' && spec.type === 'longrun') {
            return readinessTimedOut(spec, s, now);
          }
          if (ev.timer === 'stable' && s.state === 'ready') {
            return { next: { ...s, failures: 0 }, actions: [] };
          }
          return same(s);
        case 'stop':
          return beginStop(spec, s, now, 'down');
        default:
          return same(s);
      }
    }

    case 'stopping':
      switch (ev.type) {
        case 'spawned': {
          // A stop arrived while the spawn was in flight.
          const withPid = { ...s, pid: ev.pid };
          return {
            next: withPid,
            actions: [
              { type: 'kill', pid: ev.pid, signal: 'SIGTERM' },
              { type: 'set-timer', timer: 'kill-grace', ms: spec.killGraceMs },
            ],
          };
        }
        case 'spawn-failed':
          return { next: enter(s, s.afterStop === 'start' ? 'waiting-deps' : 'down', now), actions: [] };
        case 'exited': {
          if (ev.pid !== s.pid) return same(s);
          const exit: ExitInfo = { code: ev.code, signal: ev.signal, at: now };
          const actions: ServiceAction[] = [{ type: 'clear-timer', timer: 'kill-grace' }];
          const after = s.afterStop ?? 'down';
          if (after === 'fail') {
            // A readiness timeout: counted as a failure, then retried like any other.
            const t = failure(spec, s, now, s.reason ?? 'stopped', exit);
            return { next: t.next, actions: [...actions, ...t.actions] };
          }
          if (after === 'start') {
            return { next: enter(s, 'waiting-deps', now, { lastExit: exit, failures: 0 }), actions };
          }
          return { next: enter(s, 'down', now, { lastExit: exit }), actions };
        }
        case 'timer':
          if (ev.timer === 'kill-grace' && s.pid !== undefined) {
            return {
              next: { ...s, reason: `did not stop within ${secs(spec.killGraceMs)}; sent SIGKILL` },
              actions: [
                { type: 'kill', pid: s.pid, signal: 'SIGKILL' },
                { type: 'log', message: `did not stop within ${secs(spec.killGraceMs)}; sending SIGKILL` },
              ],
            };
          }
          return same(s);
        case 'start':
          return { next: { ...s, afterStop: 'start' }, actions: [] };
        case 'stop':
          return s.afterStop === 'down' ? same(s) : { next: { ...s, afterStop: 'down' }, actions: [] };
        default:
          return same(s);
      }

    case 'backoff':
      switch (ev.type) {
        case 'timer':
          if (ev.timer !== 'backoff') return same(s);
          return spawnFrom(s, now, { restarts: s.restarts + 1 });
        case 'stop':
          return { next: enter(s, 'down', now), actions: [{ type: 'clear-timer', timer: 'backoff' }] };
        default:
          return same(s);
      }

    case 'failed':
    case 'done':
      switch (ev.type) {
        case 'start':
          if (s.state === 'done') return same(s);
          return { next: enter(s, 'waiting-deps', now, { failures: 0 }), actions: [] };
        case 'stop':
          return { next: enter(s, 'down', now), actions: [] };
        default:
          return same(s);
      }
  }
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
