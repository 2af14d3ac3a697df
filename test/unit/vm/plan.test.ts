import { describe, expect, it } from 'vitest';
import {
  IFNAME_MAX,
  belongsToLab,
  bridgeName,
  hostAddress,
  hostMac,
  inNetwork,
  labNetns,
  partitionCommand,
  partitionRuleset,
  planLab,
  randomLabId,
  tapCommands,
  tapName,
  teardownCommands,
  vethName,
  vmMac,
  type Cmd,
} from '../../../builder/vm/plan.js';

const line = (c: Cmd) => [c.cmd, ...c.args].join(' ');

const spec = {
  segments: [{ name: 'lan' }, { name: 'internal' }, { name: 'sync', cidr: null }],
  hosts: [
    { name: 'client', nics: [{ segment: 'lan' }] },
    { name: 'web1', nics: [{ segment: 'internal' }] },
    { name: 'web2', nics: [{ segment: 'internal', address: '198.51.100.100' }] },
    { name: 'web3', nics: [{ segment: 'internal' }], gateway: '198.51.100.1' },
  ],
};

describe('names', () => {
  it('prefixes everything with pillars- and the lab id, within the 15-byte interface limit', () => {
    expect(labNetns('ab12')).toBe('pillars-lab-ab12');
    for (const n of [bridgeName('ab12', 0), tapName('ab12', 35), vethName('zzzz', 10)]) {
      expect(n.startsWith('pillars-')).toBe(true);
      expect(n.length).toBeLessThanOrEqual(IFNAME_MAX);
    }
    expect(tapName('ab12', 10)).toBe('pillars-ab12-ta');
    expect(() => tapName('ab12', 36)).toThrow(/at most 36/);
    expect(() => bridgeName('AB12', 0)).toThrow(/lab id/);
  });

  it('random ids are 4 characters [0-9a-z]', () => {
    const ids = new Set(Array.from({ length: 50 }, () => randomLabId()));
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{4}$/);
    expect(ids.size).toBeGreaterThan(40);
    expect(randomLabId(() => 0)).toBe('0000');
    expect(randomLabId(() => 0.9999)).toBe('zzzz');
  });

  it('recognizes what belongs to a lab and nothing else', () => {
    expect(belongsToLab('pillars-lab-ab12', 'ab12')).toBe(true);
    expect(belongsToLab('pillars-lab-ab12-client', 'ab12')).toBe(true);
    expect(belongsToLab('pillars-ab12-t0', 'ab12')).toBe(true);
    expect(belongsToLab('pillars-lab-ab123', 'ab12')).toBe(false);
    expect(belongsToLab('pillars-lab-cd34', 'ab12')).toBe(false);
    expect(belongsToLab('eth0', 'ab12')).toBe(false);
  });

  it('fixed MACs: VMs 52:54:00:00:<vm>:<nic>, hosts locally administered', () => {
    expect(vmMac(0, 0)).toBe('52:54:00:00:00:00');
    expect(vmMac(1, 2)).toBe('52:54:00:00:01:02');
    expect(hostMac(3, 0)).toBe('02:00:00:00:03:00');
    expect(() => vmMac(256, 0)).toThrow();
  });
});

describe('addresses', () => {
  it('host numbers within the network, never network or broadcast', () => {
    expect(hostAddress('192.0.2.0/24', 100)).toBe('192.0.2.100');
    expect(hostAddress('10.1.0.0/16', 300)).toBe('10.1.1.44');
    expect(() => hostAddress('192.0.2.0/24', 0)).toThrow();
    expect(() => hostAddress('192.0.2.0/24', 255)).toThrow();
    expect(() => hostAddress('192.0.2.1/24', 5)).toThrow(/host bits/);
    expect(inNetwork('198.51.100.7', '198.51.100.0/24')).toBe(true);
    expect(inNetwork('192.0.2.7', '198.51.100.0/24')).toBe(false);
  });

  it('allocates from .100 per segment, stepping around explicit addresses', () => {
    const p = planLab(spec, 'ab12');
    expect(p.segments.map((s) => [s.name, s.bridge, s.cidr])).toEqual([
      ['lan', 'pillars-ab12-b0', '192.0.2.0/24'],
      ['internal', 'pillars-ab12-b1', '198.51.100.0/24'],
      ['sync', 'pillars-ab12-b2', null],
    ]);
    const addr = Object.fromEntries(p.hosts.map((h) => [h.name, h.nics[0]!.address]));
    expect(addr).toEqual({
      client: '192.0.2.100',
      web1: '198.51.100.101',
      web2: '198.51.100.100',
      web3: '198.51.100.102',
    });
    expect(p.hosts.map((h) => h.netns)).toEqual([
      'pillars-lab-ab12-client',
      'pillars-lab-ab12-web1',
      'pillars-lab-ab12-web2',
      'pillars-lab-ab12-web3',
    ]);
    expect(p.hosts.flatMap((h) => h.nics.map((n) => n.labIf))).toEqual([
      'pillars-ab12-v0',
      'pillars-ab12-v1',
      'pillars-ab12-v2',
      'pillars-ab12-v3',
    ]);
  });

  it.each([
    [{ segments: [] }, /at least one segment/],
    [{ segments: [{ name: 'lan' }, { name: 'lan' }] }, /twice/],
    [{ segments: [{ name: 'Lan' }] }, /segment name/],
    [{ segments: [{ name: 'lan' }], hosts: [{ name: 'c', nics: [{ segment: 'dmz' }] }] }, /no segment named dmz/],
    [
      { segments: [{ name: 'lan' }], hosts: [{ name: 'c', nics: [{ segment: 'lan', address: '10.0.0.1' }] }] },
      /not in lan/,
    ],
    [{ segments: [{ name: 'lan' }], hosts: [{ name: 'c', nics: [] }] }, /no NIC/],
    [
      { segments: [{ name: 'lan' }], hosts: [{ name: 'c', nics: [{ segment: 'lan' }], gateway: '10.0.0.1' }] },
      /gateway/,
    ],
    [
      {
        segments: [{ name: 'lan' }],
        hosts: [
          { name: 'c', nics: [{ segment: 'lan' }] },
          { name: 'c', nics: [{ segment: 'lan' }] },
        ],
      },
      /twice/,
    ],
    [{ segments: [{ name: 'x', cidr: '10.0.0.0/31' }] }, /prefix/],
  ])('rejects %j', (bad, re) => {
    expect(() => planLab(bad, 'ab12')).toThrow(re);
  });
});

describe('commands', () => {
  const p = planLab(spec, 'ab12');
  const setup = p.setup.map(line);

  it('creates the lab namespace first, bridges without STP or delay, then hosts on veths', () => {
    expect(setup[0]).toBe('ip netns add pillars-lab-ab12');
    expect(setup).toContain(
      'ip -n pillars-lab-ab12 link add name pillars-ab12-b0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0',
    );
    expect(setup).toContain('ip netns add pillars-lab-ab12-client');
    expect(setup).toContain(
      'ip -n pillars-lab-ab12 link add pillars-ab12-v0 type veth peer name eth0 address 02:00:00:00:00:00 netns pillars-lab-ab12-client',
    );
    expect(setup).toContain('ip -n pillars-lab-ab12 link set pillars-ab12-v0 master pillars-ab12-b0 up');
    expect(setup).toContain('ip -n pillars-lab-ab12-client addr add 192.0.2.100/24 dev eth0');
    expect(setup).toContain('ip -n pillars-lab-ab12-web3 route add default via 198.51.100.1');
    // Each namespace exists before anything refers to it.
    expect(setup.indexOf('ip netns add pillars-lab-ab12-web1')).toBeLessThan(
      setup.findIndex((l) => l.includes('netns pillars-lab-ab12-web1')),
    );
  });

  it('never touches the caller namespace: every link command names a lab namespace', () => {
    for (const c of p.setup) {
      if (c.args[0] === 'netns') continue;
      expect(c.args.slice(0, 2)).toEqual(['-n', expect.stringMatching(/^pillars-lab-ab12(-|$)/)]);
    }
  });

  it('taps are created in the lab namespace and enslaved to their segment bridge', () => {
    const cmds = tapCommands(p, [
      { tap: 'pillars-ab12-t0', segment: 'lan' },
      { tap: 'pillars-ab12-t1', segment: 'sync' },
    ]).map(line);
    expect(cmds).toEqual([
      'ip -n pillars-lab-ab12 tuntap add dev pillars-ab12-t0 mode tap',
      'ip -n pillars-lab-ab12 link set pillars-ab12-t0 master pillars-ab12-b0 up',
      'ip -n pillars-lab-ab12 tuntap add dev pillars-ab12-t1 mode tap',
      'ip -n pillars-lab-ab12 link set pillars-ab12-t1 master pillars-ab12-b2 up',
    ]);
    expect(() => tapCommands(p, [{ tap: 'x', segment: 'dmz' }])).toThrow(/no segment named dmz/);
  });

  it('teardown deletes host namespaces, then the lab namespace', () => {
    expect(teardownCommands(p).map(line)).toEqual([
      'ip netns delete pillars-lab-ab12-client',
      'ip netns delete pillars-lab-ab12-web1',
      'ip netns delete pillars-lab-ab12-web2',
      'ip netns delete pillars-lab-ab12-web3',
      'ip netns delete pillars-lab-ab12',
    ]);
  });

  it('partition: one atomic bridge-family table, both directions dropped; empty heals', () => {
    const rules = partitionRuleset('ab12', [['pillars-ab12-t0', 'pillars-ab12-t2']]);
    expect(rules).toContain('table bridge pillars_ab12\ndelete table bridge pillars_ab12\n');
    expect(rules).toContain('type filter hook forward priority 0; policy accept;');
    expect(rules).toContain('iifname "pillars-ab12-t0" oifname "pillars-ab12-t2" drop');
    expect(rules).toContain('iifname "pillars-ab12-t2" oifname "pillars-ab12-t0" drop');
    expect(partitionRuleset('ab12', [])).not.toContain('drop');
    const c = partitionCommand(p, []);
    expect(line(c)).toBe('ip netns exec pillars-lab-ab12 nft -f -');
    expect(c.input).toContain('pillars_ab12');
  });
});
