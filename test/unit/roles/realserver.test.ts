import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { realserverRole, renderRealserverScript } from '../../../overlay/roles/realserver/index.js';
import { loadConfig, formatIssues } from '../../../overlay/config/index.js';
import type { RoleContext } from '../../../overlay/roles/role.js';

describe('realserver role', () => {
  it('DR: VIPs as /32 on lo with ARP suppression', () => {
    const s = renderRealserverScript('dr', ['192.0.2.10', '192.0.2.11']);
    expect(s).toContain('w net/ipv4/conf/all/arp_ignore 1\nw net/ipv4/conf/all/arp_announce 2');
    expect(s).toContain(
      'ip -4 addr replace 192.0.2.10/32 dev lo scope host\nip -4 addr replace 192.0.2.11/32 dev lo scope host',
    );
    expect(s).not.toContain('tunl0');
  });

  it('TUN: VIPs on tunl0 with reverse-path filtering off', () => {
    const s = renderRealserverScript('tun', ['192.0.2.10']);
    expect(s).toContain('modprobe ipip');
    expect(s).toContain('w net/ipv4/conf/tunl0/rp_filter 0');
    expect(s).toContain('ip -4 addr replace 192.0.2.10/32 dev tunl0 scope host');
  });

  it('renders the starter as a oneshot with sysctls and a shell syntax check', () => {
    const r = loadConfig(readFileSync(join(import.meta.dirname, '../../../profiles/realserver.starter.yaml'), 'utf8'));
    if (!r.ok) throw new Error(formatIssues(r.issues));
    const node = Object.keys(r.config.nodes)[0]!;
    const ctx: RoleContext = {
      config: r.config,
      nodeName: node,
      node: r.config.nodes[node]!,
      etcDir: '/run/pillars/etc',
      eventFifo: '/run/pillars/events.fifo',
    };
    expect(realserverRole.render(ctx).map((f) => f.path)).toEqual(['/run/pillars/etc/realserver.sh']);
    expect(realserverRole.services(ctx)[0]).toMatchObject({ name: 'realserver', type: 'oneshot' });
    expect(realserverRole.sysctls(ctx)).toEqual({
      'net.ipv4.conf.all.arp_ignore': '1',
      'net.ipv4.conf.all.arp_announce': '2',
    });
    expect(realserverRole.checks(ctx)[0]!.command).toEqual([
      '/usr/bin/busybox',
      'sh',
      '-n',
      '/run/pillars/etc/realserver.sh',
    ]);
  });
});
