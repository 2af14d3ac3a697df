import { beforeEach, describe, expect, it } from 'vitest';
import { defineService, type ServiceSpec } from '../../../overlay/service/index.js';
import {
  createSupervisor,
  dependencyLevels,
  dependencyOrder,
  type ReadinessApi,
  type Supervisor,
  type SupervisorEvent,
} from '../../../overlay/supervisor/supervisor.js';
import { FakeClock, FakeProcesses, MemoryStore, flush } from './fakes.js';

const net = defineService({ name: 'net', type: 'oneshot', command: ['net-apply'] });
const firewall = defineService({ name: 'firewall', type: 'oneshot', command: ['nft', '-f', 'x'], dependsOn: ['net'] });
const keepalived = defineService({
  name: 'keepalived',
  command: ['keepalived', '-n'],
  dependsOn: ['firewall'],
  readiness: { kind: 'probe', timeoutMs: 5000 },
  killGraceMs: 2000,
});
const director = defineService({
  name: 'director',
  command: ['director'],
  dependsOn: ['keepalived'],
  killGraceMs: 1000,
});
const ssh = defineService({ name: 'ssh', command: ['dropbear', '-F'], dependsOn: ['net'] });
const SPECS: ServiceSpec[] = [director, keepalived, firewall, net, ssh];
/** The director on its own, for tests about one service. */
const solo = defineService({ ...director, dependsOn: [] });

class FakeReadiness implements ReadinessApi {
  watching = new Map<string, () => void>();
  cancelled: string[] = [];
  watch(spec: ServiceSpec, _pid: number, onReady: () => void) {
    this.watching.set(spec.name, onReady);
    return () => {
      this.cancelled.push(spec.name);
      this.watching.delete(spec.name);
    };
  }
  pass(name: string) {
    this.watching.get(name)!();
  }
}

let clock: FakeClock;
let procs: FakeProcesses;
let readiness: FakeReadiness;
let store: MemoryStore;
let events: SupervisorEvent[];
let sup: Supervisor;

function make(specs = SPECS) {
  sup = createSupervisor(specs, { clock, processes: procs, readiness, store, logLines: 50 });
  sup.subscribe((e) => events.push(e));
  return sup;
}
const state = (name: string) => sup.status().services.find((s) => s.name === name)!;
const bringUp = () => {
  sup.start();
  procs.exit(procs.live('net')!.pid, 0);
  procs.exit(procs.live('firewall')!.pid, 0);
  readiness.pass('keepalived');
};

beforeEach(() => {
  clock = new FakeClock();
  clock.t = 1_000_000;
  procs = new FakeProcesses();
  readiness = new FakeReadiness();
  store = new MemoryStore();
  events = [];
});

describe('dependency graph', () => {
  it('orders dependencies first', () => {
    expect(dependencyOrder(SPECS)).toEqual(['net', 'firewall', 'keepalived', 'director', 'ssh']);
    expect(Object.fromEntries(dependencyLevels(SPECS))).toEqual({
      net: 0,
      firewall: 1,
      keepalived: 2,
      director: 3,
      ssh: 1,
    });
  });
  it.each([
    [[defineService({ name: 'a', command: ['a'], dependsOn: ['nope'] })], 'service a depends on unknown service nope'],
    [
      [
        defineService({ name: 'a', command: ['a'], dependsOn: ['b'] }),
        defineService({ name: 'b', command: ['b'], dependsOn: ['a'] }),
      ],
      'dependency cycle: a → b → a',
    ],
    [
      [defineService({ name: 'a', command: ['a'] }), defineService({ name: 'a', command: ['a'] })],
      'service a is defined twice',
    ],
  ])('rejects a bad graph (%#)', (specs, msg) => {
    expect(() => dependencyOrder(specs)).toThrow(msg);
  });
});

describe('supervisor', () => {
  it('starts services in dependency order, gated on readiness', () => {
    make();
    sup.start();
    expect(procs.spawns).toEqual(['net']);
    expect(state('firewall').state).toBe('waiting-deps');
    expect(state('firewall').waitingFor).toEqual(['net']);
    expect(state('director').reason).toBe('waiting for keepalived (waiting-deps)');

    procs.exit(procs.live('net')!.pid, 0);
    expect(procs.spawns).toEqual(['net', 'firewall', 'ssh']);
    procs.exit(procs.live('firewall')!.pid, 0);
    expect(procs.spawns.at(-1)).toBe('keepalived');
    expect(state('keepalived').state).toBe('started');
    expect(state('keepalived').readiness).toEqual({ kind: 'probe', ready: false });
    expect(procs.count('director')).toBe(0);

    readiness.pass('keepalived');
    expect(state('keepalived').state).toBe('ready');
    expect(procs.spawns.at(-1)).toBe('director');
    expect(state('director').state).toBe('ready');
  });

  it("a crashed service's afterCrash runs before it is respawned, a clean stop runs none", () => {
    const vip = defineService({ name: 'vip', command: ['keepalived'], afterCrash: ['/bin/sh', 'release.sh'] });
    make([vip]);
    sup.start();
    const first = procs.live('vip')!.pid;
    clock.advance(20_000);
    const order: string[] = [];
    const spawn = procs.spawn.bind(procs);
    procs.spawn = (spec, io) => (order.push('spawn'), spawn(spec, io));
    const release = procs.runToEnd.bind(procs);
    procs.runToEnd = (argv) => (order.push('release'), release(argv));
    procs.exit(first, null, 'SIGKILL');
    clock.advance(0);
    expect(order).toEqual(['release', 'spawn']);
    expect(procs.ranToEnd).toEqual([['/bin/sh', 'release.sh']]);
    expect(sup.logs('vip').some((l) => /released what it held/.test(l.text))).toBe(true);
    sup.stop('vip');
    clock.advance(10_000);
    expect(state('vip').state).toBe('down');
    expect(procs.ranToEnd).toHaveLength(1);
  });

  it('start(names) pulls in only what those need', () => {
    make();
    sup.start(['ssh']);
    procs.exit(procs.live('net')!.pid, 0);
    expect(procs.spawns).toEqual(['net', 'ssh']);
    expect(state('keepalived').state).toBe('down');
  });

  it('a dependency that fails for good leaves dependents waiting, with the reason', () => {
    make();
    sup.start();
    procs.exit(procs.live('net')!.pid, 0);
    procs.exit(procs.live('firewall')!.pid, 125);
    expect(state('firewall').state).toBe('failed');
    const k = state('keepalived');
    expect(k.state).toBe('waiting-deps');
    expect(k.waitingFor).toEqual(['firewall']);
    expect(k.reason).toBe('waiting for firewall (failed: exit 125: permanent failure, not restarting)');
    clock.advance(60_000);
    expect(procs.count('firewall')).toBe(1);
    expect(procs.count('keepalived')).toBe(0);
    expect(state('ssh').state).toBe('ready'); // unrelated branch unaffected
  });

  describe('handing services over to the next supervisor (a reload)', () => {
    it('a handed-over daemon runs on under the next supervisor: same pid, restarts, facts; its exit is heard', async () => {
      make();
      bringUp();
      const pid = state('keepalived').pid!;
      procs.exit(procs.live('director')!.pid, null, 'SIGKILL');
      clock.advance(0);
      sup.annotate('keepalived', 'vrrp.VI_1', 'MASTER');
      const old = sup;
      const handed = ['net', 'keepalived', 'director'].map((n) => old.handOver(n)!);
      expect(handed.map((h) => [h.name, h.done, h.ready])).toEqual([
        ['net', true, false],
        ['keepalived', false, true],
        ['director', false, true],
      ]);
      expect(old.handOver('firewall')).toMatchObject({ done: true });
      await old.shutdown();
      old.close();
      // The handed-over processes were not signalled; the rest of the old config was stopped.
      expect(procs.live('keepalived')!.pid).toBe(pid);
      expect(procs.kills.map((k) => k.pid)).not.toContain(pid);
      expect(procs.live('ssh')).toBeUndefined();
      const spawned = procs.spawns.length;
      // The reload forgot the state file's records (oneshots run again unless handed over).
      sup = createSupervisor(SPECS, { clock, processes: procs, readiness, store: new MemoryStore(), inherit: handed });
      sup.start();
      // firewall was handed over but not passed on: it runs again; ssh starts anew.
      expect(procs.spawns.slice(spawned).sort()).toEqual(['firewall', 'ssh']);
      procs.exit(procs.live('firewall')!.pid, 0);
      expect(state('keepalived')).toMatchObject({ state: 'ready', pid, adopted: false });
      expect(state('keepalived').info['vrrp.VI_1']?.value).toBe('MASTER');
      expect(state('director').restarts).toBe(1);
      expect(state('net').state).toBe('done');
      expect(sup.logs('keepalived').map((l) => l.text)).toContain(
        'kept running from the previous config (pid ' + pid + ')',
      );
      // The new supervisor hears the kept daemon's crash (one process API, several listeners).
      procs.exit(pid, null, 'SIGKILL');
      expect(state('keepalived').state).toBe('backoff');
      expect(procs.ranToEnd).toEqual([]);
    });

    it('only a service that is up is handed over; one that died meanwhile is started afresh', () => {
      make();
      sup.start();
      expect(sup.handOver('keepalived')).toBeUndefined(); // waiting for its dependencies
      procs.exit(procs.live('net')!.pid, 0);
      procs.exit(procs.live('firewall')!.pid, 0);
      readiness.pass('keepalived');
      const h = sup.handOver('keepalived')!;
      procs.exit(h.pid!, 1);
      const spawned = procs.spawns.length;
      sup = createSupervisor([defineService({ ...keepalived, dependsOn: [] })], {
        clock,
        processes: procs,
        inherit: [h],
      });
      sup.start();
      expect(procs.spawns.slice(spawned)).toEqual(['keepalived']);
      expect(sup.logs('keepalived').at(-1)?.text).toMatch(/is gone; starting afresh/);
    });

    it('signal() reaches the group leader only; close() stops hearing exits', () => {
      make([solo]);
      sup.start();
      const pid = state('director').pid!;
      expect(sup.signal('director', 'SIGHUP')).toBe(true);
      expect(procs.leaderSignals).toEqual([{ pid, signal: 'SIGHUP' }]);
      expect(procs.kills).toEqual([]);
      sup.close();
      procs.exit(pid, 1);
      expect(state('director').state).toBe('ready');
    });
  });

  it('kill -9 of a ready service → restarted at once and counted', () => {
    make();
    bringUp();
    const old = procs.live('director')!;
    procs.exit(old.pid, null, 'SIGKILL');
    expect(state('director').state).toBe('backoff');
    clock.advance(0);
    const s = state('director');
    expect(s.state).toBe('ready');
    expect(s.pid).not.toBe(old.pid);
    expect(s.restarts).toBe(1);
    expect(s.lastExit).toEqual({ code: null, signal: 'SIGKILL', at: clock.t });
  });

  it('a crash loop respawns ≥ 1 s apart with exponential backoff', () => {
    const crashy = defineService({ name: 'crashy', command: ['c'], readiness: { kind: 'probe', timeoutMs: 60_000 } });
    make([crashy]);
    sup.start();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      times.push(clock.t);
      procs.exit(procs.live('crashy')!.pid, 1);
      clock.advance(state('crashy').nextStartAt! - clock.t);
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps).toEqual([1000, 2000, 4000, 8000]);
    expect(state('crashy').restarts).toBe(5);
  });

  it('failures reset after the service stayed ready', () => {
    make([solo]);
    sup.start();
    procs.exit(procs.live('director')!.pid, 1); // failure 1 (was ready → immediate)
    clock.advance(0);
    procs.exit(procs.live('director')!.pid, 1); // failure 2 → 2 s
    expect(state('director').nextStartAt! - clock.t).toBe(2000);
    clock.advance(2000);
    clock.advance(10_000); // stable
    expect(state('director').failures).toBe(0);
    procs.exit(procs.live('director')!.pid, 1);
    expect(state('director').nextStartAt! - clock.t).toBe(0);
  });

  it('readiness timeout kills the group and retries', () => {
    make();
    sup.start();
    procs.exit(procs.live('net')!.pid, 0);
    procs.exit(procs.live('firewall')!.pid, 0);
    const k = procs.live('keepalived')!;
    clock.advance(5000);
    expect(procs.kills).toContainEqual({ pid: k.pid, signal: 'SIGTERM' });
    expect(state('keepalived').state).toBe('backoff');
    expect(state('keepalived').reason).toBe('not ready within 5.0s; restarting in 1.0s');
    expect(readiness.cancelled).toContain('keepalived');
    clock.advance(1000);
    expect(procs.count('keepalived')).toBe(2);
  });

  it('spawn failure is reported and retried', () => {
    procs.failSpawn.add('director');
    make([solo]);
    sup.start();
    expect(state('director').state).toBe('backoff');
    expect(state('director').reason).toBe('cannot start: spawn director ENOENT; restarting in 1.0s');
    procs.failSpawn.clear();
    clock.advance(1000);
    expect(state('director').state).toBe('ready');
  });

  it('shutdown stops in reverse dependency order, SIGKILL after the grace', async () => {
    make();
    bringUp();
    procs.ignoreTerm.add('keepalived');
    procs.kills = [];
    const done = sup.shutdown();
    let finished = false;
    void done.then(() => (finished = true));
    // director (level 3) first, synchronously; keepalived only once the director is down.
    expect(procs.kills.map((k) => k.signal + ' ' + procs.procs.get(k.pid)!.name)).toEqual(['SIGTERM director']);
    await flush();
    expect(procs.kills.map((k) => k.signal + ' ' + procs.procs.get(k.pid)!.name)).toEqual([
      'SIGTERM director',
      'SIGTERM keepalived',
    ]);
    expect(state('keepalived').state).toBe('stopping');
    clock.advance(1999);
    expect(procs.live('keepalived')).toBeDefined();
    clock.advance(1);
    expect(procs.kills.at(-1)!.signal).toBe('SIGKILL');
    await flush();
    await done;
    expect(finished).toBe(true);
    // ssh (level 1) is stopped after keepalived (level 2), before net (oneshot, nothing to kill).
    const names = procs.kills.map((k) => procs.procs.get(k.pid)!.name);
    expect(names).toEqual(['director', 'keepalived', 'keepalived', 'ssh']);
    expect(sup.status().services.every((s) => s.state === 'down')).toBe(true);
    expect(store.records.size).toBe(0);
  });

  it('shutdown gives up on a process that survives SIGKILL and still stops the rest', async () => {
    make();
    bringUp();
    // keepalived is stuck in the kernel: neither signal makes it exit.
    const k = procs.live('keepalived')!;
    procs.kill = (pgid, signal) => {
      procs.kills.push({ pid: pgid, signal });
      if (pgid !== k.pid) procs.exit(pgid, null, signal);
    };
    const done = sup.shutdown({ afterKillMs: 500 });
    await flush();
    clock.advance(2000); // grace → SIGKILL
    await flush();
    clock.advance(499);
    await flush();
    expect(procs.live('ssh')).toBeDefined();
    clock.advance(1);
    await flush();
    expect(await done).toEqual({ stuck: ['keepalived'] });
    expect(procs.live('ssh')).toBeUndefined();
    expect(sup.logs('keepalived').at(-1)!.text).toBe('still not down 2.5s after stop; leaving it');
  });

  it('annotations (role facts) show in status and as events, only on change', () => {
    make([solo]);
    sup.start();
    sup.annotate('director', 'vrrp.VI_1', 'BACKUP');
    clock.advance(100);
    sup.annotate('director', 'vrrp.VI_1', 'MASTER');
    sup.annotate('director', 'vrrp.VI_1', 'MASTER');
    expect(state('director').info).toEqual({ 'vrrp.VI_1': { value: 'MASTER', since: clock.t } });
    expect(events.filter((e) => e.type === 'info').map((e) => e.type === 'info' && e.value)).toEqual([
      'BACKUP',
      'MASTER',
    ]);
  });

  it('emits state changes with their time', () => {
    make([solo]);
    sup.start();
    clock.advance(500);
    sup.stop('director');
    const states = events
      .filter((e) => e.type === 'state')
      .map((e) => e.type === 'state' && [e.from, e.to, e.at - 1_000_000]);
    expect(states).toEqual([
      ['down', 'waiting-deps', 0],
      ['waiting-deps', 'starting', 0],
      ['starting', 'ready', 0],
      ['ready', 'stopping', 500],
      ['stopping', 'down', 500],
    ]);
  });

  it('a listener that throws does not break supervision', () => {
    make([solo]);
    sup.subscribe(() => {
      throw new Error('listener bug');
    });
    sup.start();
    expect(state('director').state).toBe('ready');
  });

  it('keeps output and its own messages in a per-service ring', () => {
    make([solo]);
    sup.start();
    const p = procs.live('director')!;
    for (let i = 0; i < 60; i++) p.io.output('stdout', `line ${i}`);
    p.io.output('stderr', 'oops');
    procs.exit(p.pid, 3);
    const lines = sup.logs('director');
    expect(lines).toHaveLength(50);
    expect(lines.at(-2)).toEqual({ at: clock.t, stream: 'stderr', text: 'oops' });
    expect(lines.at(-1)).toEqual({ at: clock.t, stream: 'supervisor', text: 'exit 3; restarting in 0.0s' });
    expect(sup.logs('director', 2).map((l) => l.text)).toEqual(['oops', 'exit 3; restarting in 0.0s']);
  });

  it('restart() bounces a service without counting a restart', () => {
    make([solo]);
    sup.start();
    const first = procs.live('director')!.pid;
    sup.restart('director');
    expect(procs.kills).toEqual([{ pid: first, signal: 'SIGTERM' }]);
    expect(state('director').state).toBe('ready');
    expect(state('director').pid).not.toBe(first);
    expect(state('director').restarts).toBe(0);
  });

  it('status snapshot has what pillarsctl status --json needs', () => {
    make();
    bringUp();
    const s = state('keepalived');
    expect(s).toMatchObject({
      name: 'keepalived',
      type: 'longrun',
      state: 'ready',
      pid: expect.any(Number),
      restarts: 0,
      failures: 0,
      readiness: { kind: 'probe', ready: true },
      adopted: false,
      dependsOn: ['firewall'],
      since: clock.t,
    });
    expect(JSON.parse(JSON.stringify(sup.status()))).toEqual(sup.status());
    expect(state('net')).toMatchObject({
      state: 'done',
      lastExit: { code: 0, signal: null },
      readiness: { kind: 'none', ready: true },
    });
  });

  it('unknown service names throw for callers', () => {
    make();
    expect(() => sup.stop('nope')).toThrow('unknown service nope');
    expect(() => sup.logs('nope')).toThrow('unknown service nope');
  });
});

describe('re-adoption after a supervisor restart', () => {
  it('writes a state record while a process runs', () => {
    make();
    bringUp();
    const pid = procs.live('keepalived')!.pid;
    expect(store.records.get('keepalived')).toEqual({
      pid,
      token: `t${pid}`,
      ready: true,
      restarts: 0,
      since: clock.t,
    });
    expect(store.records.get('net')).toEqual({ done: true, restarts: 0, since: clock.t });
  });

  it('adopts live processes and does not re-run finished oneshots', () => {
    make();
    bringUp();
    // The supervisor dies; its children keep running, now reparented (no exit events for us).
    const oldPids = Object.fromEntries(['keepalived', 'director', 'ssh'].map((n) => [n, procs.live(n)!.pid]));
    const survivors = new FakeProcesses();
    survivors.nextPid = 900;
    for (const [name, pid] of Object.entries(oldPids)) survivors.external.set(pid, name);
    procs = survivors;
    readiness = new FakeReadiness();
    make();
    sup.start();
    expect(procs.spawns).toEqual([]);
    for (const [name, pid] of Object.entries(oldPids)) {
      expect(state(name)).toMatchObject({ state: 'ready', pid, adopted: true });
    }
    expect(state('net').state).toBe('done');
    expect(state('firewall').state).toBe('done');

    // An adopted process dies: noticed by polling, restarted, counted.
    survivors.external.delete(oldPids.director!);
    clock.advance(1000);
    expect(state('director')).toMatchObject({ state: 'ready', adopted: false, restarts: 1 });
    expect(procs.spawns).toEqual(['director']);
  });

  it('a stale record (process gone or pid reused) → spawn afresh', () => {
    store.save('director', { pid: 4242, token: 'old', ready: true, restarts: 3, since: 0 });
    procs.external.set(4242, 'something-else'); // pid reused: token differs
    make([solo]);
    sup.start();
    expect(procs.spawns).toEqual(['director']);
    expect(state('director').adopted).toBe(false);
    expect(sup.logs('director')[0]!.text).toBe('process 4242 from the state file is gone; starting afresh');
  });

  it('stopping an adopted process signals its group and notices the exit by polling', () => {
    store.save('director', { pid: 4242, token: 't4242', ready: true, restarts: 0, since: 0 });
    procs.external.set(4242, 'director');
    make([solo]);
    sup.start();
    sup.stop('director');
    expect(procs.kills).toEqual([{ pid: 4242, signal: 'SIGTERM' }]);
    expect(state('director').state).toBe('stopping');
    clock.advance(1000);
    expect(state('director').state).toBe('down');
    expect(store.records.has('director')).toBe(false);
  });
});
