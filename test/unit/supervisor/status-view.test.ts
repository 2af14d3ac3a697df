import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../overlay/config/index.js';
import { planRoles, selectRoles } from '../../../overlay/roles/index.js';
import { admitConfig } from '../../../overlay/roles/enforce.js';
import { statusJson, statusText, type ApplianceView } from '../../../overlay/supervisor/status-view.js';

const starter = readFileSync(join(import.meta.dirname, '../../../profiles/director.starter.yaml'), 'utf8');

function configuredView(): ApplianceView {
  const r = loadConfig(starter);
  if (!r.ok) throw new Error('starter does not validate');
  const node = r.config.nodes.lb1!;
  const plan = planRoles(
    { config: r.config, nodeName: 'lb1', node, etcDir: '/run/pillars/etc', eventFifo: '/run/pillars/events' },
    selectRoles(r.config).run,
  );
  const admitted = admitConfig(r.config, { profile: 'director', roles: ['vrrp', 'director'] });
  if (!admitted.ok) throw new Error(admitted.reason);
  const source = {
    provider: 'usb-sata' as const,
    device: '/dev/sda',
    generation: 3,
    checksum: 'ab'.repeat(32),
    handEdited: false,
  };
  return {
    supervisor: { pid: 1, startedAt: 0, uptime: 1 },
    running: {
      outcome: {
        ok: true,
        config: r.config,
        body: starter,
        nodeName: 'lb1',
        node,
        how: 'MAC 52:54:00:00:01:01',
        source,
      },
      plan,
      notes: admitted.notes,
    },
    at: 0,
  };
}

describe('pillarsctl status', () => {
  it('says plainly that a config without a firewall section has no packet filter', () => {
    const text = statusText(configuredView()).split('\n');
    expect(text).toContain('roles     network, vrrp, director');
    expect(text).toContain('firewall: none configured (the config has no firewall section: no packet filter)');
    expect(statusJson(configuredView()).config).toMatchObject({
      state: 'configured',
      roles: ['network', 'vrrp', 'director'],
      notes: ['firewall: none configured (the config has no firewall section: no packet filter)'],
    });
  });

  it('an image that refuses the config: UNCONFIGURED with the reason and each section', () => {
    const text = statusText({
      supervisor: { pid: 1, startedAt: 0, uptime: 1 },
      unconfigured: {
        reason: 'the router image cannot enforce section firewall of the config',
        issues: [
          {
            path: 'firewall',
            message: 'the config has a firewall section, but the router image has no firewall role to enforce it',
          },
        ],
      },
      at: 0,
    });
    expect(text.split('\n')).toEqual([
      'UNCONFIGURED — the router image cannot enforce section firewall of the config',
      '  firewall: the config has a firewall section, but the router image has no firewall role to enforce it',
      'safe state: all traffic dropped except loopback, no VIPs, no roles',
    ]);
  });
});
