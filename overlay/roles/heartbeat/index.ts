/**
 * heartbeat role: Linux-HA heartbeat 3 in its classic (v1, haresources) mode, with DRBD under it
 * and STONITH through cluster-glue's plugins. Files: /etc/ha.d/{ha.cf,haresources,authkeys}, the
 * resource script that reports group transitions to the supervisor, the DRBD resource file and
 * the script that brings DRBD up. Checks: the ha.d files as heartbeat reads them (pillars-hacheck,
 * see check.ts) and the DRBD file with drbdadm-84's own parser (what drbdadm runs for the
 * in-kernel DRBD 8.4). Services: drbd (oneshot) before heartbeat (longrun, in the foreground).
 */
import eventTemplate from '../../templates/heartbeat-event.sh.ejs';
import drbdUpTemplate from '../../templates/drbd-up.sh.ejs';
import runTemplate from '../../templates/heartbeat-run.sh.ejs';
import { compileTemplate } from '../../templates/escape.js';
import { defineService, type ServiceSpec } from '../../service/index.js';
import type { PillarsConfig } from '../../config/index.js';
import { etcPath, type RenderedFile, type Role, type RoleCheck, type RoleContext } from '../role.js';
import { drbdFencePeer, renderDrbdFacts, renderDrbdRes, renderHeartbeat } from './render.js';
import { EVENT_RESOURCE } from './view.js';

export const HA_D = '/etc/ha.d';
export const HEARTBEAT_BIN = '/usr/libexec/heartbeat/heartbeat';
export const HACHECK = '/usr/sbin/pillars-hacheck';
/** What drbdadm dispatches to when the kernel's DRBD is 8.4. */
export const DRBDADM_84 = '/lib/drbd/drbdadm-84';
export const HEARTBEAT_SERVICE = 'heartbeat';
export const DRBD_SERVICE = 'drbd';
/** DRBD's usermode helper while a fence-peer handler is configured (overlay/rootfs; see drbd-facts.sh.ejs). */
export const DRBD_HELPER = '/usr/lib/pillars/drbd-helper';

const runScript = compileTemplate<{ heartbeat: string; watchdog: string | undefined; mountpoints: string[] }>(
  runTemplate,
  'shell',
  ['heartbeat', 'watchdog', 'mountpoints'],
);
const eventScript = compileTemplate<{ fifo: string; stateDir: string }>(eventTemplate, 'shell', ['fifo', 'stateDir']);
const drbdUp = compileTemplate<{
  resource: string;
  node: string;
  disk: string;
  minor: number;
  fifo: string;
  waitSeconds: number;
  connectSeconds: number;
  initialSyncSource: boolean;
  fstype: string;
  mounts: string | undefined;
  helper: string | undefined;
}>(drbdUpTemplate, 'shell', [
  'resource',
  'node',
  'disk',
  'minor',
  'fifo',
  'waitSeconds',
  'connectSeconds',
  'initialSyncSource',
  'fstype',
  'mounts',
  'helper',
]);

export function drbdResPath(config: PillarsConfig): string {
  return `/etc/drbd.d/${config.drbd!.resource}.res`;
}
/** Shell assignments of the same resource for drbddisk and DRBD's helper (render.ts renderDrbdFacts). */
export function drbdFactsPath(config: PillarsConfig): string {
  return `/etc/drbd.d/${config.drbd!.resource}.pillars`;
}
export function heartbeatRunPath(ctx: Pick<RoleContext, 'etcDir'>): string {
  return etcPath(ctx, 'heartbeat-run.sh');
}
export function drbdUpPath(ctx: Pick<RoleContext, 'etcDir'>): string {
  return etcPath(ctx, 'drbd-up.sh');
}

/** The group that mounts the DRBD device: its preferred node is the initial sync source of a new pair. */
function drbdGroup(config: PillarsConfig) {
  return config.heartbeat?.groups.find((g) => g.drbd);
}

export function heartbeatFiles(ctx: RoleContext): RenderedFile[] {
  const { config } = ctx;
  const out = renderHeartbeat(config);
  const files: RenderedFile[] = [
    // ha.cf may carry STONITH credentials: root only, like authkeys.
    { path: `${HA_D}/ha.cf`, content: out.haCf, mode: 0o600 },
    { path: `${HA_D}/haresources`, content: out.haresources, mode: 0o644 },
    { path: `${HA_D}/authkeys`, content: out.authkeys, mode: 0o600 },
    {
      path: heartbeatRunPath(ctx),
      content: runScript({
        heartbeat: HEARTBEAT_BIN,
        watchdog: config.heartbeat?.watchdog,
        mountpoints: (config.heartbeat?.groups ?? []).flatMap((g) => (g.filesystem ? [g.filesystem.mountpoint] : [])),
      }),
      mode: 0o755,
    },
    {
      path: `${HA_D}/resource.d/${EVENT_RESOURCE}`,
      content: eventScript({ fifo: ctx.eventFifo, stateDir: '/run/pillars/heartbeat' }),
      mode: 0o755,
    },
  ];
  return files;
}

export function heartbeatChecks(): RoleCheck[] {
  return [{ what: 'ha.cf, authkeys, haresources', command: [HACHECK, HA_D] }];
}

export function drbdFiles(ctx: RoleContext): RenderedFile[] {
  const { config } = ctx;
  if (!config.drbd) return [];
  const g = drbdGroup(config);
  const facts = renderDrbdFacts(config, ctx.nodeName);
  return [
    { path: drbdResPath(config), content: renderDrbdRes(config), mode: 0o600 },
    ...(facts === undefined ? [] : [{ path: drbdFactsPath(config), content: facts, mode: 0o644 }]),
    {
      path: drbdUpPath(ctx),
      content: drbdUp({
        resource: config.drbd.resource,
        node: ctx.nodeName,
        disk: config.drbd.disk,
        minor: config.drbd.minor,
        fifo: ctx.eventFifo,
        waitSeconds: 30,
        connectSeconds: 60,
        initialSyncSource: g?.node === ctx.nodeName,
        fstype: g?.filesystem?.fstype ?? 'ext4',
        // The group's filesystem type, whose module the service loads ahead of the first mount.
        mounts: g?.filesystem?.fstype,
        // The helper answers fence-peer from the facts file; without one drbdadm stays the helper.
        helper: facts !== undefined && drbdFencePeer(config) !== undefined ? DRBD_HELPER : undefined,
      }),
      mode: 0o755,
    },
  ];
}

export function drbdChecks(ctx: RoleContext): RoleCheck[] {
  const d = ctx.config.drbd;
  return d
    ? [{ what: `${d.resource}.res`, command: [DRBDADM_84, '-c', drbdResPath(ctx.config), 'dump', d.resource] }]
    : [];
}

export function drbdServices(ctx: RoleContext): ServiceSpec[] {
  if (!ctx.config.drbd) return [];
  return [
    defineService({
      name: DRBD_SERVICE,
      type: 'oneshot',
      command: [drbdUpPath(ctx)],
      // The first start of a new pair waits for the peer (bounded) before the initial sync.
      readiness: { kind: 'none', timeoutMs: 180_000 },
      description: `DRBD ${ctx.config.drbd.resource} up`,
    }),
  ];
}

export function heartbeatServices(ctx: RoleContext): ServiceSpec[] {
  return [
    defineService({
      name: HEARTBEAT_SERVICE,
      command: [heartbeatRunPath(ctx)],
      readiness: { kind: 'none', timeoutMs: 30_000 },
      // On SIGTERM heartbeat stops its resources in reverse order and tells the peer, which takes them over.
      killGraceMs: 60_000,
      description: 'heartbeat (Linux-HA)',
    }),
  ];
}

export const heartbeatRole: Role = {
  name: 'heartbeat',
  // drbd (phase sync) first: its service is a dependency of heartbeat's.
  after: ['network', 'firewall', 'statesync', 'drbd'],
  render: heartbeatFiles,
  checks: heartbeatChecks,
  sysctls: (): Record<string, string> => ({
    // Services may bind a resource group's address before heartbeat takes it over.
    'net.ipv4.ip_nonlocal_bind': '1',
    'net.ipv6.ip_nonlocal_bind': '1',
  }),
  services: heartbeatServices,
};
