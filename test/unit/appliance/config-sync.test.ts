/**
 * Config sync between two nodes, each with its own in-memory stick (the real store and its
 * history) and the appliance's real save/sync logic, joined by a link that can be cut: save
 * --peer reaches the peer's stick under the same generation; a peer that is down gets the config
 * when it answers again; a conflict overwrites nothing and is reported on both sides; a node never
 * writes over a newer stick; the peer refuses what it could not run.
 */
import { describe, expect, it } from 'vitest';
import { createConfigSync, type PeerLink, type Timers } from '../../../overlay/appliance/config-sync.js';
import type { Stick } from '../../../overlay/appliance/ports.js';
import { createApplianceState, type ApplianceState } from '../../../overlay/appliance/state.js';
import { loadConfig, MemoryStickFs, readCurrent, saveConfig } from '../../../overlay/config/index.js';
import { readLineage, versionSha } from '../../../overlay/config/sync.js';
import { checksumOf, type ConfigOutcome } from '../../../overlay/supervisor/config-source.js';
import { syncLines } from '../../../overlay/supervisor/status-view.js';
import { starter } from './fakes.js';

const KEY = 'pair-cluster-key-0123456789';
const NOW = () => new Date('2026-03-04T05:06:07.000Z');

/** The starter config with the peer channel on lan, and a comment making each text its own. */
const text = (mark: string, mode = 'manual') =>
  `${starter.trimEnd()}\n  cluster: { interface: lan, key: "${KEY}", config_sync: ${mode} }\n# change ${mark}\n`;

function outcome(body: string, nodeName: string, generation = 1): Extract<ConfigOutcome, { ok: true }> {
  const r = loadConfig(body);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return {
    ok: true,
    config: r.config,
    body,
    nodeName,
    node: r.config.nodes[nodeName]!,
    how: `pillars.node=${nodeName}`,
    source: { provider: 'usb-sata', device: '/dev/sda1', generation, checksum: checksumOf(body), handEdited: false },
  };
}

function memoryStick(fs = new MemoryStickFs()): Stick & { fs: MemoryStickFs } {
  return {
    fs,
    mountPoint: '/mnt/stick',
    mounted: () => true,
    load: async () => ({}) as never,
    save: (body, _say, opts = {}) => saveConfig(fs, body, { now: NOW, ...opts }),
    lineage: () => readLineage(fs),
    unmount: async () => undefined,
  };
}

/** Timers the test fires by hand. */
function handTimers() {
  const due: Array<() => void> = [];
  const t: Timers & { fire(): Promise<void>; pending(): number } = {
    set: (fn) => {
      due.push(fn);
      return fn;
    },
    clear: (h) => {
      const i = due.indexOf(h as () => void);
      if (i >= 0) due.splice(i, 1);
    },
    async fire() {
      const fns = due.splice(0);
      for (const f of fns) f();
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    },
    pending: () => due.length,
  };
  return t;
}

interface Node {
  name: string;
  state: ApplianceState;
  lines: string[];
  stick: ReturnType<typeof memoryStick>;
  sync: ReturnType<typeof createConfigSync>;
  timers: ReturnType<typeof handTimers>;
  /** Run `body` as after `pillarsctl reload` (the sync learns the new config). */
  run(body: string): Promise<void>;
}

/** Two nodes whose sticks both hold `first` as generation 1, both running it; the link is up. */
async function pair(first = text('first')) {
  const net = { up: true, yield: false };
  const nodes: Node[] = [];
  const link = (to: () => Node): PeerLink => {
    const hop = async () => {
      if (net.yield) await new Promise((r) => setImmediate(r));
    };
    return {
      state: async () => {
        await hop();
        return net.up
          ? { ok: true, value: await to().sync.configState() }
          : { ok: false, reached: false, error: 'ECONNREFUSED' };
      },
      push: async (_p, push) => {
        await hop();
        if (!net.up) return { ok: false, reached: false, error: 'ECONNREFUSED' };
        return { ok: true, value: await to().sync.receive(JSON.parse(JSON.stringify(push))) };
      },
    };
  };
  for (const [i, name] of ['lb1', 'lb2'].entries()) {
    const lines: string[] = [];
    const state = createApplianceState({ console: (l) => lines.push(l), debug: false });
    const stick = memoryStick();
    await saveConfig(stick.fs, first, { now: NOW });
    const timers = handTimers();
    const sync = createConfigSync(state, {
      stick,
      link: link(() => nodes[1 - i]!),
      macs: () => [],
      image: () => ({ profile: 'director', roles: ['vrrp', 'director'] }),
      nodeOverride: name,
      timers,
    });
    const node: Node = {
      name,
      state,
      lines,
      stick,
      sync,
      timers,
      async run(body) {
        state.running = { outcome: outcome(body, name), plan: {} as never, notes: [] };
        await sync.configured(state.running.outcome);
      },
    };
    nodes.push(node);
    await node.run(first);
  }
  return { n1: nodes[0]!, n2: nodes[1]!, net };
}

const current = async (n: Node) => {
  const c = await readCurrent(n.stick.fs);
  return { generation: c!.gen, body: c!.body };
};

describe('config sync between the sticks of a pair', () => {
  it('save --peer: written here, then on the peer under the same generation; the peer runs the old one until reload', async () => {
    const { n1, n2 } = await pair();
    await n1.run(text('A'));
    const r = await n1.sync.save({ peer: true });
    expect(r).toMatchObject({ sync: 'synced', written: true, generation: 2, peer: 'lb2' });
    expect(r.message).toBe('saved as generation 2; lb2 saved it as generation 2');
    expect(await current(n1)).toEqual({ generation: 2, body: text('A') });
    expect(await current(n2)).toEqual({ generation: 2, body: text('A') });
    expect(n2.lines.join('\n')).toMatch(
      /config sync: lb1 sent generation 2 \(sha256 [0-9a-f]{12}\): saved to the stick as generation 2; this node runs generation 1 until pillarsctl reload/,
    );
    expect(syncLines(n2.state.sync!)[0]).toMatch(/^stick {5}generation 2, sha256 \w+; NOT RUNNING/);
    // again: both sticks hold it, nothing is written
    expect(await n1.sync.save({ peer: true })).toMatchObject({ sync: 'equal', written: false, generation: 2 });
    expect((await readLineage(n1.stick.fs))!.lineage.versions.map((v) => v.generation)).toEqual([1, 2]);
  });

  it('a save on the node whose stick got a newer config from the peer is refused until reload (or --force)', async () => {
    const { n1, n2 } = await pair();
    await n1.run(text('A'));
    await n1.sync.save({ peer: true });
    const r = await n2.sync.save();
    expect(r).toMatchObject({ sync: 'conflict', written: false, generation: 2 });
    expect(r.message).toMatch(/the stick holds generation 2 .*which this node does not run.*pillarsctl reload runs/);
    expect(await current(n2)).toEqual({ generation: 2, body: text('A') });
    await n2.run(text('A'));
    expect(await n2.sync.save()).toMatchObject({ written: true, generation: 3 });
  });

  it('peer not reached: saved here, reported, and sent when the peer answers again', async () => {
    const { n1, n2, net } = await pair();
    net.up = false;
    await n1.run(text('B'));
    const r = await n1.sync.save({ peer: true });
    expect(r).toMatchObject({ sync: 'not-reached', written: true, generation: 2 });
    expect(r.message).toMatch(/lb2 not reached \(ECONNREFUSED\)/);
    expect(n1.state.sync!.retrying).toBe(true);
    expect(syncLines(n1.state.sync!)[1]).toMatch(/NOT SYNCED: .*not reached.*; sent again when it answers$/);
    await n1.timers.fire(); // still down
    expect(await current(n2)).toEqual({ generation: 1, body: text('first') });
    expect(n1.timers.pending()).toBe(1);
    net.up = true;
    await n1.timers.fire();
    expect(await current(n2)).toEqual({ generation: 2, body: text('B') });
    expect(n1.state.sync).toMatchObject({ retrying: false, last: { outcome: 'synced' } });
    expect(n1.timers.pending()).toBe(0);
  });

  it('both changed since the last common generation: a conflict on both consoles and in status, no stick changed', async () => {
    const { n1, n2 } = await pair();
    await n1.run(text('C'));
    await n1.sync.save(); // manual mode: this stick only
    await n2.run(text('D'));
    await n2.sync.save();
    const before = [await current(n1), await current(n2)];
    const r = await n1.sync.save({ peer: true });
    expect(r).toMatchObject({ sync: 'conflict', written: false });
    expect(r.message).toMatch(
      /^CONFLICT: both sticks changed since generation 1 .*: this node generation 2 .*, lb2 generation 2 .*; nothing was overwritten$/,
    );
    expect([await current(n1), await current(n2)]).toEqual(before);
    expect(n1.lines.some((l) => l.startsWith('pillars: CONFIG CONFLICT with lb2:'))).toBe(true);
    expect(
      n2.lines.some((l) =>
        /^pillars: CONFIG CONFLICT with lb1: lb1 sent generation 2 .* nothing was overwritten$/.test(l),
      ),
    ).toBe(true);
    expect(n2.state.sync!.last).toMatchObject({ outcome: 'conflict' });
    expect(syncLines(n2.state.sync!)[1]).toMatch(/^sync {6}with lb1 \(manual\): NOT SYNCED: CONFLICT/);
    // the other way round as well
    expect(await n2.sync.save({ peer: true })).toMatchObject({ sync: 'conflict', written: false });
    // --force on the node whose config wins: a generation above both
    const f = await n1.sync.save({ peer: true, force: true });
    expect(f).toMatchObject({ sync: 'synced', generation: 2 });
    expect(await current(n2)).toEqual({ generation: 3, body: text('C') });
    expect(f.message).toBe('the stick already holds generation 2; lb2 saved it as generation 3');
  });

  it('a newer peer stick is not overwritten', async () => {
    const { n1, n2, net } = await pair();
    net.up = false;
    await n2.run(text('E'));
    await n2.sync.save({ peer: true }); // lb1 not reached
    net.up = true;
    const r = await n1.sync.save({ peer: true });
    expect(r).toMatchObject({ sync: 'newer', written: false, generation: 1 });
    expect(r.message).toMatch(/^lb2's stick holds a newer generation 2 .*nothing was written/);
    expect(await current(n2)).toEqual({ generation: 2, body: text('E') });
    // lb2's retry brings it to lb1
    await n2.timers.fire();
    expect(await current(n1)).toEqual({ generation: 2, body: text('E') });
  });

  it('saving on both nodes at the same moment: no saved config is overwritten by the other', async () => {
    const { n1, n2, net } = await pair();
    net.yield = true;
    await n1.run(text('F'));
    await n2.run(text('G'));
    const [a, b] = await Promise.all([n1.sync.save({ peer: true }), n2.sync.save({ peer: true })]);
    // Who decides first depends on timing: both find a conflict, or one gets through and the
    // other finds the stick changed; never does a written config disappear.
    expect([a.sync, b.sync]).toContain('conflict');
    for (const [n, r, own, other] of [
      [n1, a, text('F'), text('G')],
      [n2, b, text('G'), text('F')],
    ] as const) {
      expect(['synced', 'conflict']).toContain(r.sync);
      const body = (await current(n)).body;
      if (r.written) expect(body).toBe(own);
      else expect([text('first'), other]).toContain(body);
    }
  });

  it('the peer refuses what it could not run, and takes nothing with config_sync off', async () => {
    const { n1, n2 } = await pair();
    const push = (body: string) => {
      const v = { generation: 2, sha256: versionSha(body) };
      const one = { generation: 1, sha256: versionSha(text('first')) };
      return {
        from: 'lb1',
        generation: 2,
        sha256: v.sha256,
        body,
        lineage: { current: v, versions: [one, v] },
        force: false,
      };
    };
    const bad = text('x').replace('vrid: 51', 'vrid: 300');
    expect(await n2.sync.receive(push(bad))).toMatchObject({
      result: 'refused',
      message: expect.stringMatching(/^invalid config \(1 error\): pillars.yaml:\d+:\d+: vrrp.instances\[0\].vrid/),
    });
    const without = text('y').replaceAll('lb2', 'lb3');
    expect(await n2.sync.receive(push(without))).toMatchObject({
      result: 'refused',
      message: expect.stringMatching(/would not find itself/),
    });
    expect(await n2.sync.receive({ ...push(text('z')), from: 'lb9' })).toMatchObject({
      result: 'refused',
      message: "lb9 is not this node's peer (lb1)",
    });
    expect(await n2.sync.receive({ ...push(text('z')), sha256: versionSha('other') })).toMatchObject({
      result: 'refused',
    });
    await n2.run(text('first', 'off'));
    await n1.run(text('w'));
    const r = await n1.sync.save({ peer: true });
    expect(r).toMatchObject({ sync: 'refused', written: true });
    expect(r.message).toMatch(/config sync is off on lb2/);
    expect(await current(n2)).toEqual({ generation: 1, body: text('first') });
  });

  it('a config on probation (reload --confirm) is saved here only: save --peer waits for the confirmation', async () => {
    const { n1, n2 } = await pair(text('first', 'auto'));
    await n1.run(text('P', 'auto'));
    n1.state.confirm = {
      state: 'pending',
      config: '/tmp/p.yaml',
      sha256: versionSha(text('P', 'auto')),
      rollbackTo: 'generation 1',
      rollbackSha256: versionSha(text('first', 'auto')),
      windowSeconds: 300,
      since: 0,
      deadline: 300_000,
    };
    await expect(n1.sync.save({ peer: true })).rejects.toThrow(/on probation .*only once confirmed/);
    expect(await n1.sync.save()).toEqual({
      message: 'saved as generation 2; not sent to lb2 while it is on probation',
      generation: 2,
      written: true,
    });
    expect(await current(n2)).toEqual({ generation: 1, body: text('first', 'auto') });
    n1.state.confirm = undefined;
    expect(await n1.sync.save()).toMatchObject({ sync: 'synced', written: false, generation: 2 });
    expect(await current(n2)).toEqual({ generation: 2, body: text('P', 'auto') });
  });

  it('auto mode: every save goes to the peer, and a stick that got ahead while the peer was down is sent at start', async () => {
    const { n1, n2, net } = await pair(text('first', 'auto'));
    await n1.timers.fire(); // the sync an auto config starts with: both hold generation 1
    expect(n1.state.sync!.last).toMatchObject({ outcome: 'equal' });
    await n1.run(text('H', 'auto'));
    expect(await n1.sync.save()).toMatchObject({ sync: 'synced', generation: 2 });
    expect((await current(n2)).body).toBe(text('H', 'auto'));
    net.up = false;
    await n1.run(text('I', 'auto'));
    await n1.sync.save();
    n1.sync.stop();
    // lb1 "reboots" with lb2 back: its first sync sends generation 3
    net.up = true;
    const again = createConfigSync(n1.state, {
      stick: n1.stick,
      link: {
        state: async () => ({ ok: true, value: await n2.sync.configState() }),
        push: async (_p, p) => ({ ok: true, value: await n2.sync.receive(p) }),
      },
      macs: () => [],
      image: () => ({ profile: 'director', roles: ['vrrp', 'director'] }),
      nodeOverride: 'lb1',
      timers: n1.timers,
    });
    await again.configured(n1.state.running!.outcome);
    await n1.timers.fire();
    expect(await current(n2)).toEqual({ generation: 3, body: text('I', 'auto') });
  });
});
