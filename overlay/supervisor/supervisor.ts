/**
 * The runtime that drives one state machine per service (service-machine.ts). Everything it
 * touches in the world comes in through small interfaces — a clock, a process API, an optional
 * readiness checker and an optional state store — so tests run with fake time and fake processes
 * and the real wiring lives in main.ts.
 *
 * Guarantees:
 *  - a service is spawned only once every dependency is up (longrun ready / oneshot done); while
 *    waiting, its status says what for, including a dependency that failed for good;
 *  - `shutdown()` stops services in reverse dependency order, level by level, each with its own
 *    SIGTERM → grace → SIGKILL;
 *  - events are processed one at a time from a queue (no re-entrancy); a throwing listener or a
 *    throwing process API call is logged, never fatal;
 *  - after a supervisor restart, a service whose state file names a live process is adopted
 *    instead of spawned a second time; a oneshot recorded as done is not run again;
 *  - a reload hands the services it keeps from the old supervisor to the new one (handOver →
 *    `inherit`): the process runs on untouched, with its restarts, facts and log lines.
 */
import { createLogRing, type LogLine, type LogRing, type LogStream } from './ring.js';
import {
  initialSnapshot,
  AFTER_CRASH_TIMEOUT_MS,
  isUp,
  transition,
  type ExitInfo,
  type ReadinessKind,
  type ServiceAction,
  type ServiceEvent,
  type ServiceSnapshot,
  type ServiceSpec,
  type ServiceState,
  type ServiceType,
  type Signal,
  type TimerName,
} from '../service/index.js';
import type { ProcessApi } from '../service/process.js';

export type { ProcessApi, SpawnIo, SpawnedProcess } from '../service/process.js';

export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The real clock for main.ts (wall time for status stamps; timers are monotonic in Node). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface ReadinessApi {
  /**
   * Start checking a `probe` (or `notify`) service; call `onReady` once when it is ready.
   * Returns a function that cancels the check.
   */
  watch(spec: ServiceSpec, pid: number, onReady: () => void): () => void;
}

/** What survives a supervisor restart, one record per service (under /run/pillars). */
export interface PersistedService {
  pid?: number;
  token?: string;
  ready?: boolean;
  /** A oneshot that already finished in this boot. */
  done?: boolean;
  restarts: number;
  since: number;
}

export interface StateStore {
  load(name: string): PersistedService | undefined;
  save(name: string, record: PersistedService): void;
  remove(name: string): void;
}

export type SupervisorEvent =
  | {
      type: 'state';
      service: string;
      from: ServiceState;
      to: ServiceState;
      at: number;
      pid?: number;
      reason?: string;
    }
  | { type: 'log'; service: string; at: number; message: string }
  /** A role-specific fact changed (e.g. vrrp: MASTER), see Supervisor.annotate. */
  | { type: 'info'; service: string; at: number; key: string; value: string | number | boolean | null };

export type InfoValue = string | number | boolean | null;

export interface ServiceStatus {
  name: string;
  type: ServiceType;
  description?: string;
  state: ServiceState;
  since: number;
  pid?: number;
  restarts: number;
  failures: number;
  lastExit?: ExitInfo;
  readiness: { kind: ReadinessKind; ready: boolean };
  reason?: string;
  /** Dependencies not up yet (only in waiting-deps). */
  waitingFor?: string[];
  nextStartAt?: number;
  adopted: boolean;
  dependsOn: string[];
  /** Role-specific facts (VRRP state, heartbeat resources…), with when each last changed. */
  info: Record<string, { value: InfoValue; since: number }>;
}

export interface SupervisorStatus {
  at: number;
  services: ServiceStatus[];
}

/** A running service (or a finished oneshot) one supervisor hands to the next on a reload. */
export interface HandedOver {
  name: string;
  /** The live process of a longrun. */
  pid?: number;
  token?: string;
  /** Not a child of this process (adopted after a supervisor restart): its exit is polled for. */
  adopted: boolean;
  ready: boolean;
  /** A oneshot that finished. */
  done: boolean;
  restarts: number;
  info: Record<string, { value: InfoValue; since: number }>;
  logs: LogLine[];
}

export interface SupervisorOptions {
  clock: Clock;
  /** Services a previous supervisor handed over: adopted by start() instead of started. */
  inherit?: readonly HandedOver[];
  processes: ProcessApi;
  readiness?: ReadinessApi;
  store?: StateStore;
  /** Lines kept per service. */
  logLines?: number;
  /** How often adopted processes (not our children, so no exit event) are checked. */
  adoptPollMs?: number;
}

export interface Supervisor {
  /** Start services (all, or the named ones) together with everything they depend on. */
  start(names?: string[]): void;
  /** Stop one service (dependents are left alone; use shutdown() to stop everything). */
  stop(name: string): void;
  /** Stop (if running) and start again; the restart counter is not increased. */
  restart(name: string): void;
  /** Readiness notification for `notify` services (e.g. from a FIFO the service writes to). */
  markReady(name: string): void;
  /**
   * Stop everything in reverse dependency order, level by level. A level is given its longest
   * kill grace plus `afterKillMs` (default 2 s) to go down; services still not down then are
   * reported as stuck and the next level is stopped anyway (a box must still power off).
   */
  shutdown(opts?: { afterKillMs?: number }): Promise<{ stuck: string[] }>;
  /**
   * Let go of a running service without stopping it, for the next supervisor (a reload that keeps
   * it). Undefined when it is not up (ready, or a oneshot done): then it is not handed over, and
   * stopped and started like any other.
   */
  handOver(name: string): HandedOver | undefined;
  /** Send a service's process (the group leader) a signal, e.g. its reloadSignal. */
  signal(name: string, signal: Signal): boolean;
  /** Stop listening for process exits (after shutdown, when a reload replaced this supervisor). */
  close(): void;
  /** Record a role-specific fact for status (e.g. annotate('keepalived', 'vrrp.VI_1', 'MASTER')). */
  annotate(name: string, key: string, value: InfoValue): void;
  status(): SupervisorStatus;
  logs(name: string, lines?: number): LogLine[];
  /** Append a line to a service's log (e.g. a role's state change). */
  log(name: string, stream: LogStream, text: string): void;
  subscribe(listener: (ev: SupervisorEvent) => void): () => void;
  /** Services in dependency order (dependencies first). */
  order(): string[];
}

/** Dependencies first; throws on duplicate names, unknown dependencies and cycles. */
export function dependencyOrder(specs: readonly ServiceSpec[]): string[] {
  const byName = new Map<string, ServiceSpec>();
  for (const s of specs) {
    if (byName.has(s.name)) throw new Error(`service ${s.name} is defined twice`);
    byName.set(s.name, s);
  }
  for (const s of specs) {
    for (const d of s.dependsOn) {
      if (!byName.has(d)) throw new Error(`service ${s.name} depends on unknown service ${d}`);
    }
  }
  const out: string[] = [];
  const mark = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    const m = mark.get(name);
    if (m === 'done') return;
    if (m === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new Error(`dependency cycle: ${cycle.join(' → ')}`);
    }
    mark.set(name, 'visiting');
    for (const d of byName.get(name)!.dependsOn) visit(d, [...path, name]);
    mark.set(name, 'done');
    out.push(name);
  };
  for (const s of specs) visit(s.name, []);
  return out;
}

/** Level 0 has no dependencies; a service's level is one more than its deepest dependency. */
export function dependencyLevels(specs: readonly ServiceSpec[]): Map<string, number> {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const levels = new Map<string, number>();
  for (const name of dependencyOrder(specs)) {
    const deps = byName.get(name)!.dependsOn;
    levels.set(name, deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => levels.get(d)!)));
  }
  return levels;
}

interface Entry {
  spec: ServiceSpec;
  snap: ServiceSnapshot;
  timers: Map<TimerName | 'adopt-poll', TimerHandle>;
  cancelReadiness?: () => void;
  token?: string;
  adopted: boolean;
  waitingFor?: string[];
  ring: LogRing;
  info: Map<string, { value: InfoValue; since: number }>;
}

export function createSupervisor(specs: readonly ServiceSpec[], opts: SupervisorOptions): Supervisor {
  const order = dependencyOrder(specs);
  const levels = dependencyLevels(specs);
  const { clock, processes } = opts;
  const adoptPollMs = opts.adoptPollMs ?? 1000;
  const entries = new Map<string, Entry>();
  for (const spec of specs) {
    entries.set(spec.name, {
      spec,
      snap: initialSnapshot(clock.now()),
      timers: new Map(),
      adopted: false,
      ring: createLogRing(opts.logLines ?? 500),
      info: new Map(),
    });
  }
  const listeners = new Set<(ev: SupervisorEvent) => void>();
  const settledWaiters = new Set<() => void>();
  const queue: { name: string; ev: ServiceEvent }[] = [];
  let draining = false;

  const entry = (name: string): Entry => {
    const e = entries.get(name);
    if (!e) throw new Error(`unknown service ${name}`);
    return e;
  };

  const emit = (ev: SupervisorEvent) => {
    for (const l of listeners) {
      try {
        l(ev);
      } catch {
        // A broken listener must not take the supervisor down.
      }
    }
  };

  const log = (name: string, stream: LogStream, text: string) => {
    const at = clock.now();
    entry(name).ring.push({ at, stream, text });
    if (stream === 'supervisor') emit({ type: 'log', service: name, at, message: text });
  };

  const persist = (e: Entry) => {
    if (!opts.store) return;
    const s = e.snap;
    try {
      if (s.pid !== undefined) {
        opts.store.save(e.spec.name, {
          pid: s.pid,
          ...(e.token !== undefined ? { token: e.token } : {}),
          ready: s.state === 'ready',
          restarts: s.restarts,
          since: s.since,
        });
      } else if (s.state === 'done') {
        opts.store.save(e.spec.name, { done: true, restarts: s.restarts, since: s.since });
      } else {
        opts.store.remove(e.spec.name);
      }
    } catch (err) {
      e.ring.push({ at: clock.now(), stream: 'supervisor', text: `cannot write state file: ${String(err)}` });
    }
  };

  const clearTimer = (e: Entry, timer: TimerName | 'adopt-poll') => {
    const h = e.timers.get(timer);
    if (h !== undefined) {
      clock.clearTimer(h);
      e.timers.delete(timer);
    }
  };

  const setTimer = (e: Entry, timer: TimerName | 'adopt-poll', ms: number, fn: () => void) => {
    clearTimer(e, timer);
    const h = clock.setTimer(ms, () => {
      if (e.timers.get(timer) === h) e.timers.delete(timer);
      fn();
    });
    e.timers.set(timer, h);
  };

  const pollAdopted = (e: Entry) => {
    setTimer(e, 'adopt-poll', adoptPollMs, () => {
      const pid = e.snap.pid;
      if (!e.adopted || pid === undefined) return;
      let alive = false;
      try {
        alive = processes.isAlive(pid, e.token);
      } catch {
        alive = false;
      }
      if (alive) pollAdopted(e);
      else dispatch(e.spec.name, { type: 'exited', pid, code: null, signal: null });
    });
  };

  /** Carry out one action; returns the event it produces right away, if any (spawn results). */
  const run = (e: Entry, a: ServiceAction): ServiceEvent | undefined => {
    const name = e.spec.name;
    switch (a.type) {
      case 'spawn': {
        e.adopted = false;
        e.token = undefined;
        clearTimer(e, 'adopt-poll');
        try {
          const p = processes.spawn(e.spec, { output: (stream, line) => log(name, stream, line) });
          e.token = p.token;
          return { type: 'spawned', pid: p.pid };
        } catch (err) {
          return { type: 'spawn-failed', error: err instanceof Error ? err.message : String(err) };
        }
      }
      case 'kill':
        try {
          processes.kill(a.pid, a.signal);
        } catch (err) {
          log(
            name,
            'supervisor',
            `${a.signal} to process group ${a.pid} failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
        return;
      case 'set-timer':
        setTimer(e, a.timer, a.ms, () => dispatch(name, { type: 'timer', timer: a.timer }));
        return;
      case 'clear-timer':
        clearTimer(e, a.timer);
        return;
      case 'watch-readiness':
        e.cancelReadiness?.();
        e.cancelReadiness = undefined;
        if (opts.readiness) {
          try {
            e.cancelReadiness = opts.readiness.watch(e.spec, a.pid, () => dispatch(name, { type: 'ready' }));
          } catch (err) {
            log(name, 'supervisor', `readiness check could not start: ${String(err)}`);
          }
        }
        return;
      case 'unwatch-readiness':
        e.cancelReadiness?.();
        e.cancelReadiness = undefined;
        return;
      case 'log':
        log(name, 'supervisor', a.message);
        return;
      case 'after-crash': {
        if (!e.spec.afterCrash) return;
        const r = processes.runToEnd(e.spec.afterCrash, AFTER_CRASH_TIMEOUT_MS);
        log(name, 'supervisor', `released what it held (${e.spec.afterCrash.join(' ')}): ${r.ok ? 'done' : r.detail}`);
        return;
      }
    }
  };

  const step = (name: string, ev: ServiceEvent) => {
    const e = entries.get(name);
    if (!e) return;
    const prev = e.snap;
    const t = transition(e.spec, prev, ev, clock.now());
    e.snap = t.next;
    // Events produced by the actions (spawn results) are handled next, before anything queued.
    const follow: { name: string; ev: ServiceEvent }[] = [];
    for (const a of t.actions) {
      const ev2 = run(e, a);
      if (ev2) follow.push({ name, ev: ev2 });
    }
    queue.unshift(...follow);
    if (prev.state !== t.next.state) {
      if (t.next.state !== 'waiting-deps') e.waitingFor = undefined;
      emit({
        type: 'state',
        service: name,
        from: prev.state,
        to: t.next.state,
        at: t.next.since,
        ...(t.next.pid !== undefined ? { pid: t.next.pid } : {}),
        ...(t.next.reason !== undefined ? { reason: t.next.reason } : {}),
      });
    }
    if (prev.state !== t.next.state || prev.pid !== t.next.pid || prev.restarts !== t.next.restarts) persist(e);
    if (e.adopted && t.next.pid === undefined) {
      e.adopted = false;
      clearTimer(e, 'adopt-poll');
    }
  };

  /** Send deps-ready to waiting services whose dependencies are all up; note what others wait for. */
  const settle = () => {
    for (const name of order) {
      const e = entries.get(name)!;
      if (e.snap.state !== 'waiting-deps') continue;
      const missing = e.spec.dependsOn.filter((d) => {
        const de = entries.get(d)!;
        return !isUp(de.spec, de.snap);
      });
      if (missing.length === 0) {
        e.waitingFor = undefined;
        queue.push({ name, ev: { type: 'deps-ready' } });
        continue;
      }
      e.waitingFor = missing;
      const parts = missing.map((d) => {
        const ds = entries.get(d)!.snap;
        if (ds.state === 'failed') return `${d} (failed${ds.reason ? `: ${ds.reason}` : ''})`;
        if (ds.state === 'down') return `${d} (not started)`;
        return `${d} (${ds.state})`;
      });
      const reason = `waiting for ${parts.join(', ')}`;
      if (e.snap.reason !== reason) e.snap = { ...e.snap, reason };
    }
  };

  const drain = () => {
    if (draining) return;
    draining = true;
    try {
      for (;;) {
        while (queue.length > 0) {
          const { name, ev } = queue.shift()!;
          try {
            step(name, ev);
          } catch (err) {
            // A bug in one transition must not stop the others.
            try {
              log(name, 'supervisor', `internal error handling ${ev.type}: ${String(err)}`);
            } catch {
              /* ignore */
            }
          }
        }
        settle();
        if (queue.length === 0) break;
      }
    } finally {
      draining = false;
    }
    for (const w of [...settledWaiters]) w();
  };

  function dispatch(name: string, ev: ServiceEvent) {
    queue.push({ name, ev });
    drain();
  }

  const unsubscribeExit = processes.onExit((pid, code, signal) => {
    for (const e of entries.values()) {
      if (e.snap.pid === pid) {
        dispatch(e.spec.name, { type: 'exited', pid, code, signal });
        return;
      }
    }
  });
  const inherited = new Map((opts.inherit ?? []).map((h) => [h.name, h]));

  /** Take over a service the previous supervisor handed over; true if taken. */
  const tryInherit = (e: Entry): boolean => {
    const h = inherited.get(e.spec.name);
    inherited.delete(e.spec.name);
    if (!h || e.snap.state !== 'down') return false;
    // The daemon's own lines come back from its log files (the runtime tails them anew).
    for (const l of h.logs) if (l.stream === 'supervisor') e.ring.push(l);
    for (const [k, v] of Object.entries(h.info)) e.info.set(k, { ...v });
    e.snap = { ...e.snap, restarts: h.restarts };
    if (h.done && e.spec.type === 'oneshot') {
      log(e.spec.name, 'supervisor', 'kept from the previous config (done, its files unchanged)');
      dispatch(e.spec.name, { type: 'already-done' });
      return true;
    }
    let alive = false;
    try {
      alive = h.pid !== undefined && processes.isAlive(h.pid, h.token);
    } catch {
      alive = false;
    }
    if (!alive) {
      log(e.spec.name, 'supervisor', `process ${h.pid ?? '?'} of the previous config is gone; starting afresh`);
      return false;
    }
    e.token = h.token;
    log(e.spec.name, 'supervisor', `kept running from the previous config (pid ${h.pid})`);
    dispatch(e.spec.name, { type: 'adopted', pid: h.pid!, ready: h.ready });
    if (h.adopted) {
      e.adopted = true;
      pollAdopted(e);
    }
    return true;
  };

  const closure = (names: string[]): string[] => {
    const want = new Set<string>();
    const add = (n: string) => {
      if (want.has(n)) return;
      want.add(n);
      for (const d of entry(n).spec.dependsOn) add(d);
    };
    names.forEach(add);
    return order.filter((n) => want.has(n));
  };

  /** Adopt a live process (or a finished oneshot) from a previous supervisor; true if adopted. */
  const tryAdopt = (e: Entry): boolean => {
    if (!opts.store || e.snap.state !== 'down') return false;
    let rec: PersistedService | undefined;
    try {
      rec = opts.store.load(e.spec.name);
    } catch {
      rec = undefined;
    }
    if (!rec) return false;
    e.snap = { ...e.snap, restarts: rec.restarts ?? 0 };
    if (rec.done && e.spec.type === 'oneshot') {
      log(e.spec.name, 'supervisor', 'already done in this boot (state file); not running it again');
      dispatch(e.spec.name, { type: 'already-done' });
      return true;
    }
    if (rec.pid === undefined) return false;
    let alive = false;
    try {
      alive = processes.isAlive(rec.pid, rec.token);
    } catch {
      alive = false;
    }
    if (!alive) {
      log(e.spec.name, 'supervisor', `process ${rec.pid} from the state file is gone; starting afresh`);
      try {
        opts.store.remove(e.spec.name);
      } catch {
        /* ignore */
      }
      return false;
    }
    e.token = rec.token;
    e.adopted = true;
    log(e.spec.name, 'supervisor', `adopted running process ${rec.pid}${rec.ready ? ' (ready)' : ''}`);
    dispatch(e.spec.name, { type: 'adopted', pid: rec.pid, ready: rec.ready ?? false });
    pollAdopted(e);
    return true;
  };

  const statusOf = (e: Entry): ServiceStatus => {
    const s = e.snap;
    return {
      name: e.spec.name,
      type: e.spec.type,
      ...(e.spec.description ? { description: e.spec.description } : {}),
      state: s.state,
      since: s.since,
      ...(s.pid !== undefined ? { pid: s.pid } : {}),
      restarts: s.restarts,
      failures: s.failures,
      ...(s.lastExit ? { lastExit: { ...s.lastExit } } : {}),
      readiness: { kind: e.spec.readiness.kind, ready: isUp(e.spec, s) },
      ...(s.reason !== undefined ? { reason: s.reason } : {}),
      ...(e.waitingFor && s.state === 'waiting-deps' ? { waitingFor: [...e.waitingFor] } : {}),
      ...(s.nextStartAt !== undefined ? { nextStartAt: s.nextStartAt } : {}),
      adopted: e.adopted,
      dependsOn: [...e.spec.dependsOn],
      info: Object.fromEntries([...e.info].map(([k, v]) => [k, { ...v }])),
    };
  };

  const waitUntil = (pred: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (pred()) return resolve();
      const check = () => {
        if (pred()) {
          settledWaiters.delete(check);
          resolve();
        }
      };
      settledWaiters.add(check);
    });

  const inactive = (n: string) => {
    const st = entry(n).snap.state;
    return st === 'down' || st === 'failed' || st === 'done';
  };

  return {
    start(names) {
      const list = closure(names ?? order);
      for (const n of list) {
        const e = entry(n);
        if (tryInherit(e) || tryAdopt(e)) continue;
        queue.push({ name: n, ev: { type: 'start' } });
      }
      drain();
    },
    stop(name) {
      dispatch(entry(name).spec.name, { type: 'stop' });
    },
    restart(name) {
      entry(name);
      queue.push({ name, ev: { type: 'stop' } }, { name, ev: { type: 'start' } });
      drain();
    },
    markReady(name) {
      dispatch(entry(name).spec.name, { type: 'ready' });
    },
    async shutdown(sopts) {
      const afterKillMs = sopts?.afterKillMs ?? 2000;
      const stuck: string[] = [];
      const maxLevel = Math.max(0, ...levels.values());
      for (let level = maxLevel; level >= 0; level--) {
        const names = order.filter((n) => levels.get(n) === level);
        for (const n of names) queue.push({ name: n, ev: { type: 'stop' } });
        drain();
        const budget = Math.max(0, ...names.map((n) => entry(n).spec.killGraceMs)) + afterKillMs;
        let timedOut = false;
        const timer = clock.setTimer(budget, () => {
          timedOut = true;
          for (const w of [...settledWaiters]) w();
        });
        await waitUntil(() => timedOut || names.every(inactive));
        clock.clearTimer(timer);
        for (const n of names) {
          if (!inactive(n)) {
            stuck.push(n);
            log(n, 'supervisor', `still not down ${(budget / 1000).toFixed(1)}s after stop; leaving it`);
          }
        }
      }
      return { stuck };
    },
    handOver(name) {
      const e = entry(name);
      const s = e.snap;
      const done = e.spec.type === 'oneshot' && s.state === 'done';
      if (!done && !(e.spec.type === 'longrun' && s.state === 'ready' && s.pid !== undefined)) return undefined;
      const h: HandedOver = {
        name,
        ...(s.pid !== undefined ? { pid: s.pid } : {}),
        ...(e.token !== undefined ? { token: e.token } : {}),
        adopted: e.adopted,
        ready: !done,
        done,
        restarts: s.restarts,
        info: Object.fromEntries([...e.info].map(([k, v]) => [k, { ...v }])),
        logs: e.ring.lines(),
      };
      // Forget it here without a word to the process: no stop, no timers, no state-file change
      // (the record still describes the process; the next supervisor writes its own).
      for (const t of [...e.timers.keys()]) clearTimer(e, t);
      e.cancelReadiness?.();
      e.cancelReadiness = undefined;
      e.adopted = false;
      e.token = undefined;
      e.snap = { ...initialSnapshot(clock.now()), restarts: s.restarts };
      log(name, 'supervisor', 'handed over to the reloaded config');
      return h;
    },
    signal(name, signal) {
      const pid = entry(name).snap.pid;
      if (pid === undefined) return false;
      try {
        processes.signal(pid, signal);
        log(name, 'supervisor', `sent ${signal} to process ${pid}`);
        return true;
      } catch (err) {
        log(
          name,
          'supervisor',
          `${signal} to process ${pid} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        return false;
      }
    },
    close() {
      unsubscribeExit();
      for (const e of entries.values()) for (const t of [...e.timers.keys()]) clearTimer(e, t);
    },
    annotate(name, key, value) {
      const e = entry(name);
      const prev = e.info.get(key);
      if (prev && prev.value === value) return;
      const at = clock.now();
      e.info.set(key, { value, since: at });
      emit({ type: 'info', service: name, at, key, value });
    },
    status() {
      return { at: clock.now(), services: order.map((n) => statusOf(entry(n))) };
    },
    logs(name, lines) {
      const ring = entry(name).ring;
      return lines === undefined ? ring.lines() : ring.tail(lines);
    },
    log(name, stream, text) {
      log(entry(name).spec.name, stream, text);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    order() {
      return [...order];
    },
  };
}
