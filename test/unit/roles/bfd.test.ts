/**
 * vrrp.bfd: the session each node renders (its own address as source, the other's as neighbour),
 * how the priority change becomes keepalived's track_bfd weight, the fail-closed check, and the
 * firewall's BFD ports on the session's interface only.
 */
import { describe, expect, it } from 'vitest';
import { bfdEnds, loadConfig, formatIssues, type PillarsConfig } from '../../../overlay/config/index.js';
import { keepalivedView, renderKeepalivedConf, NO_BFD_MESSAGE } from '../../../overlay/roles/keepalived/index.js';
import { vrrpRole } from '../../../overlay/roles/vrrp/index.js';
import { pairTraffic } from '../../../overlay/roles/firewall/view.js';
import { contextFor } from '../../fixtures/render/cases.js';

function config(bfd: string, extra: { track?: string; group?: boolean; nodes?: 1 | 2 } = {}): PillarsConfig {
  const nodes = extra.nodes ?? 2;
  const text = [
    'version: 1',
    'profile: router',
    'nodes:',
    '  r1:',
    '    interfaces:',
    '      lan: { mac: "52:54:00:00:01:01", addresses: [192.0.2.2/24] }',
    '      sync: { mac: "52:54:00:00:01:02", addresses: [203.0.113.2/24] }',
    ...(nodes === 2
      ? [
          '  r2:',
          '    interfaces:',
          '      lan: { mac: "52:54:00:00:02:01", addresses: [192.0.2.3/24] }',
          '      sync: { mac: "52:54:00:00:02:02", addresses: [203.0.113.3/24] }',
        ]
      : []),
    'vrrp:',
    `  bfd: ${bfd}`,
    '  instances:',
    '    - name: VI_A',
    '      interface: lan',
    '      vrid: 1',
    `      priority: { r1: 150${nodes === 2 ? ', r2: 100' : ''} }`,
    '      vips: [192.0.2.10/24]',
    `      track_bfd: ${extra.track ?? 'true'}`,
    '    - name: VI_B',
    '      interface: lan',
    '      vrid: 2',
    `      priority: { r1: 150${nodes === 2 ? ', r2: 100' : ''} }`,
    '      vips: [192.0.2.11/24]',
    ...(extra.group ? ['  sync_groups:', '    - { name: VG, instances: [VI_A, VI_B], track_bfd: true }'] : []),
    '',
  ].join('\n');
  const r = loadConfig(text, 'pillars.yaml');
  if (!r.ok) throw new Error(formatIssues(r.issues));
  return r.config;
}

describe('the BFD session of the pair', () => {
  it("runs from each node's own address to the other's, with keepalived's defaults", () => {
    const c = config('{ interface: sync }');
    const v1 = keepalivedView(contextFor(c, 'r1')).bfd;
    const v2 = keepalivedView(contextFor(c, 'r2')).bfd;
    expect(v1).toEqual({
      name: 'peer',
      interface: 'sync',
      source: '203.0.113.2',
      neighbor: '203.0.113.3',
      minRx: 50,
      minTx: 50,
      idleTx: 1000,
      multiplier: 5,
      multihop: false,
    });
    expect(v2).toMatchObject({ source: '203.0.113.3', neighbor: '203.0.113.2' });
  });

  it('a positive priority change raises the priority while down (a reversed keepalived weight), a negative one lowers it', () => {
    const up = keepalivedView(contextFor(config('{ interface: sync, priority_change: 20 }'), 'r1'));
    expect(up.instances.find((i) => i.name === 'VI_A')!.trackBfd).toEqual([
      { name: 'peer', weight: -20, reverse: true },
    ]);
    expect(up.instances.find((i) => i.name === 'VI_B')!.trackBfd).toEqual([]);
    const down = renderKeepalivedConf(contextFor(config('{ interface: sync, priority_change: -20 }'), 'r1'));
    expect(down).toContain('  track_bfd {\n    peer weight -20\n  }\n');
    expect(down.indexOf('bfd_instance peer {')).toBeLessThan(down.indexOf('vrrp_instance VI_A'));
  });

  it("a sync group's track_bfd puts it on every member, and keepalived is told to apply the weights", () => {
    const v = keepalivedView(contextFor(config('{ interface: sync }', { track: 'false', group: true }), 'r2'));
    expect(v.instances.map((i) => i.trackBfd.length)).toEqual([1, 1]);
    expect(v.syncGroups[0]!.trackingWeight).toBe(true);
  });

  it('multihop renders keepalived multihop without a hop check, and opens port 4784 too', () => {
    const c = config('{ interface: sync, multihop: true }');
    const conf = renderKeepalivedConf(contextFor(c, 'r1'));
    expect(conf).toContain('  multihop\n  max_hops 255\n');
    expect(pairTraffic(c).find((p) => p.what === 'BFD')).toEqual({
      what: 'BFD',
      interfaces: ['sync'],
      match: 'udp dport { 3784, 3785, 4784 }',
    });
  });

  it("the firewall lets BFD's ports through on the session's interface only", () => {
    const bfd = pairTraffic(config('{ interface: sync }')).filter((p) => p.what === 'BFD');
    expect(bfd).toEqual([{ what: 'BFD', interfaces: ['sync'], match: 'udp dport { 3784, 3785 }' }]);
    const vrrpOnly = config('{ interface: sync }');
    const { bfd: _drop, ...rest } = vrrpOnly.vrrp!;
    expect(pairTraffic({ ...vrrpOnly, vrrp: rest } as PillarsConfig).some((p) => p.what === 'BFD')).toBe(false);
  });

  it('a single node has no peer to run a session with', () => {
    const r = loadConfig(
      [
        'version: 1',
        'profile: router',
        'nodes:',
        '  r1:',
        '    interfaces:',
        '      lan: { mac: "52:54:00:00:01:01", addresses: [192.0.2.2/24] }',
        'vrrp:',
        '  bfd: { interface: lan }',
        '  instances:',
        '    - { name: VI_A, interface: lan, vrid: 1, priority: { r1: 150 }, vips: [192.0.2.10/24], track_bfd: true }',
        '',
      ].join('\n'),
      'pillars.yaml',
    );
    expect(r.ok ? [] : formatIssues(r.issues).split('\n')).toEqual([
      'pillars.yaml:8:3: vrrp.bfd: a BFD session runs between the two nodes of a pair; the config has 1 node',
    ]);
    expect(bfdEnds(config('{ interface: sync }'), 'r1').ok).toBe(true);
  });
});

describe('fail closed: the image must have a keepalived built with BFD', () => {
  it('the vrrp role checks it before keepalived -t, only when the config asks for BFD', () => {
    const checks = vrrpRole.checks(contextFor(config('{ interface: sync }'), 'r1'));
    expect(checks.map((c) => c.what)).toEqual(['keepalived BFD support', 'keepalived.conf']);
    const script = checks[0]!.command.join(' ');
    expect(checks[0]!.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(script).toContain('keepalived --version');
    expect(script).toContain(NO_BFD_MESSAGE);
  });

  it('the check reads the Config options line of keepalived --version for the BFD word', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = vrrpRole.checks(contextFor(config('{ interface: sync }'), 'r1'))[0]!.command[2]!;
    const withVersion = (options: string): { code: number; out: string } => {
      // A stand-in keepalived printing a --version as trixie's 2.3 does, to stderr.
      const fake = `keepalived() { echo "Keepalived v2.3.3 (03/30,2025)" >&2; echo "Config options:  ${options}" >&2; }; `;
      try {
        return { code: 0, out: execFileSync('/bin/sh', ['-c', fake + script], { encoding: 'utf8' }) };
      } catch (e) {
        const err = e as { status: number; stdout: string };
        return { code: err.status, out: err.stdout };
      }
    };
    expect(withVersion('NFTABLES LVS REGEX VRRP VRRP_AUTH VRRP_VMAC JSON BFD OLD_CHKSUM_COMPAT')).toEqual({
      code: 0,
      out: '',
    });
    expect(withVersion('NFTABLES LVS VRRP BFD')).toEqual({ code: 0, out: '' });
    const without = withVersion('NFTABLES LVS REGEX VRRP VRRP_AUTH JSON OLD_CHKSUM_COMPAT BFDX');
    expect(without.code).toBe(1);
    expect(without.out.trim()).toBe(NO_BFD_MESSAGE);
  });
});
