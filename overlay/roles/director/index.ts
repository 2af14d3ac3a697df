/**
 * director role: LVS virtual servers (keepalived virtual_server blocks over IPVS) and the kernel
 * settings IPVS needs. Its virtual servers are part of the one keepalived.conf; the vrrp role runs
 * that keepalived when VRRP holds the VIPs, otherwise this role does.
 */
import type { Role, RoleContext } from '../role.js';
import { keepalivedChecks, keepalivedFiles, keepalivedOwner, keepalivedServices } from '../keepalived/index.js';
import { directorSysctls } from './sysctls.js';

const owns = (ctx: RoleContext): boolean => keepalivedOwner(ctx.config) === 'director';

export const directorRole: Role = {
  name: 'director',
  after: ['network', 'firewall', 'statesync', 'vrrp', 'carp', 'heartbeat'],
  render: (ctx) => (owns(ctx) ? keepalivedFiles(ctx) : []),
  checks: (ctx) => (owns(ctx) ? keepalivedChecks(ctx) : []),
  sysctls: (ctx) => directorSysctls(ctx.config),
  services: (ctx) => (owns(ctx) ? keepalivedServices(ctx) : []),
};

export { directorSysctls } from './sysctls.js';
