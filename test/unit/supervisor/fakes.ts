import type {
  Clock,
  ProcessApi,
  SpawnIo,
  StateStore,
  PersistedService,
} from '../../../overlay/supervisor/supervisor.js';
import type { ServiceSpec, Signal } from '../../../overlay/service/index.js';

/** A clock whose time only moves when the test says so. */
export class FakeClock implements Clock {
  t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now() {
    return this.t;
  }
  setTimer(ms: number, fn: () => void) {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimer(h: unknown) {
    this.timers.delete(h as number);
  }
  pending() {
    return [...this.timers.values()].map((t) => t.at - this.t).sort((a, b) => a - b);
  }
  /** Move time forward, firing due timers in order (timers set by timers fire too). */
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

export interface FakeProc {
  pid: number;
  name: string;
  io: SpawnIo;
  alive: boolean;
  signals: Signal[];
}

/** Processes that exist only in memory; the test decides when they exit. */
export class FakeProcesses implements ProcessApi {
  nextPid = 100;
  procs = new Map<number, FakeProc>();
  spawns: string[] = [];
  kills: { pid: number; signal: Signal }[] = [];
  failSpawn = new Set<string>();
  /** Processes that exit by themselves on SIGTERM (default) unless listed here. */
  ignoreTerm = new Set<string>();
  /** Pids alive "outside" (adopted from a previous supervisor): name by pid. */
  external = new Map<number, string>();
  private exitListeners = new Set<(pid: number, code: number | null, signal: string | null) => void>();

  spawn(spec: ServiceSpec, io: SpawnIo) {
    if (this.failSpawn.has(spec.name)) throw new Error(`spawn ${spec.command[0]} ENOENT`);
    const pid = this.nextPid++;
    this.procs.set(pid, { pid, name: spec.name, io, alive: true, signals: [] });
    this.spawns.push(spec.name);
    return { pid, token: `t${pid}` };
  }
  kill(pgid: number, signal: Signal) {
    this.kills.push({ pid: pgid, signal });
    const p = this.procs.get(pgid);
    if (p) {
      p.signals.push(signal);
      if (signal === 'SIGKILL' || !this.ignoreTerm.has(p.name)) this.exit(pgid, null, signal);
      return;
    }
    if (this.external.has(pgid)) {
      if (signal === 'SIGKILL' || !this.ignoreTerm.has(this.external.get(pgid)!)) this.external.delete(pgid);
      return;
    }
    throw new Error('ESRCH');
  }
  onExit(listener: (pid: number, code: number | null, signal: string | null) => void) {
    this.exitListeners.add(listener);
    return () => void this.exitListeners.delete(listener);
  }
  /** Signals to group leaders only (a reload's SIGHUP), in order. */
  leaderSignals: { pid: number; signal: Signal }[] = [];
  signal(pid: number, signal: Signal) {
    this.leaderSignals.push({ pid, signal });
    if (!this.procs.get(pid)?.alive && !this.external.has(pid)) throw new Error('ESRCH');
  }
  /** Commands run to their end (afterCrash), in order. */
  ranToEnd: string[][] = [];
  runToEnd(argv: readonly string[]) {
    this.ranToEnd.push([...argv]);
    return { ok: true, detail: 'exit 0' };
  }
  isAlive(pid: number, token?: string) {
    if (this.external.has(pid)) return token === undefined || token === `t${pid}`;
    const p = this.procs.get(pid);
    return !!p && p.alive && (token === undefined || token === `t${pid}`);
  }
  exit(pid: number, code: number | null, signal: string | null = null) {
    const p = this.procs.get(pid);
    if (!p || !p.alive) return;
    p.alive = false;
    for (const l of [...this.exitListeners]) l(pid, code, signal);
  }
  /** The newest live process of a service. */
  live(name: string): FakeProc | undefined {
    return [...this.procs.values()].reverse().find((p) => p.name === name && p.alive);
  }
  count(name: string) {
    return this.spawns.filter((n) => n === name).length;
  }
}

export class MemoryStore implements StateStore {
  records = new Map<string, PersistedService>();
  load(name: string) {
    return this.records.get(name);
  }
  save(name: string, r: PersistedService) {
    this.records.set(name, { ...r });
  }
  remove(name: string) {
    this.records.delete(name);
  }
}

export const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};
