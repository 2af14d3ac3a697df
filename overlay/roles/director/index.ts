/**
 * director role: LVS virtual servers (keepalived virtual_server blocks over IPVS) and the kernel
 * settings IPVS needs. When VRRP holds the VIPs, the vrrp role runs keepalived's VRRP process and
 * this role its health checker (keepalived-lvs, a file of its own); otherwise this role runs the
 * one keepalived.
 */
import type { Role, RoleContext } from '../role.js';
import {
  keepalivedChecks,
  keepalivedFiles,
  keepalivedLvsChecks,
  keepalivedLvsFiles,
  keepalivedLvsService,
  keepalivedOwner,
  keepalivedServices,
  keepalivedSplit,
} from '../keepalived/index.js';
import { directorSysctls } from './sysctls.js';

const owns = (ctx: RoleContext): boolean => keepalivedOwner(ctx.config) === 'director';
const split = (ctx: RoleContext): boolean => keepalivedSplit(ctx.config);

export const directorRole: Role = {
  name: 'director',
  after: ['network', 'firewall', 'statesync', 'vrrp', 'carp', 'heartbeat'],
  render: (ctx) => (owns(ctx) ? keepalivedFiles(ctx) : split(ctx) ? keepalivedLvsFiles(ctx) : []),
  checks: (ctx) => (owns(ctx) ? keepalivedChecks(ctx) : split(ctx) ? keepalivedLvsChecks(ctx) : []),
  sysctls: (ctx) => directorSysctls(ctx.config),
  services: (ctx) => (owns(ctx) ? keepalivedServices(ctx) : split(ctx) ? [keepalivedLvsService(ctx)] : []),
};

export { directorSysctls } from './sysctls.js';
