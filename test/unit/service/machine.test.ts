import { describe, expect, it } from 'vitest';
import {
  SERVICE_STATES,
  backoffDelay,
  defineService,
  initialSnapshot,
  transition,
  type ServiceEvent,
  type ServiceSnapshot,
  type ServiceSpec,
  type ServiceState,
} from '../../../overlay/service/index.js';

const longrun = defineService({ name: 'keepalived', command: ['keepalived', '-n'], killGraceMs: 3000 });
const probed = defineService({
  name: 'ipvs',
  command: ['x'],
  readiness: { kind: 'probe', timeoutMs: 2000 },
});
const oneshot = defineService({ name: 'net', type: 'oneshot', command: ['net-apply'] });
const releasing = defineService({ name: 'ka', command: ['keepalived'], afterCrash: ['/bin/sh', 'release.sh'] });

const PID = 42;
const withPid: ServiceState[] = ['starting', 'started', 'ready', 'stopping'];
function snap(state: ServiceState, extra: Partial<ServiceSnapshot> = {}): ServiceSnapshot {
  return {
    ...initialSnapshot(0),
    state,
    ...(withPid.includes(state) && state !== 'starting' ? { pid: PID } : {}),
    ...(state === 'stopping' ? { afterStop: 'down' as const } : {}),
    ...extra,
  };
}

const ALL_EVENTS: ServiceEvent[] = [
  { type: 'start' },
  { type: 'deps-ready' },
  { type: 'spawned', pid: PID },
  { type: 'spawn-failed', error: 'ENOENT' },
  { type: 'exited', pid: PID, code: 1, signal: null },
  { type: 'exited', pid: PID, code: 0, signal: null },
  { type: 'exited', pid: PID, code: 125, signal: null },
  { type: 'exited', pid: 999, code: 1, signal: null },
  { type: 'ready' },
  { type: 'readiness-timeout' },
  { type: 'stop' },
  { type: 'timer', timer: 'backoff' },
  { type: 'timer', timer: 'readiness' },
  { type: 'timer', timer: 'kill-grace' },
  { type: 'timer', timer: 'stable' },
  { type: 'adopted', pid: PID, ready: true },
  { type: 'already-done' },
];

const kinds = (t: { actions: { type: string }[] }) => t.actions.map((a) => a.type);

describe('service machine: every state × every event', () => {
  for (const spec of [longrun, probed, oneshot]) {
    for (const state of SERVICE_STATES) {
      for (const ev of ALL_EVENTS) {
        it(`${spec.name} (${spec.type}/${spec.readiness.kind}) ${state} + ${JSON.stringify(ev)}`, () => {
          const s = snap(state);
          const t = transition(spec, s, ev, 1000);
          expect(SERVICE_STATES).toContain(t.next.state);
          // pid is present exactly in the states that own a process (starting may have none yet).
          if (['started', 'ready'].includes(t.next.state)) expect(t.next.pid).toBeTypeOf('number');
          if (!withPid.includes(t.next.state)) expect(t.next.pid).toBeUndefined();
          // Spawning happens only from 'starting'.
          if (kinds(t).includes('spawn')) expect(t.next.state).toBe('starting');
          // A stale exit (other pid) never changes anything.
          if (ev.type === 'exited' && ev.pid === 999) expect(t).toEqual({ next: s, actions: [] });
          // 'since' moves only with a state change.
          if (t.next.state === state) expect(t.next.since).toBe(s.since);
          else expect(t.next.since).toBe(1000);
          // Timers never outlive the state that armed them.
          const cleared = (timer: string) => t.actions.some((a) => a.type === 'clear-timer' && a.timer === timer);
          if (state === 'started' && spec === probed && t.next.state !== 'started')
            expect(cleared('readiness')).toBe(true);
          if (state === 'ready' && t.next.state !== 'ready') expect(cleared('stable')).toBe(true);
          if (state === 'stopping' && ev.type === 'exited' && t.next.state !== 'stopping')
            expect(cleared('kill-grace')).toBe(true);
          if (state === 'backoff' && t.next.state === 'down') expect(cleared('backoff')).toBe(true);
          // Entering stopping with a known pid always signals it and arms the grace timer.
          if (t.next.state === 'stopping' && state !== 'stopping' && t.next.pid !== undefined) {
            expect(t.actions).toContainEqual({ type: 'kill', pid: t.next.pid, signal: 'SIGTERM' });
            expect(t.actions.some((a) => a.type === 'set-timer' && a.timer === 'kill-grace')).toBe(true);
          }
          // Every timer set has a positive-or-zero delay.
          for (const a of t.actions) if (a.type === 'set-timer') expect(a.ms).toBeGreaterThanOrEqual(0);
        });
      }
    }
  }
});

interface Row {
  spec: ServiceSpec;
  from: ServiceSnapshot;
  ev: ServiceEvent;
  to: ServiceState;
  actions: string[];
  check?: (next: ServiceSnapshot, actions: ReturnType<typeof transition>['actions']) => void;
}

const table: [string, Row][] = [
  [
    'start from down waits for deps',
    { spec: longrun, from: snap('down'), ev: { type: 'start' }, to: 'waiting-deps', actions: [] },
  ],
  [
    'deps ready spawns',
    { spec: longrun, from: snap('waiting-deps'), ev: { type: 'deps-ready' }, to: 'starting', actions: ['spawn'] },
  ],
  ['stop while waiting', { spec: longrun, from: snap('waiting-deps'), ev: { type: 'stop' }, to: 'down', actions: [] }],
  [
    'spawned, no readiness check → ready with a stable timer',
    {
      spec: longrun,
      from: snap('starting'),
      ev: { type: 'spawned', pid: 7 },
      to: 'ready',
      actions: ['clear-timer', 'unwatch-readiness', 'set-timer'],
      check: (n, a) => {
        expect(n.pid).toBe(7);
        expect(a).toContainEqual({ type: 'set-timer', timer: 'stable', ms: 10_000 });
      },
    },
  ],
  [
    'spawned with a probe → started, watching, readiness timer',
    {
      spec: probed,
      from: snap('starting'),
      ev: { type: 'spawned', pid: 7 },
      to: 'started',
      actions: ['watch-readiness', 'set-timer'],
      check: (_n, a) => expect(a).toContainEqual({ type: 'set-timer', timer: 'readiness', ms: 2000 }),
    },
  ],
  [
    'oneshot spawned → started (ready only at exit 0)',
    { spec: oneshot, from: snap('starting'), ev: { type: 'spawned', pid: 7 }, to: 'started', actions: [] },
  ],
  [
    'oneshot exit 0 → done',
    {
      spec: oneshot,
      from: snap('started'),
      ev: { type: 'exited', pid: PID, code: 0, signal: null },
      to: 'done',
      actions: ['log'],
    },
  ],
  [
    'oneshot exit 1 → backoff 1 s',
    {
      spec: oneshot,
      from: snap('started'),
      ev: { type: 'exited', pid: PID, code: 1, signal: null },
      to: 'backoff',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'log', 'set-timer'],
      check: (n, a) => {
        expect(a.at(-1)).toEqual({ type: 'set-timer', timer: 'backoff', ms: 1000 });
        expect(n.failures).toBe(1);
        expect(n.nextStartAt).toBe(2000);
        expect(n.lastExit).toEqual({ code: 1, signal: null, at: 1000 });
        expect(n.reason).toBe('exit 1; restarting in 1.0s');
      },
    },
  ],
  [
    'probe passes → ready',
    {
      spec: probed,
      from: snap('started'),
      ev: { type: 'ready' },
      to: 'ready',
      actions: ['clear-timer', 'unwatch-readiness', 'set-timer'],
    },
  ],
  [
    'readiness timer → stopping with SIGTERM, counted as a failure later',
    {
      spec: probed,
      from: snap('started'),
      ev: { type: 'timer', timer: 'readiness' },
      to: 'stopping',
      actions: ['log', 'clear-timer', 'clear-timer', 'unwatch-readiness', 'kill', 'set-timer'],
      check: (n, a) => {
        expect(n.afterStop).toBe('fail');
        expect(n.reason).toBe('not ready within 2.0s');
        expect(a).toContainEqual({ type: 'kill', pid: PID, signal: 'SIGTERM' });
      },
    },
  ],
  [
    'readiness-timeout event does the same',
    {
      spec: probed,
      from: snap('started'),
      ev: { type: 'readiness-timeout' },
      to: 'stopping',
      actions: ['log', 'clear-timer', 'clear-timer', 'unwatch-readiness', 'kill', 'set-timer'],
    },
  ],
  [
    'ready process crashes → immediate restart (it had been ready)',
    {
      spec: longrun,
      from: snap('ready', { wasReady: true }),
      ev: { type: 'exited', pid: PID, code: null, signal: 'SIGKILL' },
      to: 'backoff',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'log', 'set-timer'],
      check: (n, a) => {
        expect(a.at(-1)).toEqual({ type: 'set-timer', timer: 'backoff', ms: 0 });
        expect(n.reason).toBe('killed by SIGKILL; restarting in 0.0s');
      },
    },
  ],
  [
    'crash of a service with afterCrash → release runs before the respawn timer',
    {
      spec: releasing,
      from: snap('ready', { wasReady: true }),
      ev: { type: 'exited', pid: PID, code: null, signal: 'SIGKILL' },
      to: 'backoff',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'log', 'after-crash', 'set-timer'],
    },
  ],
  [
    'afterCrash also runs when the service is given up',
    {
      spec: defineService({ name: 'x', command: ['x'], afterCrash: ['cleanup'], restart: { maxFailures: 1 } }),
      from: snap('started'),
      ev: { type: 'exited', pid: PID, code: 1, signal: null },
      to: 'failed',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'log', 'after-crash'],
    },
  ],
  [
    'afterCrash does not run for a spawn failure (nothing ran, nothing to release)',
    {
      spec: releasing,
      from: snap('starting'),
      ev: { type: 'spawn-failed', error: 'ENOENT' },
      to: 'backoff',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'log', 'set-timer'],
    },
  ],
  [
    'second crash before stable → exponential (2 s)',
    {
      spec: longrun,
      from: snap('ready', { wasReady: true, failures: 1 }),
      ev: { type: 'exited', pid: PID, code: 1, signal: null },
      to: 'backoff',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'log', 'set-timer'],
      check: (_n, a) => expect(a.at(-1)).toEqual({ type: 'set-timer', timer: 'backoff', ms: 2000 }),
    },
  ],
  [
    'longrun exit 0 is still a failure',
    {
      spec: longrun,
      from: snap('started'),
      ev: { type: 'exited', pid: PID, code: 0, signal: null },
      to: 'backoff',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'log', 'set-timer'],
      check: (n) => expect(n.reason).toBe('exited unexpectedly (exit 0); restarting in 1.0s'),
    },
  ],
  [
    'exit 125 → failed for good',
    {
      spec: longrun,
      from: snap('ready'),
      ev: { type: 'exited', pid: PID, code: 125, signal: null },
      to: 'failed',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'log'],
      check: (n) => expect(n.reason).toBe('exit 125: permanent failure, not restarting'),
    },
  ],
  [
    'maxFailures reached → failed',
    {
      spec: defineService({ name: 'x', command: ['x'], restart: { maxFailures: 3 } }),
      from: snap('started', { failures: 2 }),
      ev: { type: 'exited', pid: PID, code: 1, signal: null },
      to: 'failed',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'log'],
      check: (n) => expect(n.reason).toBe('exit 1: gave up after 3 consecutive failures'),
    },
  ],
  [
    'spawn failure → backoff',
    {
      spec: longrun,
      from: snap('starting'),
      ev: { type: 'spawn-failed', error: 'ENOENT' },
      to: 'backoff',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'log', 'set-timer'],
    },
  ],
  [
    'stable timer resets failures',
    {
      spec: longrun,
      from: snap('ready', { failures: 4 }),
      ev: { type: 'timer', timer: 'stable' },
      to: 'ready',
      actions: [],
      check: (n) => expect(n.failures).toBe(0),
    },
  ],
  [
    'backoff timer respawns and counts a restart',
    {
      spec: longrun,
      from: snap('backoff', { restarts: 2 }),
      ev: { type: 'timer', timer: 'backoff' },
      to: 'starting',
      actions: ['spawn'],
      check: (n) => {
        expect(n.restarts).toBe(3);
        expect(n.lastSpawnAt).toBe(1000);
      },
    },
  ],
  [
    'stop in backoff cancels the timer',
    { spec: longrun, from: snap('backoff'), ev: { type: 'stop' }, to: 'down', actions: ['clear-timer'] },
  ],
  [
    'stop when ready → SIGTERM to the group + grace timer',
    {
      spec: longrun,
      from: snap('ready'),
      ev: { type: 'stop' },
      to: 'stopping',
      actions: ['clear-timer', 'clear-timer', 'unwatch-readiness', 'kill', 'set-timer'],
      check: (_n, a) => {
        expect(a).toContainEqual({ type: 'kill', pid: PID, signal: 'SIGTERM' });
        expect(a).toContainEqual({ type: 'set-timer', timer: 'kill-grace', ms: 3000 });
      },
    },
  ],
  [
    'grace over → SIGKILL',
    {
      spec: longrun,
      from: snap('stopping'),
      ev: { type: 'timer', timer: 'kill-grace' },
      to: 'stopping',
      actions: ['kill', 'log'],
      check: (_n, a) => expect(a[0]).toEqual({ type: 'kill', pid: PID, signal: 'SIGKILL' }),
    },
  ],
  [
    'exit while stopping → down',
    {
      spec: longrun,
      from: snap('stopping'),
      ev: { type: 'exited', pid: PID, code: null, signal: 'SIGTERM' },
      to: 'down',
      actions: ['clear-timer'],
      check: (n) => expect(n.lastExit?.signal).toBe('SIGTERM'),
    },
  ],
  [
    'exit after readiness timeout → backoff',
    {
      spec: probed,
      from: snap('stopping', { afterStop: 'fail', reason: 'not ready within 2.0s' }),
      ev: { type: 'exited', pid: PID, code: null, signal: 'SIGTERM' },
      to: 'backoff',
      actions: ['clear-timer', 'clear-timer', 'clear-timer', 'unwatch-readiness', 'log', 'set-timer'],
      check: (n) => expect(n.reason).toBe('not ready within 2.0s; restarting in 1.0s'),
    },
  ],
  [
    'start while stopping → start again after the exit',
    {
      spec: longrun,
      from: snap('stopping'),
      ev: { type: 'start' },
      to: 'stopping',
      actions: [],
      check: (n) => expect(n.afterStop).toBe('start'),
    },
  ],
  [
    '…and the exit then leads to waiting-deps',
    {
      spec: longrun,
      from: snap('stopping', { afterStop: 'start' }),
      ev: { type: 'exited', pid: PID, code: 0, signal: null },
      to: 'waiting-deps',
      actions: ['clear-timer'],
    },
  ],
  [
    'stop while the spawn is in flight',
    { spec: longrun, from: snap('starting'), ev: { type: 'stop' }, to: 'stopping', actions: [] },
  ],
  [
    '…then the pid arrives and is killed',
    {
      spec: longrun,
      from: snap('stopping', { pid: undefined }),
      ev: { type: 'spawned', pid: 9 },
      to: 'stopping',
      actions: ['kill', 'set-timer'],
      check: (n) => expect(n.pid).toBe(9),
    },
  ],
  [
    'failed + start → tries again',
    {
      spec: longrun,
      from: snap('failed', { failures: 5 }),
      ev: { type: 'start' },
      to: 'waiting-deps',
      actions: [],
      check: (n) => expect(n.failures).toBe(0),
    },
  ],
  ['done + start stays done', { spec: oneshot, from: snap('done'), ev: { type: 'start' }, to: 'done', actions: [] }],
  ['done + stop → down', { spec: oneshot, from: snap('done'), ev: { type: 'stop' }, to: 'down', actions: [] }],
  [
    'adopt a ready process',
    {
      spec: probed,
      from: snap('down'),
      ev: { type: 'adopted', pid: 5, ready: true },
      to: 'ready',
      actions: ['clear-timer', 'unwatch-readiness', 'set-timer'],
      check: (n) => expect(n.pid).toBe(5),
    },
  ],
  [
    'adopt a not-yet-ready process → watch it',
    {
      spec: probed,
      from: snap('down'),
      ev: { type: 'adopted', pid: 5, ready: false },
      to: 'started',
      actions: ['watch-readiness', 'set-timer'],
    },
  ],
  [
    'oneshot already done in this boot',
    { spec: oneshot, from: snap('down'), ev: { type: 'already-done' }, to: 'done', actions: [] },
  ],
  [
    'ready event for a oneshot is ignored',
    { spec: oneshot, from: snap('started'), ev: { type: 'ready' }, to: 'started', actions: [] },
  ],
];

describe('service machine: transitions', () => {
  it.each(table)('%s', (_title, row) => {
    const t = transition(row.spec, row.from, row.ev, 1000);
    expect(t.next.state).toBe(row.to);
    expect(kinds(t)).toEqual(row.actions);
    row.check?.(t.next, t.actions);
  });
});

describe('backoff', () => {
  const policy = defineService({
    name: 'x',
    command: ['x'],
    restart: { minDelayMs: 1000, maxDelayMs: 8000, factor: 2 },
  }).restart;
  it.each([
    [1, false, 1000],
    [2, false, 2000],
    [3, false, 4000],
    [4, false, 8000],
    [10, false, 8000],
    [1, true, 0],
    [2, true, 2000],
  ])('failure %i (run had been ready: %s) → %i ms', (failures, ready, ms) => {
    expect(backoffDelay(policy, failures, ready)).toBe(ms);
  });

  it('a crash loop gets one immediate respawn, then ≥ 1 s apart growing to the cap', () => {
    let s = initialSnapshot(0);
    let now = 0;
    const spawnTimes: number[] = [];
    const step = (ev: ServiceEvent) => {
      const t = transition(longrun, s, ev, now);
      s = t.next;
      for (const a of t.actions) {
        if (a.type === 'spawn') spawnTimes.push(now);
        if (a.type === 'set-timer' && a.timer === 'backoff') now += a.ms;
      }
    };
    step({ type: 'start' });
    step({ type: 'deps-ready' });
    for (let i = 0; i < 8; i++) {
      step({ type: 'spawned', pid: 100 + i });
      now += 10; // crashes 10 ms after becoming "ready" (readiness none)
      step({ type: 'exited', pid: 100 + i, code: 1, signal: null });
      step({ type: 'timer', timer: 'backoff' });
    }
    const gaps = spawnTimes.slice(1).map((t, i) => t - spawnTimes[i]!);
    // The first gap is the waived one (the run had been ready); after that ≥ 1 s, growing to the cap.
    expect(gaps).toEqual([10, 2010, 4010, 8010, 16010, 30010, 30010, 30010]);
    expect(s.restarts).toBe(8);
  });
});
