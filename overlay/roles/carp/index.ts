/**
 * carp role: one ucarp per CARP instance (OpenBSD's CARP for admins who know it). ucarp itself
 * handles one address; its up/down scripts (rendered here) add or remove every VIP of the instance
 * and report the transition on the supervisor's event FIFO as `CARP "<interface>/<vhid>" MASTER|BACKUP`.
 * With statesync they run conntrackd's hook too (primary on up, backup on down), as keepalived's
 * notify does for VRRP; the boot-time resync runs before ucarp starts (phase sync < failover).
 */
import template from '../../templates/ucarp-updown.sh.ejs';
import { compileTemplate } from '../../templates/escape.js';
import { nodeNets, parseIp, type PillarsConfig } from '../../config/index.js';
import { defineService, type ServiceSpec } from '../../service/index.js';
import { etcPath, type RenderedFile, type Role, type RoleContext } from '../role.js';
import { carpEventLine, ucarpServiceName } from '../keepalived/events.js';
import { vipWithPrefix } from '../keepalived/view.js';
import { runsConntrackd, statesyncNotifyPath } from '../statesync/index.js';

type CarpInstance = NonNullable<PillarsConfig['carp']>['instances'][number];

type ScriptLocals = {
  action: 'up' | 'down';
  state: string;
  vhid: number;
  ifname: string;
  node: string;
  fifo: string;
  vips: { cidr: string; address: string; family: 4 | 6 }[];
  line: string;
  lock: string;
  /** The conntrackd hook (statesync), when this box replicates its connection table. */
  statesync: { script: string; commitFirst: boolean } | null;
};

/** Every `<%= %>` of the up/down scripts is one shell word (quoted where needed). */
const compiled = compileTemplate<ScriptLocals>(template, 'shell', [
  'action',
  'state',
  'vhid',
  'ifname',
  'node',
  'fifo',
  'vips',
  'line',
  'lock',
  'statesync',
]);

/** Single-quote for /bin/sh. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface CarpPaths {
  up: string;
  down: string;
  passfile: string;
  /** The up and down scripts of one instance take this lock, so they never overlap. */
  lock: string;
}

export function carpPaths(ctx: Pick<RoleContext, 'etcDir'>, inst: Pick<CarpInstance, 'interface' | 'vhid'>): CarpPaths {
  const base = etcPath(ctx, `ucarp/${inst.interface}-${inst.vhid}`);
  return { up: `${base}-up.sh`, down: `${base}-down.sh`, passfile: `${base}.pass`, lock: `${base}.lock` };
}

function ownIpv4(ctx: RoleContext, ifname: string): string {
  const text = (ctx.node.interfaces[ifname]?.addresses ?? []).find((a) => parseIp(a.split('/')[0]!)?.family === 4);
  if (!text) throw new Error(`carp on ${ifname}: node ${ctx.nodeName} has no IPv4 address there (ucarp needs --srcip)`);
  return text.split('/')[0]!;
}

function vipsOf(ctx: RoleContext, inst: CarpInstance): { cidr: string; address: string; family: 4 | 6 }[] {
  const nets = nodeNets(ctx.node, inst.interface);
  return inst.vips.map((v) => {
    const cidr = vipWithPrefix(v, nets);
    const address = cidr.split('/')[0]!;
    return { cidr, address, family: parseIp(address)?.family ?? 4 };
  });
}

function renderInstance(ctx: RoleContext, inst: CarpInstance): RenderedFile[] {
  const paths = carpPaths(ctx, inst);
  const vips = vipsOf(ctx, inst);
  // As keepalived's notify does for VRRP: conntrackd follows the gateway addresses. ALARM keeps
  // the peer's states outside the kernel, so the up script commits them before claiming a VIP.
  const statesync = runsConntrackd(ctx)
    ? { script: statesyncNotifyPath(ctx), commitFirst: ctx.config.statesync!.mode === 'alarm' }
    : null;
  const script = (action: 'up' | 'down'): string => {
    const state = action === 'up' ? 'MASTER' : 'BACKUP';
    return compiled({
      action,
      state,
      vhid: inst.vhid,
      ifname: inst.interface,
      node: ctx.nodeName,
      fifo: ctx.eventFifo,
      vips,
      line: carpEventLine(inst.interface, inst.vhid, state),
      lock: paths.lock,
      statesync,
    });
  };
  return [
    { path: paths.passfile, content: `${inst.password}\n`, mode: 0o600 },
    { path: paths.up, content: script('up'), mode: 0o755 },
    { path: paths.down, content: script('down'), mode: 0o755 },
  ];
}

export function ucarpService(ctx: RoleContext, inst: CarpInstance): ServiceSpec {
  const paths = carpPaths(ctx, inst);
  const skew = inst.advskew[ctx.nodeName];
  if (skew === undefined)
    throw new Error(`carp vhid ${inst.vhid} on ${inst.interface} has no advskew for node ${ctx.nodeName}`);
  const addr = vipsOf(ctx, inst).find((v) => v.family === 4);
  if (!addr) throw new Error(`carp vhid ${inst.vhid} on ${inst.interface}: ucarp needs an IPv4 VIP`);
  return defineService({
    name: ucarpServiceName(inst.interface, inst.vhid),
    type: 'longrun',
    command: [
      'ucarp',
      `--interface=${inst.interface}`,
      `--srcip=${ownIpv4(ctx, inst.interface)}`,
      `--vhid=${inst.vhid}`,
      // The password is read from a 0600 file, not passed in argv (visible in ps and status).
      `--passfile=${paths.passfile}`,
      `--addr=${addr.address}`,
      `--advbase=${inst.advbase}`,
      `--advskew=${skew}`,
      `--deadratio=${inst.dead_ratio}`,
      `--upscript=${paths.up}`,
      `--downscript=${paths.down}`,
      ...(inst.preempt ? ['--preempt'] : []),
      // Run the down script on exit, so a stopped ucarp never leaves its VIPs behind.
      '--shutdown',
      `--xparam=${inst.interface}/${inst.vhid}`,
    ],
    // Ready once spawned: the scripts' FIFO lines are state changes (a BACKUP one comes at start
    // because ucarp runs without --neutral), but a failover daemon is not killed for a report lost
    // in a shell script.
    readiness: { kind: 'none', timeoutMs: 10_000 },
    killGraceMs: 3000,
    // A killed ucarp never runs its down script (--shutdown needs a clean exit): the supervisor
    // runs it, so the VIPs do not stay on this box while the peer takes them over.
    afterCrash: [paths.down, inst.interface, addr.address, `${inst.interface}/${inst.vhid}`],
    description: `ucarp (CARP vhid ${inst.vhid} on ${inst.interface})`,
  });
}

export const carpRole: Role = {
  name: 'carp',
  after: ['network', 'firewall', 'statesync'],
  render: (ctx) => (ctx.config.carp ? ctx.config.carp.instances.flatMap((inst) => renderInstance(ctx, inst)) : []),
  // ucarp has no config checker; its arguments come from the validated config.
  checks: () => [],
  sysctls: (ctx): Record<string, string> => (ctx.config.carp ? { 'net.ipv4.ip_nonlocal_bind': '1' } : {}),
  services: (ctx) => (ctx.config.carp ? ctx.config.carp.instances.map((inst) => ucarpService(ctx, inst)) : []),
};
