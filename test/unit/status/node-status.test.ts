import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../overlay/config/index.js';
import { peerChannelPlan } from '../../../overlay/status/cluster-config.js';
import { formatCluster } from '../../../overlay/status/cluster-text.js';
import { parseNftCounters } from '../../../overlay/status/firewall-counters.js';
import { createNodeStatus, type NodeStatusReaders } from '../../../overlay/status/node-status.js';
import type { PeerResult } from '../../../overlay/status/peer.js';
import { labConfig } from '../../../builder/drill/lab-config.js';
import { buildPool } from '../../../overlay/pillarsctl/ipvs.js';
import { directorSnapshot, LIST, STATS, statusJson, T0 } from './fixtures.js';

function fakeNode(peerAnswers: PeerResult[]) {
  let now = T0;
  const asked: string[] = [];
  const readers: NodeStatusReaders = {
    pool: async () => ({ pool: buildPool(LIST, STATS) }),
    firewall: async () => undefined,
    conntrack: async () => ({ entries: 3, limit: 100 }),
    conntrackdSync: async () => undefined,
    ipvsSync: async () => ({ daemons: [], connections: { entries: 0, synced: 0 } }),
    fetchPeer: async (p) => {
      asked.push(p.host);
      return peerAnswers.shift() ?? { ok: false, error: 'connect ECONNREFUSED' };
    },
  };
  const ns = createNodeStatus({
    status: () => ({ ...statusJson('lb1'), at: now }),
    bootToReady: () => 21.5,
    readers,
    now: () => now,
  });
  return { ns, asked, tick: (ms: number) => (now += ms) };
}

describe('node status', () => {
  it('role state annotations become the timeline; priorities and repeats do not', async () => {
    const { ns, tick } = fakeNode([]);
    ns.onSupervisorEvent({ type: 'info', key: 'vrrp.VI_LAN', value: 'BACKUP', at: T0 });
    ns.onSupervisorEvent({ type: 'info', key: 'vrrp.VI_LAN.priority', value: 150, at: T0 });
    ns.onSupervisorEvent({ type: 'info', key: 'vrrp.VI_LAN', value: 'BACKUP', at: T0 + 1 });
    ns.onSupervisorEvent({ type: 'info', key: 'lvs.192.0.2.10:80/tcp', value: 'UP', at: T0 + 1 });
    ns.onSupervisorEvent({ type: 'info', key: 'carp.lan/51', value: 'BACKUP', at: T0 + 1000 });
    ns.onSupervisorEvent({ type: 'info', key: 'carp.lan/51', value: 'MASTER', at: T0 + 4000 });
    ns.onSupervisorEvent({ type: 'info', key: 'vrrp.VI_LAN', value: 'MASTER', at: T0 + 60_000 });
    tick(62_000);
    ns.markManual('poweroff (pillarsctl)');
    ns.onSupervisorEvent({ type: 'info', key: 'vrrp.VI_LAN', value: 'BACKUP', at: T0 + 63_000 });
    const s = await ns.snapshot();
    expect(s.transitions.map((t) => [t.kind, t.name, t.from, t.to, t.cause])).toEqual([
      ['vrrp', 'VI_LAN', undefined, 'BACKUP', 'boot (first state)'],
      ['carp', 'lan/51', undefined, 'BACKUP', 'boot (first state)'],
      ['carp', 'lan/51', 'BACKUP', 'MASTER', 'election at start: no master with a higher priority heard'],
      ['vrrp', 'VI_LAN', 'BACKUP', 'MASTER', 'peer silent: no adverts from the master (peer dead or link down)'],
      ['vrrp', 'VI_LAN', 'MASTER', 'BACKUP', 'manual: poweroff (pillarsctl)'],
    ]);
    expect(s.instances.find((i) => i.name === 'VI_LAN')).toMatchObject({
      transitions: 2,
      becameMaster: 1,
      releasedMaster: 1,
    });
    expect(s.bootToReadySeconds).toBe(21.5);
    expect(s.pool?.[0]?.address).toBe('192.0.2.10:80');
    expect(s.conntrack).toBeUndefined(); // neither firewall nor statesync runs
  });

  it('a takeover is put down to a dead peer when the peer channel does not answer either', async () => {
    const { ns } = fakeNode([{ ok: false, error: 'connect EHOSTUNREACH' }]);
    ns.setPeer({ name: 'lb2', endpoint: { host: '203.0.113.3', port: 7411, key: 'k'.repeat(16) } });
    ns.onSupervisorEvent({ type: 'info', key: 'vrrp.VI_LAN', value: 'BACKUP', at: T0 });
    ns.onSupervisorEvent({ type: 'info', key: 'vrrp.VI_LAN', value: 'MASTER', at: T0 + 40_000 });
    await new Promise((r) => setTimeout(r, 10));
    expect(ns.timeline.transitions()[1]?.cause).toBe(
      'peer dead: no adverts from lb2, and its peer channel does not answer (connect EHOSTUNREACH)',
    );
  });

  it('asks the peer at most once per cache period and keeps its last view when it stops answering', async () => {
    const { ns, asked, tick } = fakeNode([{ ok: true, snapshot: directorSnapshot('lb2') }]);
    ns.setPeer({ name: 'lb2', endpoint: { host: '203.0.113.3', port: 7411, key: 'k'.repeat(16) } });
    const a = await ns.cluster();
    expect(a.peer).toMatchObject({ name: 'lb2', lastSeen: T0 });
    await ns.cluster();
    expect(asked).toEqual(['203.0.113.3']);
    tick(5000);
    const b = await ns.cluster();
    expect(b.peer?.error).toBe('connect ECONNREFUSED');
    expect(b.peer?.snapshot?.node).toBe('lb2');
    expect(b.peer?.lastSeen).toBe(T0);
    const text = formatCluster(b).join('\n');
    expect(text).toMatch(/reachable\s+yes\s+NO: connect ECONNREFUSED \(last seen 5s ago\)/);
    expect(text).toMatch(/vrrp VI_LAN\s+MASTER for 0s\s+MASTER for 1m00s/);
    expect(text).toMatch(/lb2 {3}vrrp VI_LAN\s+BACKUP -> MASTER {3}election at start/);
  });

  it('asks for the sync counts only where their daemons run, and shows them side by side', async () => {
    const asked: string[] = [];
    const sync = {
      link: { kind: 'multicast', device: 'sync' },
      sent: 28,
      received: 12,
      sentBytes: 1948,
      receivedBytes: 200,
      sendErrors: 0,
      receiveErrors: 0,
      malformed: 0,
      errors: 0,
      lost: 5,
    };
    const readers: NodeStatusReaders = {
      pool: async () => ({ pool: [] }),
      firewall: async () => [],
      conntrack: async () => ({ entries: 14, limit: 262144 }),
      conntrackdSync: async () => (asked.push('conntrackd'), sync),
      ipvsSync: async () => (asked.push('ipvs'), { daemons: [], connections: { entries: 0, synced: 0 } }),
      fetchPeer: async () => ({ ok: false, error: 'x' }),
    };
    let conntrackd = 'backoff';
    const fw = createNodeStatus({
      status: () => {
        const st = statusJson('fw1');
        st.config!.roles = ['network', 'firewall', 'statesync', 'vrrp'];
        st.services = [{ name: 'conntrackd', state: conntrackd, since: T0, restarts: 1 }];
        return st;
      },
      bootToReady: () => undefined,
      readers,
    });
    // conntrackd restarting: the table, no counters
    expect((await fw.snapshot()).conntrack).toEqual({ entries: 14, limit: 262144 });
    conntrackd = 'ready';
    const s = await fw.snapshot();
    expect(s.conntrack).toEqual({ entries: 14, limit: 262144, sync });
    expect(s.ipvsSync).toBeUndefined();
    expect(asked).toEqual(['conntrackd']);
    const text = formatCluster({ at: s.at, local: s, peer: { name: 'fw2', snapshot: { ...s, node: 'fw2' } } });
    expect(text).toContainEqual(expect.stringMatching(/^conntrack\s+14 of 262144 entries\s+14 of 262144 entries$/));
    expect(text).toContainEqual(
      expect.stringMatching(
        /^conntrackd sync\s+sent 28, received 12, 0 errors, 5 lost\s+sent 28, received 12, 0 errors, 5 lost$/,
      ),
    );
    expect(text.some((l) => l.startsWith('ipvs sync'))).toBe(false);

    const lb = await fakeNode([]).ns.snapshot();
    expect(lb.ipvsSync).toEqual({ daemons: [], connections: { entries: 0, synced: 0 } });
    const a = directorSnapshot('lb1');
    const b = directorSnapshot('lb2');
    expect(formatCluster({ at: a.at, local: a, peer: { name: 'lb2', snapshot: b } })).toContainEqual(
      expect.stringMatching(/^ipvs sync\s+master\+backup; 16 conns, 0 synced\s+master\+backup; 16 conns, 16 synced$/),
    );
  });
});

/** The lab config with its admin.cluster line replaced. */
const withCluster = (line: string) => labConfig({ profile: 'director' }).replace(/^ {2}cluster: .*\n/m, line);

describe('peer channel plan from the config', () => {
  const cfg = (extra: string) => {
    const r = loadConfig(withCluster(extra), 'pillars.yaml');
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
    return r.config;
  };

  it("listens on this node's sync address only and asks the other node there", () => {
    const c = cfg('  cluster: { interface: sync, key: "0123456789abcdef" }\n');
    expect(peerChannelPlan(c, 'node1')).toEqual({
      listen: { host: '203.0.113.2', port: 7411 },
      key: '0123456789abcdef',
      peer: { name: 'node2', endpoint: { host: '203.0.113.3', port: 7411, key: '0123456789abcdef' } },
    });
    expect(peerChannelPlan(c, 'node2')?.peer?.endpoint.host).toBe('203.0.113.2');
  });

  it('refuses a short key and an interface a node has no address on', () => {
    const short = loadConfig(withCluster('  cluster: { interface: sync, key: "short" }\n'), 'pillars.yaml');
    expect(short.ok).toBe(false);
    if (!short.ok)
      expect(short.issues.map((i) => `${i.path}: ${i.message}`).join('\n')).toMatch(
        /admin.cluster.key: must be at least 16 characters/,
      );
    const bad = loadConfig(withCluster('  cluster: { interface: wan, key: "0123456789abcdef" }\n'), 'pillars.yaml');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => `${i.path}: ${i.message}`).join('\n')).toMatch(/unknown interface "wan"/);
  });
});

describe('firewall counters from nft --json', () => {
  it('takes every rule with a counter, named by its comment', () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.1.3' } },
        { table: { family: 'inet', name: 'pillars' } },
        {
          rule: {
            family: 'inet',
            table: 'pillars',
            chain: 'input',
            handle: 7,
            comment: 'ssh from admin',
            expr: [{ match: {} }, { counter: { packets: 12, bytes: 720 } }, { accept: null }],
          },
        },
        {
          rule: {
            family: 'inet',
            table: 'pillars',
            chain: 'forward',
            handle: 9,
            expr: [{ counter: { packets: 1, bytes: 60 } }, { drop: null }],
          },
        },
        { rule: { family: 'inet', table: 'pillars', chain: 'forward', handle: 10, expr: [{ accept: null }] } },
      ],
    });
    expect(parseNftCounters(json)).toEqual([
      { table: 'inet pillars', chain: 'input', rule: 'ssh from admin', packets: 12, bytes: 720 },
      { table: 'inet pillars', chain: 'forward', rule: 'handle 9', packets: 1, bytes: 60 },
    ]);
    expect(parseNftCounters('not json')).toEqual([]);
  });
});
