/**
 * vrrp role: keepalived VRRP instances. It owns keepalived whenever the config has a `vrrp`
 * section, so with profile director the same keepalived also runs the director's virtual servers.
 */
import type { Role, RoleContext } from '../role.js';
import { keepalivedChecks, keepalivedFiles, keepalivedOwner, keepalivedServices } from '../keepalived/index.js';

const owns = (ctx: RoleContext): boolean => keepalivedOwner(ctx.config) === 'vrrp';

export const vrrpRole: Role = {
  name: 'vrrp',
  after: ['network', 'firewall', 'statesync'],
  render: (ctx) => (owns(ctx) ? keepalivedFiles(ctx) : []),
  checks: (ctx) => (owns(ctx) ? keepalivedChecks(ctx) : []),
  sysctls: (ctx): Record<string, string> =>
    ctx.config.vrrp
      ? {
          // Services on this box (the status page, a proxy, the drill's responder) may bind a VIP
          // while the node is BACKUP, so they are already listening when it becomes MASTER.
          'net.ipv4.ip_nonlocal_bind': '1',
          'net.ipv6.ip_nonlocal_bind': '1',
        }
      : {},
  services: (ctx) => (owns(ctx) ? keepalivedServices(ctx) : []),
};
