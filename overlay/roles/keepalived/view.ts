/**
 * The keepalived view: everything keepalived.conf says for one node, as plain data computed from the
 * validated config. The template only prints it, so every decision (which node's priority, which
 * source address, which prefix a bare VIP takes, which global options fast timers need) is here and
 * unit-testable without ejs.
 *
 * One keepalived.conf carries both the VRRP side (vrrp role) and the LVS side (director role):
 * keepalived runs both as children of one parent, and the IPVS sync daemon is bound to a VRRP
 * instance, so the two halves cannot live in separate daemons.
 */
import {
  bfdEnds,
  bfdTrackers,
  bfdWeight,
  hostnameOf,
  nodeNets,
  parseIp,
  type Check,
  type Cidr,
  type NodeConfig,
  type PillarsConfig,
  type RealServer,
  type VirtualServer,
  type VrrpInstance,
} from '../../config/index.js';

/** keepalived runs its VRRP child under real-time scheduling, never swapped, for advert intervals below this (ms). */
export const REALTIME_BELOW_ADVERT_MS = 1000;
/** SCHED_RR priority of the VRRP child with fast timers (keepalived accepts 1-99). */
export const VRRP_RT_PRIORITY = 50;
/**
 * RLIMIT_RTTIME of the real-time VRRP child (µs of CPU between blocking calls); the kernel
 * SIGKILLs the child past it, and keepalived's parent respawns it in BACKUP, dropping the VIPs.
 * keepalived's default of 10 ms did that under emulation right after entering BACKUP, over and
 * over. 1 s did it on a reload: the child re-reads the whole file on SIGHUP without blocking, which
 * took over a second of CPU for the lab director's file under QEMU TCG, so a weight change made
 * the master drop its VIPs and fail over (`pid … exited due to signal 9 (Killed) - has
 * rlimit_rttime been exceeded?`). A large pool on real hardware can need as long. 10 s still ends
 * a runaway real-time loop.
 */
export const VRRP_RLIMIT_RTTIME_US = 10_000_000;

export interface KaGlobal {
  routerId: string;
  notifyFifo: string;
  /** enable_script_security + script_user root: only when the config runs scripts. */
  scriptSecurity: boolean;
  smtp?: { server: string; port?: number; from: string; to: string[] };
  fast: boolean;
  /** The director's health checker never needs real-time priority; only keep it in RAM with fast timers. */
  checkerNoSwap: boolean;
  /** A BFD session runs: its process is locked in RAM (bfd_no_swap). */
  bfd: boolean;
}

/** keepalived's name of the pair's BFD session (bfd_instance, track_bfd). */
export const BFD_INSTANCE = 'peer';

/** The bfd_instance to the other node. */
export interface KaBfd {
  name: string;
  interface: string;
  neighbor: string;
  source: string;
  minRx: number;
  minTx: number;
  idleTx: number;
  multiplier: number;
  multihop: boolean;
}

/** A track_bfd entry: keepalived's weight, reversed when the priority rises while down. */
export interface KaTrackBfd {
  name: string;
  weight: number;
  reverse: boolean;
}

export interface KaScript {
  name: string;
  script: string;
  interval: number;
  timeout: number;
  weight: number;
  fall: number;
  rise: number;
}

/** keepalived notify_master/backup/fault commands (the conntrackd state-sync hook). */
export interface KaNotify {
  master: string;
  backup: string;
  fault: string;
}

export interface KaSyncGroup {
  name: string;
  notify?: KaNotify;
  instances: string[];
  smtpAlert: boolean;
  /** Member instances track weighted scripts or BFD: keepalived ignores the weights in a group unless told. */
  trackingWeight: boolean;
}

export interface KaInstance {
  name: string;
  interface: string;
  vrid: number;
  version: 2 | 3;
  priority: number;
  /** advert_int as keepalived reads it: seconds, with decimals for VRRPv3. */
  advertInt: string;
  /** down_timer_adverts; rendered only when it is not the RFCs' 3. */
  downTimerAdverts: number;
  vips: string[];
  /** VIPs of the other address family (keepalived sends only one family per instance). */
  excludedVips: string[];
  unicastSrc?: string;
  unicastPeers: string[];
  trackInterfaces: string[];
  trackScripts: string[];
  trackBfd: KaTrackBfd[];
  nopreempt: boolean;
  preemptDelay: number;
  garp: { delay: number; repeat: number; refresh: number };
  auth?: { type: 'PASS' | 'AH'; pass: string };
  smtpAlert: boolean;
  notify?: KaNotify;
}

export type KaChecker =
  | {
      kind: 'HTTP_GET' | 'SSL_GET';
      urls: { path: string; digest?: string; statusCode?: number }[];
      virtualhost?: string;
      common: KaCheckCommon;
    }
  | { kind: 'TCP_CHECK'; common: KaCheckCommon }
  | { kind: 'DNS_CHECK'; type: string; name: string; common: KaCheckCommon }
  | { kind: 'MISC_CHECK'; path: string; timeout: number; dynamic: boolean };

export interface KaCheckCommon {
  connectTimeout: number;
  retry: number;
  delayBeforeRetry: number;
  connectPort?: number;
}

export interface KaRealServer {
  address: string;
  port: number;
  weight: number;
  /** lvs_method when the real server overrides the virtual server's forwarding. */
  method?: string;
  checker?: KaChecker;
}

export interface KaVirtualServer {
  comment?: string;
  /** "192.0.2.10 80" or "fwmark 1". */
  address: string;
  delayLoop: number;
  scheduler: string;
  method: string;
  protocol?: string;
  persistence?: { timeout: number; granularity: string };
  quorum: number;
  hysteresis: number;
  alpha: boolean;
  omega: boolean;
  inhibitOnFailure: boolean;
  sorryServer?: string;
  smtpAlert: boolean;
  realServers: KaRealServer[];
}

export interface KeepalivedView {
  global: KaGlobal;
  bfd?: KaBfd;
  scripts: KaScript[];
  syncGroups: KaSyncGroup[];
  instances: KaInstance[];
  virtualServers: KaVirtualServer[];
}

/**
 * The two halves of a view, for a box that runs VRRP and virtual servers: `keepalived --vrrp` reads
 * the first and `keepalived --check` the second, each its own process and file, so that a change of
 * the pool (a weight, a real server, a virtual service) signals only the health checker and never
 * makes the VRRP process re-read its file while it holds the VIPs. Pure.
 */
export function vrrpPart(view: KeepalivedView): KeepalivedView {
  const notify = view.instances.some((i) => i.notify) || view.syncGroups.some((g) => g.notify);
  return {
    ...view,
    global: { ...view.global, scriptSecurity: view.scripts.length > 0 || notify, checkerNoSwap: false },
    virtualServers: [],
  };
}

export function checkerPart(view: KeepalivedView): KeepalivedView {
  const misc = view.virtualServers.some((vs) => vs.realServers.some((rs) => rs.checker?.kind === 'MISC_CHECK'));
  return {
    global: { ...view.global, scriptSecurity: misc, fast: false, bfd: false },
    scripts: [],
    syncGroups: [],
    instances: [],
    virtualServers: view.virtualServers,
  };
}

export interface ViewInput {
  config: PillarsConfig;
  nodeName: string;
  node: NodeConfig;
  eventFifo: string;
  /** Where the rendered files live (the statesync hook script is there). */
  etcDir?: string;
}

/**
 * The conntrackd hook keepalived runs when the gateway addresses move (statesync with
 * conntrackd): on the sync groups when there are any (they move every gateway address together),
 * else on every instance. Undefined without conntrackd.
 */
export function statesyncNotify(input: ViewInput): KaNotify | undefined {
  if (!input.config.statesync?.conntrackd || !input.config.firewall || !input.config.vrrp) return undefined;
  const script = `${(input.etcDir ?? '/run/pillars/etc').replace(/\/+$/, '')}/statesync-notify.sh`;
  return { master: `${script} primary`, backup: `${script} backup`, fault: `${script} fault` };
}

/**
 * keepalived's script security refuses a script reached through a symlink such as /bin (a link to
 * usr/bin on Debian's merged /usr): "Disabling track script … due to insecure". Point the program
 * of a command line at the real directory.
 */
export function mergedUsrCommand(command: string): string {
  return command.replace(/^(\s*)\/(bin|sbin|lib|lib64)\//, '$1/usr/$2/');
}

/** Milliseconds → keepalived seconds: "1", "0.1", "0.05", "2.5". */
export function secondsText(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const frac = ms % 1000;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}

/** host:port, [v6]:port or host → keepalived's "host port". */
function splitHostPort(text: string): { host: string; port?: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m) return { host: text };
  return m[2] ? { host: m[1]!, port: Number(m[2]) } : { host: m[1]! };
}

/** A VIP with the prefix keepalived should add it with: a bare address takes the node's prefix on the interface. */
export function vipWithPrefix(vip: string, nets: readonly Cidr[]): string {
  if (vip.includes('/')) return vip;
  const ip = parseIp(vip);
  const net = ip && nets.find((n) => n.family === ip.family);
  if (net) return `${vip}/${net.prefix}`;
  return ip?.family === 6 ? `${vip}/128` : `${vip}/32`;
}

function familyOf(addr: string): 4 | 6 | undefined {
  return parseIp(addr.split('/')[0]!)?.family;
}

/** The node's own addresses on a logical interface, without prefix. */
function ownAddresses(node: NodeConfig, ifname: string): string[] {
  return (node.interfaces[ifname]?.addresses ?? []).map((a) => a.split('/')[0]!);
}

function instanceView(inst: VrrpInstance, input: ViewInput, smtp: boolean): KaInstance {
  const { node, nodeName } = input;
  const priority = inst.priority[nodeName];
  if (priority === undefined) throw new Error(`vrrp instance ${inst.name} has no priority for node ${nodeName}`);
  const nets = nodeNets(node, inst.interface);
  const all = inst.vips.map((v) => vipWithPrefix(v, nets));
  const family = familyOf(all[0]!);
  const own = new Set(ownAddresses(node, inst.interface));
  const peers = inst.unicast_peers.filter((p) => !own.has(p));
  const peerFamily = peers.length > 0 ? familyOf(peers[0]!) : undefined;
  const unicastSrc =
    peers.length > 0 ? ownAddresses(node, inst.interface).find((a) => familyOf(a) === peerFamily) : undefined;
  return {
    name: inst.name,
    interface: inst.interface,
    vrid: inst.vrid,
    version: inst.version,
    priority,
    advertInt:
      inst.version === 3 ? secondsText(inst.advert_int) : String(Math.max(1, Math.round(inst.advert_int / 1000))),
    downTimerAdverts: inst.down_timer_adverts,
    vips: all.filter((v) => familyOf(v) === family).map((v) => `${v} dev ${inst.interface}`),
    excludedVips: all.filter((v) => familyOf(v) !== family).map((v) => `${v} dev ${inst.interface}`),
    ...(unicastSrc ? { unicastSrc } : {}),
    unicastPeers: peers,
    trackInterfaces: [...inst.track_interfaces],
    trackScripts: [...inst.track_scripts],
    trackBfd: [],
    nopreempt: inst.nopreempt,
    // keepalived resets preempt_delay under nopreempt (and says so, failing `keepalived -t`).
    preemptDelay: inst.nopreempt ? 0 : inst.preempt_delay,
    garp: { delay: inst.garp.master_delay, repeat: inst.garp.master_repeat, refresh: inst.garp.master_refresh },
    ...(inst.auth && inst.version === 2 ? { auth: { type: inst.auth.type, pass: inst.auth.pass } } : {}),
    smtpAlert: smtp,
  };
}

function checkerView(ch: Check): KaChecker {
  const common = (c: {
    connect_timeout: number;
    retry: number;
    delay_before_retry: number;
    connect_port?: number | undefined;
  }): KaCheckCommon => ({
    connectTimeout: c.connect_timeout,
    retry: c.retry,
    delayBeforeRetry: c.delay_before_retry,
    ...(c.connect_port !== undefined ? { connectPort: c.connect_port } : {}),
  });
  switch (ch.type) {
    case 'HTTP_GET':
    case 'SSL_GET':
      return {
        kind: ch.type,
        urls: ch.urls.map((u) => ({
          path: u.path,
          ...(u.digest ? { digest: u.digest } : {}),
          ...(u.status_code !== undefined ? { statusCode: u.status_code } : {}),
        })),
        ...(ch.virtualhost ? { virtualhost: ch.virtualhost } : {}),
        common: common(ch),
      };
    case 'TCP_CHECK':
      return { kind: 'TCP_CHECK', common: common(ch) };
    case 'DNS_CHECK':
      return { kind: 'DNS_CHECK', type: ch.query_type, name: ch.name, common: common(ch) };
    case 'MISC_CHECK':
      return { kind: 'MISC_CHECK', path: mergedUsrCommand(ch.script), timeout: ch.timeout, dynamic: ch.dynamic };
  }
}

const METHOD: Record<string, string> = { nat: 'NAT', dr: 'DR', tun: 'TUN' };

function realServerView(rs: RealServer, vs: VirtualServer): KaRealServer {
  const check = rs.check ?? vs.check;
  return {
    address: rs.address,
    port: rs.port ?? vs.port ?? 0,
    weight: rs.weight,
    ...(rs.forwarding && rs.forwarding !== vs.forwarding ? { method: METHOD[rs.forwarding]! } : {}),
    ...(check ? { checker: checkerView(check) } : {}),
  };
}

function virtualServerView(vs: VirtualServer, smtp: boolean): KaVirtualServer {
  const sorry = vs.sorry_server ? splitHostPort(vs.sorry_server) : undefined;
  return {
    ...(vs.name ? { comment: vs.name } : {}),
    address: vs.fwmark !== undefined ? `fwmark ${vs.fwmark}` : `${vs.vip} ${vs.port}`,
    delayLoop: vs.delay_loop,
    scheduler: vs.scheduler,
    method: METHOD[vs.forwarding]!,
    ...(vs.fwmark === undefined ? { protocol: vs.protocol.toUpperCase() } : {}),
    ...(vs.persistence
      ? { persistence: { timeout: vs.persistence.timeout, granularity: vs.persistence.netmask } }
      : {}),
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    alpha: vs.alpha,
    omega: vs.omega,
    inhibitOnFailure: vs.inhibit_on_failure,
    ...(sorry ? { sorryServer: `${sorry.host} ${sorry.port ?? vs.port ?? 0}` } : {}),
    smtpAlert: smtp,
    realServers: vs.real_servers.map((rs) => realServerView(rs, vs)),
  };
}

/**
 * The VRRP instance the IPVS sync daemon follows: the one holding the first virtual server's VIP
 * (fwmark services: the first instance). The sync daemon sends connection state while that
 * instance is MASTER and receives it while BACKUP.
 */
export function syncInstance(config: PillarsConfig): VrrpInstance | undefined {
  const vrrp = config.vrrp;
  const director = config.director;
  if (!vrrp || !director) return undefined;
  for (const vs of director.virtual_servers) {
    if (vs.vip === undefined) continue;
    const ip = parseIp(vs.vip);
    const inst = vrrp.instances.find((i) =>
      i.vips.some((v) => {
        const p = parseIp(v.split('/')[0]!);
        return !!p && !!ip && p.family === ip.family && p.value === ip.value;
      }),
    );
    if (inst) return inst;
  }
  return vrrp.instances[0];
}

/** The pair's BFD session from this node, when the config has one (the validator made sure it can). */
function bfdView(input: ViewInput): KaBfd | undefined {
  const b = input.config.vrrp?.bfd;
  if (!b) return undefined;
  const r = bfdEnds(input.config, input.nodeName);
  if (!r.ok) throw new Error(`vrrp.bfd: ${r.message}`);
  return {
    name: BFD_INSTANCE,
    ...r.ends,
    minRx: b.min_rx,
    minTx: b.min_tx,
    idleTx: b.idle_tx,
    multiplier: b.multiplier,
    multihop: b.multihop,
  };
}

export function keepalivedView(input: ViewInput): KeepalivedView {
  const { config, nodeName, node } = input;
  const vrrp = config.vrrp;
  const director = config.director;
  const alerts = config.alerts;
  const smtp = !!alerts;

  const usedScripts = new Set(vrrp ? vrrp.instances.flatMap((i) => i.track_scripts) : []);
  const scripts: KaScript[] = vrrp
    ? Object.entries(vrrp.scripts)
        .filter(([name]) => usedScripts.has(name))
        .map(([name, s]) => ({
          name,
          script: mergedUsrCommand(s.script),
          interval: s.interval,
          timeout: s.timeout,
          weight: s.weight,
          fall: s.fall,
          rise: s.rise,
        }))
    : [];
  const weighted = new Set(scripts.filter((s) => s.weight !== 0).map((s) => s.name));

  const notify = statesyncNotify(input);
  const grouped = new Set(vrrp ? vrrp.sync_groups.flatMap((g) => g.instances) : []);
  const bfd = bfdView(input);
  const trackers = bfdTrackers(config);
  const track: KaTrackBfd[] = vrrp?.bfd ? [{ name: BFD_INSTANCE, ...bfdWeight(vrrp.bfd) }] : [];
  const instances = vrrp
    ? vrrp.instances.map((i) => ({
        ...instanceView(i, input, smtp),
        ...(bfd && trackers.has(i.name) ? { trackBfd: track } : {}),
        ...(notify && !grouped.has(i.name) ? { notify } : {}),
      }))
    : [];
  const syncGroups: KaSyncGroup[] = vrrp
    ? vrrp.sync_groups.map((g) => ({
        name: g.name,
        ...(notify ? { notify } : {}),
        instances: [...g.instances],
        smtpAlert: smtp,
        trackingWeight: vrrp.instances.some(
          (i) =>
            g.instances.includes(i.name) &&
            (i.track_scripts.some((t) => weighted.has(t)) || (!!bfd && trackers.has(i.name))),
        ),
      }))
    : [];

  const fast = !!vrrp && vrrp.instances.some((i) => i.advert_int < REALTIME_BELOW_ADVERT_MS);
  const usesMisc =
    !!director &&
    director.virtual_servers.some(
      (vs) => vs.check?.type === 'MISC_CHECK' || vs.real_servers.some((rs) => rs.check?.type === 'MISC_CHECK'),
    );
  const smtpHost = alerts ? splitHostPort(alerts.smtp_server) : undefined;

  return {
    global: {
      routerId: hostnameOf(nodeName, node),
      notifyFifo: input.eventFifo,
      scriptSecurity: scripts.length > 0 || usesMisc || !!notify,
      ...(alerts && smtpHost
        ? {
            smtp: {
              server: smtpHost.host,
              ...(smtpHost.port ? { port: smtpHost.port } : {}),
              from: alerts.from,
              to: [...alerts.to],
            },
          }
        : {}),
      fast,
      checkerNoSwap: fast && !!director,
      bfd: !!bfd,
    },
    ...(bfd ? { bfd } : {}),
    scripts,
    syncGroups,
    instances,
    virtualServers: director ? director.virtual_servers.map((vs) => virtualServerView(vs, smtp)) : [],
  };
}
