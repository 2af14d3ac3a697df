/**
 * The IPVS connection sync of a director pair (statesync.ipvs_sync): the kernel's master and backup
 * sync daemons, both started once before keepalived and left running. keepalived's own
 * `lvs_sync_daemon` switches them on every VRRP transition of the instance it follows; that switch
 * is a netlink call from the VRRP process, and in the lab it stalled that process for good in the
 * middle of a MASTER → BACKUP transition (the VIPs stayed up on both nodes). With both daemons
 * always on, a transition touches no daemon, and a node that comes back learns the connections of
 * the one that took over.
 */
import template from '../../templates/ipvs-sync.sh.ejs';
import { compileTemplate } from '../../templates/escape.js';
import { defineService, type ServiceSpec } from '../../service/index.js';
import type { PillarsConfig } from '../../config/index.js';
import { etcPath, type RenderedFile, type RoleCheck, type RoleContext } from '../role.js';
import { syncInstance } from './view.js';

export const IPVS_SYNC_SERVICE = 'ipvs-sync';

export interface IpvsSyncView {
  node: string;
  /** The interface the sync traffic goes over (statesync.interface, else the followed instance's). */
  iface: string;
  /** The sync id: the VRID of the instance holding the first virtual server's VIP (keepalived's default). */
  syncid: number;
}

/** The sync daemons' settings, or undefined when the config runs none (no VRRP director pair, or ipvs_sync off). */
export function ipvsSyncView(config: PillarsConfig, node: string): IpvsSyncView | undefined {
  const sync = syncInstance(config);
  if (!sync || !(config.statesync?.ipvs_sync ?? true)) return undefined;
  return { node, iface: config.statesync?.interface ?? sync.interface, syncid: sync.vrid };
}

const compiled = compileTemplate<{ node: string; iface: string; syncid: number }>(template, 'shell', [
  'node',
  'iface',
  'syncid',
]);

export function renderIpvsSync(view: IpvsSyncView): string {
  return compiled({ node: view.node, iface: view.iface, syncid: view.syncid });
}

export function ipvsSyncPath(ctx: Pick<RoleContext, 'etcDir'>): string {
  return etcPath(ctx, 'ipvs-sync.sh');
}

export function ipvsSyncFiles(ctx: RoleContext): RenderedFile[] {
  const view = ipvsSyncView(ctx.config, ctx.nodeName);
  return view ? [{ path: ipvsSyncPath(ctx), content: renderIpvsSync(view), mode: 0o755 }] : [];
}

export function ipvsSyncChecks(ctx: RoleContext): RoleCheck[] {
  return ipvsSyncView(ctx.config, ctx.nodeName)
    ? [{ what: 'ipvs-sync.sh', command: ['sh', '-n', ipvsSyncPath(ctx)] }]
    : [];
}

export function ipvsSyncServices(ctx: RoleContext): ServiceSpec[] {
  if (!ipvsSyncView(ctx.config, ctx.nodeName)) return [];
  return [
    defineService({
      name: IPVS_SYNC_SERVICE,
      type: 'oneshot',
      command: ['/bin/sh', ipvsSyncPath(ctx)],
      readiness: { kind: 'none', timeoutMs: 30_000 },
      // Rerun only when its own script changed (another interface or sync id), not on every
      // keepalived.conf change: a restart of the daemons would drop sync messages in flight.
      reads: [ipvsSyncPath(ctx)],
      description: 'IPVS connection sync (master and backup sync daemons)',
    }),
  ];
}
