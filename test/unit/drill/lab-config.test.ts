import { describe, expect, it } from 'vitest';
import { labConfig } from '../../../builder/drill/lab-config.js';
import { loadConfig, formatIssues, selectNode } from '../../../overlay/config/index.js';

describe('lab pair config', () => {
  for (const profile of ['router', 'director'] as const) {
    for (const timers of ['default', 'fast'] as const) {
      it(`${profile} with ${timers} timers validates and each VM finds itself by MAC`, () => {
        const r = loadConfig(labConfig({ profile, timers }), 'pillars.yaml');
        if (!r.ok) throw new Error(formatIssues(r.issues));
        expect(selectNode(r.config, ['52:54:00:00:00:00', '52:54:00:00:00:01']).ok && (selectNode(r.config, ['52:54:00:00:00:00']) as { name: string }).name).toBe('node1');
        expect((selectNode(r.config, ['52:54:00:00:01:02']) as { name: string }).name).toBe('node2');
        const vi = r.config.vrrp!.instances[0]!;
        expect(vi.advert_int).toBe(timers === 'fast' ? 30 : 100);
      });
    }
  }
});

describe('director lab config of the LVS tests', () => {
  it('validates, with every virtual server and the alerts', async () => {
    const { ALERTS_YAML, DIRECTOR_YAML } = await import('../../../builder/drill/director-lab.js');
    const r = loadConfig(labConfig({ profile: 'director', directorYaml: DIRECTOR_YAML, extraYaml: ALERTS_YAML }), 'pillars.yaml');
    if (!r.ok) throw new Error(formatIssues(r.issues));
    const vss = r.config.director!.virtual_servers;
    expect(vss.map((v) => `${v.port} ${v.scheduler} ${v.forwarding}`)).toEqual(['80 rr nat', '81 wrr nat', '82 sh nat', '83 rr nat', '84 rr dr', '85 rr nat', '90 rr nat']);
    expect(vss[1]!.real_servers.map((s) => s.weight)).toEqual([3, 3, 1]);
    expect(vss[6]!.sorry_server).toBe('198.51.100.120:90');
    expect(r.config.alerts?.smtp_server).toBe('192.0.2.125:25');
    expect(r.config.statesync?.ipvs_sync).toBe(true);
  });
});
