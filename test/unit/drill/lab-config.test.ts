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
