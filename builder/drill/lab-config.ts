/**
 * The stick config of a lab pair (`pillars run`, `pillars drill` and the integration tests): two
 * nodes whose NICs have the lab's fixed MACs (52:54:00:00:<node>:<nic>; eth0 lan, eth1 internal,
 * eth2 sync), a VIP on each side, a sync group so both VIPs move together, and for the director
 * an LVS-NAT virtual server over the lab's HTTP backends. Pure: returns the YAML text.
 */
import { vmMac } from '../vm/plan.js';

export type LabProfile = 'router' | 'director' | 'firewall';
/**
 * Failover timers of a lab pair: `stock` is the anchor's own defaults, measured as the baseline
 * (keepalived: VRRPv2 with 1 s adverts; ucarp: advbase 1, advskew 0 and 100, deadratio 3;
 * heartbeat: keepalive 1 s, deadtime 30 s); `default` is the pillars model's defaults; `fast` the
 * documented fast timers (20 ms VRRP adverts; heartbeat keepalive 150 ms, deadtime 600 ms).
 */
export type Timers = 'stock' | 'default' | 'fast';
export const TIMERS: readonly Timers[] = ['stock', 'default', 'fast'];
/** How the pair fails over: keepalived VRRP (default) or ucarp CARP (whole-second advbase). */
export type Failover = 'vrrp' | 'carp';

/** The lab choices `pillars run` and `pillars drill` share, checked; `bad` makes the usage error. Pure. */
export function labChoices(
  values: { profile?: unknown; timers?: unknown; failover?: unknown },
  defaultProfile: LabProfile,
  bad: (message: string) => Error,
): { profile: LabProfile; timers: Timers; failover: Failover } {
  const profile = (values.profile as string | undefined) ?? defaultProfile;
  if (profile !== 'router' && profile !== 'director' && profile !== 'firewall')
    throw bad(`--profile must be router, director or firewall, got '${profile}'`);
  const timers = timersChoice(values.timers, 'default', bad);
  const failover = (values.failover as string | undefined) ?? 'vrrp';
  if (failover !== 'vrrp' && failover !== 'carp') throw bad(`--failover must be vrrp or carp, got '${failover}'`);
  if (failover === 'carp' && profile === 'director')
    throw bad("--failover carp needs --profile router or firewall (the director's VIPs ride on VRRP)");
  if (failover === 'carp' && timers === 'fast')
    throw bad('--timers fast is for VRRP; CARP adverts are whole seconds (advbase)');
  return { profile, timers, failover };
}

/** The --timers value, checked (`fallback` when absent). Pure. */
export function timersChoice(value: unknown, fallback: Timers, bad: (message: string) => Error): Timers {
  const timers = (value as string | undefined) ?? fallback;
  if (!(TIMERS as readonly string[]).includes(timers))
    throw bad(`--timers must be ${TIMERS.join(', ')}, got '${timers}'`);
  return timers as Timers;
}

/** What the stock timers of a pair are, in words (the baseline's label). Pure. */
export function stockLabel(failover: Failover | 'heartbeat'): string {
  if (failover === 'carp') return 'stock ucarp (advbase 1, advskew 0 and 100, deadratio 3)';
  if (failover === 'heartbeat') return 'stock heartbeat (keepalive 1 s, deadtime 30 s)';
  return 'stock keepalived (VRRPv2, 1 s adverts)';
}

/** The console key of the instance the drill watches: VRRP instance name, or CARP `<interface>/<vhid>`. */
export function watchedInstance(failover: Failover = 'vrrp'): string {
  return failover === 'carp' ? 'lan/51' : 'VI_LAN';
}

/** Key of the lab pair's peer channel (lab only; a real pair gets its own). */
export const LAB_CLUSTER_KEY = 'pillars-lab-cluster-key';

/** Password of the lab's CARP instances (lab only; a real pair gets its own). */
const LAB_CARP_PASSWORD = 'pillars-lab-carp';

/**
 * VRRP priorities of the lab pair (node1, node2): keepalived's classic 150 and 100. A backup
 * declares its master dead after three adverts plus a skew of (256 − its own priority) / 256 of an
 * advert (RFC 5798): at 100 that is 61 ms of a 100 ms advert and 12 ms of a 20 ms one. A higher
 * backup priority shortens the skew (2 ms at 230) but also the silence the backup tolerates of a
 * master that is only late: under emulation 244 / 230 took over once by itself in an idle hour at
 * 20 ms adverts, 150 / 100 never did in the same hour. The gap of 50 stays wider than BFD's ±10.
 * Pure.
 */
export function labPriorities(): { master: number; backup: number } {
  return { master: 150, backup: 100 };
}

/** VRRP advert interval of the documented fast timers (ms); the default comes from the model. */
export const FAST_ADVERT_MS = 20;

export const LAB_ADDRESSES = {
  lanVip: '192.0.2.10',
  lanNode: (i: number) => `192.0.2.${2 + i}`,
  internalVip: '198.51.100.1',
  internalNode: (i: number) => `198.51.100.${2 + i}`,
  syncNode: (i: number) => `203.0.113.${2 + i}`,
  backend: (i: number) => `198.51.100.${100 + i}`,
} as const;

export function labNodeName(i: number): string {
  return `node${i + 1}`;
}

export interface LabConfigOptions {
  profile: LabProfile;
  timers?: Timers;
  /** vrrp (default) or carp: router and firewall profiles; the director's VIPs ride on VRRP. */
  failover?: Failover;
  backends?: number;
  /**
   * YAML lines replacing the default `director:` section (director profile only), e.g. several
   * virtual servers for the integration tests. Indented as top-level keys ('director:', '  …').
   */
  directorYaml?: readonly string[];
  /** More top-level YAML lines (alerts: …), appended before admin. */
  extraYaml?: readonly string[];
  /** admin.watchdog with this timeout in seconds (the lab's VMs then need a watchdog device). */
  watchdogS?: number;
  /** vrrp.bfd on the sync link, tracked by the sync group (VRRP only). */
  bfd?: boolean;
  /** With the fast timers: this advert interval (ms) instead of FAST_ADVERT_MS, to measure another. */
  advertMs?: number;
  /** With the fast timers: down_timer_adverts on both instances instead of the RFCs' 3. */
  downAdverts?: number;
}

export function labConfig(o: LabConfigOptions): string {
  const nodes = [0, 1];
  // stock: keepalived's own defaults, VRRPv2 (vrrp_version 2) and advert_int 1 (the model's 1000 ms for v2).
  const advert =
    o.timers === 'fast'
      ? `\n      advert_int: ${o.advertMs ?? FAST_ADVERT_MS}` +
        (o.downAdverts === undefined ? '' : `\n      down_timer_adverts: ${o.downAdverts}`)
      : o.timers === 'stock'
        ? '\n      version: 2'
        : '';
  const lines: string[] = [
    '# Generated for the pillars lab: two nodes on the lab bridges (see builder/drill/lab-config.ts).',
    'version: 1',
    `profile: ${o.profile}`,
    'nodes:',
  ];
  for (const i of nodes) {
    lines.push(
      `  ${labNodeName(i)}:`,
      `    hostname: ${labNodeName(i)}`,
      '    interfaces:',
      `      lan: { mac: "${vmMac(i, 0)}", addresses: [${LAB_ADDRESSES.lanNode(i)}/24] }`,
      `      internal: { mac: "${vmMac(i, 1)}", addresses: [${LAB_ADDRESSES.internalNode(i)}/24] }`,
      `      sync: { mac: "${vmMac(i, 2)}", addresses: [${LAB_ADDRESSES.syncNode(i)}/24] }`,
    );
  }
  if (o.bfd && o.failover === 'carp') throw new Error('BFD is tracked by VRRP instances: the lab runs it with VRRP');
  if (o.failover === 'carp') {
    if (o.profile === 'director')
      throw new Error("the lab runs CARP with the router or firewall profile (the director's VIPs ride on VRRP)");
    lines.push(
      'carp:',
      '  instances:',
      ...(
        [
          ['lan', 51, LAB_ADDRESSES.lanVip],
          ['internal', 52, LAB_ADDRESSES.internalVip],
        ] as const
      ).flatMap(([ifname, vhid, vip]) => [
        `    - interface: ${ifname}`,
        `      vhid: ${vhid}`,
        // ucarp checks for a silent master each advbase + advskew/256 s: a small skew keeps it prompt.
        // stock: ucarp's defaults and the usual backup skew of 100 (deadratio 3 is the model's default).
        ...(o.timers === 'stock'
          ? [`      advskew: { ${labNodeName(0)}: 0, ${labNodeName(1)}: 100 }`]
          : [`      advskew: { ${labNodeName(0)}: 0, ${labNodeName(1)}: 20 }`, '      dead_ratio: 2']),
        `      password: ${LAB_CARP_PASSWORD}`,
        `      vips: [${vip}/24]`,
      ]),
    );
  } else {
    const prio = labPriorities();
    const priority = `priority: { ${labNodeName(0)}: ${prio.master}, ${labNodeName(1)}: ${prio.backup} }`;
    lines.push(
      'vrrp:',
      // BFD on the sync link with the model's defaults (50 ms x 5), the priority +10 while down.
      ...(o.bfd ? ['  bfd: { interface: sync }'] : []),
      '  instances:',
      '    - name: VI_LAN',
      '      interface: lan',
      '      vrid: 51',
      `      ${priority}${advert}`,
      `      vips: [${LAB_ADDRESSES.lanVip}/24]`,
      '    - name: VI_INT',
      '      interface: internal',
      '      vrid: 52',
      `      ${priority}${advert}`,
      `      vips: [${LAB_ADDRESSES.internalVip}/24]`,
      '  sync_groups:',
      '    - name: VG_LAB',
      '      instances: [VI_LAN, VI_INT]',
      ...(o.bfd ? ['      track_bfd: true'] : []),
    );
  }
  if (o.profile === 'director' && o.directorYaml) {
    lines.push('statesync:', '  interface: sync', '  ipvs_sync: true', ...o.directorYaml);
  } else if (o.profile === 'director') {
    const n = o.backends ?? 3;
    lines.push(
      'statesync:',
      '  interface: sync',
      '  ipvs_sync: true',
      'director:',
      '  virtual_servers:',
      '    - name: web',
      `      vip: ${LAB_ADDRESSES.lanVip}`,
      '      port: 80',
      '      protocol: tcp',
      '      scheduler: rr',
      '      forwarding: nat',
      '      delay_loop: 2',
      '      check: { type: TCP_CHECK, connect_timeout: 1 }',
      '      real_servers:',
      ...Array.from({ length: n }, (_, i) => `        - { address: ${LAB_ADDRESSES.backend(i)}, port: 80, weight: 1 }`),
    );
  }
  // A router routes: the client reaches the server on internal through the lan VIP.
  if (o.profile === 'router') lines.push('sysctl:', '  net.ipv4.ip_forward: 1');
  if (o.extraYaml) lines.push(...o.extraYaml);
  lines.push(
    'admin:',
    '  status_page: { listen: "0.0.0.0:8080" }',
    `  cluster: { interface: sync, key: "${LAB_CLUSTER_KEY}" }`,
    ...(o.watchdogS !== undefined ? [`  watchdog: { timeout: ${o.watchdogS} }`] : []),
    '',
  );
  return lines.join('\n');
}
