import { describe, expect, it } from 'vitest';
import { FAST_ADVERT_MS, labConfig, watchedInstance } from '../../../builder/drill/lab-config.js';
import { masterDownMs } from '../../../builder/drill/settle.js';
import { selectRoles, planRoles } from '../../../overlay/roles/index.js';
import { loadConfig, formatIssues, selectNode } from '../../../overlay/config/index.js';

describe('lab pair config', () => {
  for (const profile of ['router', 'director'] as const) {
    for (const timers of ['default', 'fast'] as const) {
      it(`${profile} with ${timers} timers validates and each VM finds itself by MAC`, () => {
        const r = loadConfig(labConfig({ profile, timers }), 'pillars.yaml');
        if (!r.ok) throw new Error(formatIssues(r.issues));
        expect(
          selectNode(r.config, ['52:54:00:00:00:00', '52:54:00:00:00:01']).ok &&
            (selectNode(r.config, ['52:54:00:00:00:00']) as { name: string }).name,
        ).toBe('node1');
        expect((selectNode(r.config, ['52:54:00:00:01:02']) as { name: string }).name).toBe('node2');
        const vi = r.config.vrrp!.instances[0]!;
        expect(vi.advert_int).toBe(timers === 'fast' ? FAST_ADVERT_MS : 100);
      });
    }
  }
});

describe("stock timers: the anchors' own defaults, the baseline", () => {
  it('keepalived: VRRPv2 with 1 s adverts on both instances, rendered as keepalived writes them', async () => {
    const r = loadConfig(labConfig({ profile: 'router', timers: 'stock' }), 'pillars.yaml');
    if (!r.ok) throw new Error(formatIssues(r.issues));
    for (const vi of r.config.vrrp!.instances) expect([vi.version, vi.advert_int]).toEqual([2, 1000]);
    const node = r.config.nodes.node1!;
    const ctx = {
      config: r.config,
      nodeName: 'node1',
      node,
      etcDir: '/run/pillars/etc',
      eventFifo: '/run/pillars/events',
    };
    const plan = planRoles(ctx, selectRoles(r.config).run);
    const conf = plan.files.find((f) => f.path.endsWith('/keepalived.conf'))!.content;
    expect(conf.match(/^\s*version 2$/gm)).toHaveLength(2);
    expect(conf.match(/^\s*advert_int 1$/gm)).toHaveLength(2);
  });

  it('ucarp: advskew 0 and 100, deadratio 3 (its defaults), where ours is 20 and 2', () => {
    const skews = (timers: 'stock' | 'default') => {
      const r = loadConfig(labConfig({ profile: 'router', failover: 'carp', timers }), 'pillars.yaml');
      if (!r.ok) throw new Error(formatIssues(r.issues));
      return r.config.carp!.instances.map((i) => `${i.advskew.node1}/${i.advskew.node2} x${i.dead_ratio}`);
    };
    expect(skews('stock')).toEqual(['0/100 x3', '0/100 x3']);
    expect(skews('default')).toEqual(['0/20 x2', '0/20 x2']);
  });
});

describe('another fast advert interval', () => {
  it("advertMs replaces the fast timers' interval on both instances", () => {
    const r = loadConfig(labConfig({ profile: 'router', timers: 'fast', advertMs: 10 }), 'pillars.yaml');
    if (!r.ok) throw new Error(formatIssues(r.issues));
    expect(r.config.vrrp!.instances.map((i) => i.advert_int)).toEqual([10, 10]);
  });

  it('downAdverts sets down_timer_adverts on both instances, and the settle window follows it', () => {
    const r = loadConfig(
      labConfig({ profile: 'router', timers: 'fast', advertMs: 10, downAdverts: 5 }),
      'pillars.yaml',
    );
    if (!r.ok) throw new Error(formatIssues(r.issues));
    expect(r.config.vrrp!.instances.map((i) => i.down_timer_adverts)).toEqual([5, 5]);
    // 5 × 10 ms + (256 − 100) / 256 × 10 ms, against 3 × 10 ms + the same skew without it.
    expect(masterDownMs(r.config)).toBe(56);
    const rfc = loadConfig(labConfig({ profile: 'router', timers: 'fast', advertMs: 10 }), 'pillars.yaml');
    if (!rfc.ok) throw new Error(formatIssues(rfc.issues));
    expect(rfc.config.vrrp!.instances.map((i) => i.down_timer_adverts)).toEqual([3, 3]);
    expect(masterDownMs(rfc.config)).toBe(36);
  });
});

describe('lab pair with BFD', () => {
  it("validates: a session on the sync link with keepalived's defaults, tracked by the sync group", () => {
    const r = loadConfig(labConfig({ profile: 'router', timers: 'fast', bfd: true }), 'pillars.yaml');
    if (!r.ok) throw new Error(formatIssues(r.issues));
    expect(r.config.vrrp!.bfd).toMatchObject({ min_rx: 50, min_tx: 50, multiplier: 5, priority_change: 10 });
    expect(r.config.vrrp!.bfd!.interface).toBe('sync');
    expect(r.config.vrrp!.sync_groups[0]!.track_bfd).toBe(true);
    expect(() => labConfig({ profile: 'router', failover: 'carp', bfd: true })).toThrow(/with VRRP/);
  });
});

describe('CARP lab pair', () => {
  it('validates: two ucarp instances, node1 with the lower skew, no VRRP', () => {
    const r = loadConfig(labConfig({ profile: 'router', failover: 'carp' }), 'pillars.yaml');
    if (!r.ok) throw new Error(formatIssues(r.issues));
    expect(r.config.vrrp).toBeUndefined();
    expect(
      r.config.carp!.instances.map(
        (i) => `${i.interface}/${i.vhid} ${i.advskew.node1}<${i.advskew.node2} ${i.advbase}s`,
      ),
    ).toEqual(['lan/51 0<20 1s', 'internal/52 0<20 1s']);
    expect(watchedInstance('carp')).toBe('lan/51');
    expect(selectRoles(r.config).run).toEqual(['network', 'nofirewall', 'carp', 'admin']);
  });

  it('is for the router and firewall profiles, not the director', () => {
    expect(() => labConfig({ profile: 'director', failover: 'carp' })).toThrow(/router or firewall profile/);
  });

  it('a firewall pair over CARP runs the firewall, conntrackd and ucarp', async () => {
    const { firewallYaml } = await import('../../../builder/drill/firewall-lab.js');
    const r = loadConfig(
      labConfig({ profile: 'firewall', failover: 'carp', extraYaml: firewallYaml({ conntrackd: true }) }),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(selectRoles(r.config).run).toEqual(['network', 'firewall', 'statesync', 'carp', 'admin']);
  });
});

describe('director lab config of the LVS tests', () => {
  it('validates, with every virtual server and the alerts', async () => {
    const { ALERTS_YAML, DIRECTOR_YAML } = await import('../../../builder/drill/director-lab.js');
    const r = loadConfig(
      labConfig({ profile: 'director', directorYaml: DIRECTOR_YAML, extraYaml: ALERTS_YAML }),
      'pillars.yaml',
    );
    if (!r.ok) throw new Error(formatIssues(r.issues));
    const vss = r.config.director!.virtual_servers;
    expect(vss.map((v) => `${v.port} ${v.scheduler} ${v.forwarding}`)).toEqual([
      '80 rr nat',
      '81 wrr nat',
      '82 sh nat',
      '83 rr nat',
      '84 rr dr',
      '86 rr tun',
      '85 rr nat',
      '90 rr nat',
    ]);
    expect(vss[1]!.real_servers.map((s) => s.weight)).toEqual([3, 3, 1]);
    expect(vss[7]!.sorry_server).toBe('198.51.100.120:90');
    expect(r.config.alerts?.smtp_server).toBe('192.0.2.125:25');
    expect(r.config.statesync?.ipvs_sync).toBe(true);
  });
});

describe('the LVS-TUN backend of the director lab', () => {
  it('is a realserver config: the VIP on tunl0, its status page on the TUN port, found by its MAC', async () => {
    const { DIRECTOR_LAB, tunRealserverConfig } = await import('../../../builder/drill/director-lab.js');
    const r = loadConfig(tunRealserverConfig(), 'pillars.yaml');
    if (!r.ok) throw new Error(formatIssues(r.issues));
    expect(r.config.profile).toBe('realserver');
    expect((selectNode(r.config, ['52:54:00:00:02:00']) as { name: string }).name).toBe('rs1');
    expect(r.config.admin.status_page?.listen).toBe(`0.0.0.0:${DIRECTOR_LAB.tun.port}`);
    expect(selectRoles(r.config).run).toEqual(['network', 'nofirewall', 'realserver', 'admin']);
    const plan = planRoles(
      {
        config: r.config,
        nodeName: 'rs1',
        node: r.config.nodes.rs1!,
        etcDir: '/run/pillars/etc',
        eventFifo: '/run/pillars/events',
      },
      ['realserver'],
    );
    expect(plan.files[0]!.content).toContain(`ip -4 addr replace ${DIRECTOR_LAB.vip}/32 dev tunl0 scope host`);
  });
});

describe('lab priorities: the backup keeps the margin that held an idle hour', () => {
  it('waits three adverts plus (256 − 100) / 256 of one, at every timer setting', () => {
    const down = (timers: 'stock' | 'default' | 'fast') => {
      const r = loadConfig(labConfig({ profile: 'router', timers }), 'pillars.yaml');
      if (!r.ok) throw new Error(formatIssues(r.issues));
      return masterDownMs(r.config);
    };
    expect(down('default')).toBe(361);
    expect(down('fast')).toBe(72);
    expect(down('stock')).toBe(3609);
  });

  it('leave room for BFD: the lab config with a tracked session still validates', () => {
    const r = loadConfig(labConfig({ profile: 'router', timers: 'fast', bfd: true }), 'pillars.yaml');
    if (!r.ok) throw new Error(formatIssues(r.issues));
    expect(r.config.vrrp!.instances.map((i) => i.priority)).toEqual([
      { node1: 150, node2: 100 },
      { node1: 150, node2: 100 },
    ]);
  });
});
