import { describe, expect, it } from 'vitest';
import { renderFragment, renderPage } from '../../../overlay/status/page.js';
import { pageView } from '../../../overlay/status/page-view.js';
import type { ClusterView } from '../../../overlay/status/cluster.js';
import { createMetricRings } from '../../../overlay/status/rings.js';
import { graphsOf, samplePool } from '../../../overlay/status/sampler.js';
import { createTimeline } from '../../../overlay/status/timeline.js';
import { formatCluster } from '../../../overlay/status/cluster-text.js';
import { buildSnapshot } from '../../../overlay/status/snapshot.js';
import { directorSnapshot, FTFW_NODE2_SYNC, statusJson, T0 } from './fixtures.js';

function pair(): ClusterView {
  const local = directorSnapshot('lb1');
  const peer = directorSnapshot('lb2');
  const tl = createTimeline();
  tl.observe('vrrp', 'VI_LAN', 'BACKUP', T0 + 2000);
  peer.transitions = tl.transitions();
  for (const i of peer.instances) i.state = 'BACKUP';
  return { at: T0 + 65_000, local, peer: { name: 'lb2', snapshot: peer, lastSeen: T0 + 64_000 } };
}

describe('status page', () => {
  it('shows both nodes side by side with their roles, in node order on either node', () => {
    const v = pageView(pair());
    expect(v.nodes.map((n) => [n.name, n.headline, n.self])).toEqual([
      ['lb1', 'MASTER', true],
      ['lb2', 'BACKUP', false],
    ]);
    const fromPeer = pair();
    const swapped: ClusterView = {
      at: fromPeer.at,
      local: fromPeer.peer!.snapshot!,
      peer: { name: 'lb1', snapshot: fromPeer.local },
    };
    expect(pageView(swapped).nodes.map((n) => [n.name, n.self])).toEqual([
      ['lb1', false],
      ['lb2', true],
    ]);
  });

  it('a peer that does not answer is marked, with its last view', () => {
    const c = pair();
    c.peer = { name: 'lb2', snapshot: c.peer!.snapshot!, error: 'connect ECONNREFUSED', lastSeen: T0 + 5000 };
    const lb2 = pageView(c).nodes[1]!;
    expect(lb2.headline).toBe('UNREACHABLE');
    expect(lb2.note).toBe('not answering: connect ECONNREFUSED; last seen 1m00s ago, its last view below');
    const none = pageView({ at: T0, local: directorSnapshot('lb1'), peer: { name: 'lb2', error: 'timeout' } })
      .nodes[1]!;
    expect([none.headline, none.instances]).toEqual(['UNREACHABLE', []]);
  });

  it('highlights a config mismatch between the nodes', () => {
    const c = pair();
    expect(pageView(c).config).toEqual({
      mismatch: false,
      text: `both nodes run generation 4 (sha256 ${'ab'.repeat(6)})`,
    });
    c.peer!.snapshot!.config = { generation: 5, sha256: 'cd'.repeat(32), device: '/dev/sda', provider: 'usb-sata' };
    const v = pageView(c);
    expect(v.config?.mismatch).toBe(true);
    expect(v.nodes.every((n) => n.config?.mismatch)).toBe(true);
    expect(renderFragment(c)).toContain('class="banner mismatch"');
  });

  it('shows how the two config sticks stand: in sync, one ahead, or a conflict on a red banner', () => {
    const ver = (g: number, c: string) => ({ generation: g, sha256: c.repeat(64) });
    const withStick = (node: string, versions: Array<{ generation: number; sha256: string }>, outcome?: string) =>
      buildSnapshot({
        ...statusJson(node),
        sync: {
          mode: 'manual',
          lineage: { current: versions.at(-1), versions },
          retrying: false,
          ...(outcome ? { last: { at: T0, outcome, message: outcome } } : {}),
        },
      });
    const view = (a: ReturnType<typeof withStick>, b: ReturnType<typeof withStick>): ClusterView => ({
      at: T0 + 65_000,
      local: a,
      peer: { name: 'lb2', snapshot: b },
    });
    const same = view(withStick('lb1', [ver(1, 'a'), ver(2, 'b')]), withStick('lb2', [ver(1, 'a'), ver(2, 'b')]));
    expect(pageView(same).sticks).toEqual({
      conflict: false,
      behind: false,
      text: 'both sticks hold generation 2 (sha256 bbbbbbbbbbbb)',
    });
    expect(formatCluster(same)).toContain('config sync: both sticks hold generation 2 (sha256 bbbbbbbbbbbb)');
    const ahead = view(
      withStick('lb1', [ver(1, 'a'), ver(2, 'b'), ver(3, 'c')]),
      withStick('lb2', [ver(1, 'a'), ver(2, 'b')], 'not-reached'),
    );
    expect(pageView(ahead).sticks?.text).toBe(
      "lb1's stick holds a newer generation 3 (sha256 cccccccccccc) than lb2's generation 2 (sha256 bbbbbbbbbbbb): not synced yet",
    );
    const conflict = view(
      withStick('lb1', [ver(1, 'a'), ver(2, 'b')], 'conflict'),
      withStick('lb2', [ver(1, 'a'), ver(2, 'd')], 'conflict'),
    );
    const v = pageView(conflict);
    expect(v.sticks?.conflict).toBe(true);
    expect(v.sticks?.text).toMatch(
      /^CONFIG CONFLICT: both sticks changed since generation 1: lb1 holds generation 2 \(sha256 b+\), lb2 holds generation 2 \(sha256 d+\); nothing is overwritten/,
    );
    expect(v.nodes.map((n) => n.facts.find((f) => f[0] === 'stick')?.[1])).toEqual([
      'generation 2, sha256 bbbbbbbbbbbb; last sync: conflict',
      'generation 2, sha256 dddddddddddd; last sync: conflict',
    ]);
    const html = renderFragment(conflict);
    expect(html).toMatch(/<div class="banner mismatch" id="config-sync">⚠ CONFIG CONFLICT/);
    const text = formatCluster(conflict);
    expect(text.find((l) => l.startsWith('stick'))).toMatch(
      /^stick\s+generation 2, sha256 bbbbbbbbbbbb \(CONFLICT\); last sync: conflict\s+generation 2, sha256 dddddddddddd \(CONFLICT\); last sync: conflict$/,
    );
    expect(text).toContain(v.sticks!.text);
  });

  it('the timeline merges both nodes, newest first, with the cause', () => {
    const rows = pageView(pair()).timeline;
    expect(rows.map((r) => r.cells[1])).toEqual(
      [...rows.map((r) => r.cells[1])].sort((a, b) => parseInt(a!) - parseInt(b!)),
    );
    expect(rows.find((r) => r.cells[3] === 'vrrp-group VG_LAB')?.cells.slice(2)).toEqual([
      'lb1',
      'vrrp-group VG_LAB',
      '— → MASTER',
      'boot (first state)',
    ]);
    expect(
      rows.find((r) => r.cells[2] === 'lb1' && r.cells[3] === 'vrrp VI_LAN' && r.cells[4] === 'BACKUP → MASTER')
        ?.cells[5],
    ).toBe('election at start: no master with a higher priority heard');
    expect(rows.some((r) => r.cells[2] === 'lb2')).toBe(true);
  });

  it('the pool as ipvsadm shows it, with check state and a traffic graph per real server', () => {
    const c = pair();
    const rings = createMetricRings();
    const pool = c.local.pool!;
    for (let i = 0; i < 6; i++) {
      for (const svc of pool)
        for (const rs of svc.realServers) if (rs.stats) rs.stats = { ...rs.stats, inPkts: rs.stats.inPkts + i * 100 };
      for (const svc of pool) if (svc.stats) svc.stats = { ...svc.stats, inPkts: svc.stats.inPkts + i * 200 };
      samplePool(rings, pool, T0 + 10_000 * i);
    }
    c.local.graphs = graphsOf(rings);
    c.local.at = T0 + 50_000;
    const html = renderFragment(c);
    expect(html).toContain('TCP  192.0.2.10:80 rr');
    expect(html).toMatch(
      /<td class="mono">198\.51\.100\.102:80<\/td><td>-<\/td>(<td class="num">0<\/td>){3}<td class="st bad">DOWN<\/td>/,
    );
    expect(html).toMatch(
      /<td class="mono">198\.51\.100\.100:80<\/td><td>Masq<\/td><td class="num">1<\/td><td class="num">2<\/td>/,
    );
    const lb1 = pageView(c).nodes[0]!;
    expect(lb1.pool![0]!.servers[0]!.graph.points.split(' ')).toHaveLength(5);
    expect(lb1.pool![0]!.servers[0]!.graph.label).toBe('now 50 pkt/s, peak 50 pkt/s in the last 60 min');
    expect(html).toContain('<polyline points=');
  });

  it("each node's IPVS sync next to its pool: both daemons, and where its connections came from", () => {
    const c = pair();
    const [lb1, lb2] = pageView(c).nodes;
    expect(lb1!.ipvsSync!.daemons.map((r) => [...r.cells, r.cls])).toEqual([
      ['master', 'running', 'sync', '51', '224.0.0.81:8848', 'ok'],
      ['backup', 'running', 'sync', '51', '224.0.0.81:8848', 'ok'],
    ]);
    expect(lb1!.ipvsSync!.connections).toBe(
      '16 entries in the connection table: 16 scheduled here, 0 synced from the peer',
    );
    expect(lb2!.ipvsSync!.connections).toBe(
      '16 entries in the connection table: 0 scheduled here, 16 synced from the peer',
    );
    // the ipvs-sync oneshot ran, so a daemon that is missing is an error
    c.peer!.snapshot!.ipvsSync = { daemons: [], error: "ipvsadm -L --daemon: exit 2: Can't initialize ipvs" };
    const down = pageView(c).nodes[1]!.ipvsSync!;
    expect(down.daemons.map((r) => [r.cells[1], r.cls])).toEqual([
      ['not running', 'bad'],
      ['not running', 'bad'],
    ]);
    const html = renderFragment(c);
    const lb2Html = html.slice(html.indexOf('data-node="lb2"'));
    expect(lb2Html).toContain('<td class="st bad">not running</td>');
    expect(lb2Html).toContain('<div class="note">ipvsadm -L --daemon: exit 2: Can&#39;t initialize ipvs</div>');
    expect(html.indexOf('IPVS connection sync')).toBeGreaterThan(html.indexOf('LVS pool'));
    // without the oneshot (statesync.ipvs_sync off) no daemon is expected
    const off = directorSnapshot('lb1');
    off.services = off.services.filter((svc) => svc.name !== 'ipvs-sync');
    off.ipvsSync = { daemons: [], connections: { entries: 3, synced: 0 } };
    expect(pageView({ at: T0, local: off }).nodes[0]!.ipvsSync!.daemons[0]!.cls).toBe('other');
  });

  it("conntrack entries and conntrackd's sync link of both nodes, errors marked", () => {
    const c = pair();
    const sync = FTFW_NODE2_SYNC;
    c.local.conntrack = { entries: 14, limit: 262144, sync };
    c.peer!.snapshot!.conntrack = { entries: 14, limit: 262144, sync: { ...sync, sendErrors: 0, errors: 0, lost: 0 } };
    const [lb1, lb2] = pageView(c).nodes;
    expect(lb1!.conntrack).toBe('14 of 262144 entries');
    expect(lb1!.conntrackSync).toEqual({
      link: 'multicast on sync',
      rows: [
        { cells: ['messages', '12', '19'] },
        { cells: ['bytes', '200', '1344'] },
        { cells: ['errors', '3', '0'], cls: 'bad' },
      ],
      notes: [
        "11 messages lost in the peer's sequence (FT-FW asks for them again)",
        'peer states applied: 14 created, 0 updated, 0 destroyed, 0 failed',
      ],
    });
    expect(lb2!.conntrackSync!.rows[2]!.cls).toBe('ok');
    expect(lb2!.conntrackSync!.notes[0]).toBe("0 messages lost in the peer's sequence");
    const html = renderFragment(c);
    expect(html.match(/<table class="conntrackd-sync">/g)).toHaveLength(2);
    expect(html).toContain('<tr class="bad"><td>errors</td><td class="num">3</td><td class="num">0</td></tr>');
    expect(html).toContain('conntrackd sync <small>(conntrackd -s network, multicast on sync)</small>');
  });

  it('is a whole page that loads nothing from elsewhere and escapes what it prints', () => {
    const c = pair();
    c.local.firewall = [
      { table: 'inet pillars', chain: 'input', rule: '<script>alert(1)</script>', packets: 1, bytes: 2 },
    ];
    const html = renderPage(c);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
    expect([...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1])).toEqual(['data:,', '/live.js']);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('<noscript><meta http-equiv="refresh" content="10"></noscript>');
  });
});
