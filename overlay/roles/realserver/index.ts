/**
 * The realserver role: a backend of an LVS-DR or LVS-TUN pool. The director forwards packets
 * addressed to the VIP without rewriting them, so the backend must accept the VIP as its own
 * without ever answering ARP for it (the director owns the VIP on the LAN):
 *   dr:  the VIPs as /32 on lo, arp_ignore=1 (answer ARP only for addresses on the asking NIC)
 *        and arp_announce=2 (never use the VIP as ARP source);
 *   tun: the VIPs as /32 on tunl0 (IP-in-IP from the director), rp_filter off on tunl0, since
 *        the decapsulated packets arrive on an interface with no route back to the client.
 * Rendered as one idempotent shell script run by a oneshot service, so an admin can read it and
 * a backend that is not a pillars box can run the same script.
 */
import { defineService } from '../../service/index.js';
import type { Role, RoleContext } from '../role.js';
import { compileTemplate } from '../../templates/escape.js';
import template from '../../templates/realserver.sh.ejs';

export const REALSERVER_SCRIPT = 'realserver.sh';

const realserverScript = compileTemplate<{ forwarding: 'dr' | 'tun'; dev: string; vips: readonly string[] }>(
  template,
  'shell',
  ['forwarding', 'dev', 'vips'],
);

/** The realserver script (overlay/templates/realserver.sh.ejs; every value shell-quoted). */
export function renderRealserverScript(forwarding: 'dr' | 'tun', vips: readonly string[]): string {
  return realserverScript({ forwarding, dev: forwarding === 'dr' ? 'lo' : 'tunl0', vips });
}

export const realserverRole: Role = {
  name: 'realserver',
  after: ['network'],
  render(ctx: RoleContext) {
    const rs = ctx.config.realserver;
    if (!rs) return [];
    return [
      {
        path: `${ctx.etcDir}/${REALSERVER_SCRIPT}`,
        content: renderRealserverScript(rs.forwarding, rs.vips),
        mode: 0o755,
      },
    ];
  },
  checks(ctx) {
    return ctx.config.realserver
      ? [{ what: REALSERVER_SCRIPT, command: ['/usr/bin/busybox', 'sh', '-n', `${ctx.etcDir}/${REALSERVER_SCRIPT}`] }]
      : [];
  },
  sysctls(ctx): Record<string, string> {
    return ctx.config.realserver ? { 'net.ipv4.conf.all.arp_ignore': '1', 'net.ipv4.conf.all.arp_announce': '2' } : {};
  },
  services(ctx) {
    if (!ctx.config.realserver) return [];
    return [
      defineService({
        name: 'realserver',
        type: 'oneshot',
        command: ['/usr/bin/busybox', 'sh', `${ctx.etcDir}/${REALSERVER_SCRIPT}`],
        description: `VIPs for LVS-${ctx.config.realserver.forwarding.toUpperCase()}`,
      }),
    ];
  },
};
