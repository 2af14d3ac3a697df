/**
 * The LVS pool as `pillarsctl status` shows it: `ipvsadm -L -n` (scheduler, flags, forward method,
 * weight, ActiveConn, InActConn) and `ipvsadm -L -n --stats --exact` (connections, packets, bytes)
 * parsed into one model, joined with the check states the supervisor recorded from keepalived's
 * real-server events, and printed in ipvsadm's layout with a CHECK column. Pure: the caller runs
 * ipvsadm and reads the status.
 */

export interface IpvsStats {
  conns: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
}

export type ForwardMethod = 'nat' | 'dr' | 'tun' | 'local' | 'bypass';

export interface PoolRealServer {
  /** `addr:port` as ipvsadm prints it (`[v6]:port` for IPv6). */
  address: string;
  /** ipvsadm's word: Masq, Route, Tunnel, Local, Bypass. */
  forward: string;
  method: ForwardMethod | undefined;
  weight: number;
  activeConn: number;
  inactConn: number;
  stats?: IpvsStats;
  /** UP / DOWN from keepalived's checker, when it reported one. */
  check?: string;
}

export interface PoolService {
  /** TCP, UDP, SCTP or FWM. */
  protocol: string;
  /** `vip:port`, or the mark for FWM. */
  address: string;
  scheduler: string;
  /** Everything ipvsadm prints after the scheduler (`persistent 300 mask …`, `ops`, `(sh-port)`). */
  flags: string;
  persistence?: { timeout: number; netmask?: string };
  realServers: PoolRealServer[];
  stats?: IpvsStats;
}

const FORWARD: Record<string, ForwardMethod> = {
  Masq: 'nat',
  Route: 'dr',
  Tunnel: 'tun',
  Local: 'local',
  Bypass: 'bypass',
};
const SERVICE_LINE = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s*(.*)$/;
const SERVER_LINE = /^\s+->\s+(\S+)\s*(.*)$/;

/** ipvsadm numbers: exact, or with K/M/G/T suffixes (1000-based, as ipvsadm prints them without --exact). */
export function parseCount(word: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(word);
  if (!m) return NaN;
  const mult = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.round(Number(m[1]) * mult);
}

function isHeader(line: string): boolean {
  return (
    /^IP Virtual Server version/.test(line) || /^Prot LocalAddress/.test(line) || /^\s+-> RemoteAddress/.test(line)
  );
}

/** `ipvsadm -L -n` → services with their real servers (no stats). Unknown lines are skipped. */
export function parseIpvsList(text: string): PoolService[] {
  const out: PoolService[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || isHeader(line)) continue;
    const s = SERVICE_LINE.exec(line);
    if (s) {
      const [, protocol, address, rest] = s as unknown as [string, string, string, string];
      const words = rest.trim().split(/\s+/).filter(Boolean);
      const scheduler = words.shift() ?? '';
      const flags = words.join(' ');
      const svc: PoolService = { protocol, address, scheduler, flags, realServers: [] };
      const p = words.indexOf('persistent');
      if (p >= 0) {
        const timeout = Number(words[p + 1]);
        const mi = words.indexOf('mask');
        svc.persistence = { timeout, ...(mi >= 0 && words[mi + 1] ? { netmask: words[mi + 1] } : {}) };
      }
      out.push(svc);
      continue;
    }
    const r = SERVER_LINE.exec(line);
    const svc = out[out.length - 1];
    if (r && svc) {
      const [, address, rest] = r as unknown as [string, string, string];
      const [forward = '', weight = '', active = '', inact = ''] = rest.trim().split(/\s+/);
      svc.realServers.push({
        address,
        forward,
        method: FORWARD[forward],
        weight: parseCount(weight),
        activeConn: parseCount(active),
        inactConn: parseCount(inact),
      });
    }
  }
  return out;
}

function parseStatsWords(words: readonly string[]): IpvsStats | undefined {
  if (words.length < 5) return undefined;
  const [conns, inPkts, outPkts, inBytes, outBytes] = words.slice(0, 5).map(parseCount) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if ([conns, inPkts, outPkts, inBytes, outBytes].some((n) => Number.isNaN(n))) return undefined;
  return { conns, inPkts, outPkts, inBytes, outBytes };
}

/** `ipvsadm -L -n --stats` → per service and real server: the counters. Keys as in the list. */
export function parseIpvsStats(text: string): Array<{
  protocol: string;
  address: string;
  stats: IpvsStats;
  realServers: Array<{ address: string; stats: IpvsStats }>;
}> {
  const out: ReturnType<typeof parseIpvsStats> = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || isHeader(line)) continue;
    const s = SERVICE_LINE.exec(line);
    if (s) {
      const stats = parseStatsWords(s[3]!.trim().split(/\s+/));
      if (stats) out.push({ protocol: s[1]!, address: s[2]!, stats, realServers: [] });
      continue;
    }
    const r = SERVER_LINE.exec(line);
    const svc = out[out.length - 1];
    if (r && svc) {
      const stats = parseStatsWords(r[2]!.trim().split(/\s+/));
      if (stats) svc.realServers.push({ address: r[1]!, stats });
    }
  }
  return out;
}

/** addr:port or [v6]:port → a comparable key `addr|port`. */
function hostPortKey(s: string): string {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) return `${v6[1]!.toLowerCase()}|${v6[2]}`;
  const i = s.lastIndexOf(':');
  return i < 0 ? s : `${s.slice(0, i).toLowerCase()}|${s.slice(i + 1)}`;
}

function serviceKey(protocol: string, address: string): string {
  return protocol === 'FWM' ? `fwm|${address}` : `${protocol.toLowerCase()}|${hostPortKey(address)}`;
}

/**
 * Check states from the supervisor's status: keepalived's service annotations
 * `lvs.<vip>:<port>/<proto>.<rs>:<port>/<proto>` (or `lvs.fwmark <mark>.<rs>…`) = UP | DOWN.
 * Returns service key → real server key → state.
 */
export function checkStates(info: Record<string, { value: unknown } | unknown>): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const ADDR = String.raw`(?:\[[^\]]+\]|[^/\s]+):\d+\/[a-z0-9?]+`;
  const re = new RegExp(String.raw`^lvs\.(fwmark (\d+)|${ADDR})\.(${ADDR})$`);
  const split = (a: string) => {
    const m = /^(.*):(\d+)\/([a-z0-9?]+)$/.exec(a)!;
    return { host: m[1]!.replace(/^\[|\]$/g, '').toLowerCase(), port: m[2]!, proto: m[3]! };
  };
  for (const [key, raw] of Object.entries(info)) {
    const m = re.exec(key);
    if (!m) continue;
    const value = typeof raw === 'object' && raw !== null && 'value' in raw ? (raw as { value: unknown }).value : raw;
    if (typeof value !== 'string') continue;
    let sk: string;
    if (m[2] !== undefined) sk = `fwm|${m[2]}`;
    else {
      const a = split(m[1]!);
      sk = `${a.proto}|${a.host}|${a.port}`;
    }
    const r = split(m[3]!);
    if (!out.has(sk)) out.set(sk, new Map());
    out.get(sk)!.set(`${r.host}|${r.port}`, value);
  }
  return out;
}

/** The list joined with its stats and the check states. */
export function buildPool(
  listText: string,
  statsText?: string,
  checks: Map<string, Map<string, string>> = new Map(),
): PoolService[] {
  const services = parseIpvsList(listText);
  const stats = statsText ? parseIpvsStats(statsText) : [];
  for (const svc of services) {
    const key = serviceKey(svc.protocol, svc.address);
    const st = stats.find((x) => serviceKey(x.protocol, x.address) === key);
    if (st) svc.stats = st.stats;
    const states = checks.get(key);
    for (const rs of svc.realServers) {
      const rst = st?.realServers.find((x) => hostPortKey(x.address) === hostPortKey(rs.address));
      if (rst) rs.stats = rst.stats;
      const c = states?.get(hostPortKey(rs.address));
      if (c !== undefined) rs.check = c;
    }
  }
  return services;
}

/**
 * Real servers keepalived reported DOWN are not in IPVS any more (unless inhibit_on_failure keeps
 * them at weight 0): list them too, so the admin sees the whole pool.
 */
export function addMissingDown(services: PoolService[], checks: Map<string, Map<string, string>>): PoolService[] {
  for (const svc of services) {
    const states = checks.get(serviceKey(svc.protocol, svc.address));
    if (!states) continue;
    for (const [rsKey, state] of states) {
      if (state === 'UP' || svc.realServers.some((rs) => hostPortKey(rs.address) === rsKey)) continue;
      const [host, port] = rsKey.split('|') as [string, string];
      svc.realServers.push({
        address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
        forward: '-',
        method: undefined,
        weight: 0,
        activeConn: 0,
        inactConn: 0,
        check: state,
      });
    }
  }
  return services;
}

/** ipvsadm's own columns (`  -> %-28s %-7s %-6d %-10u %-10u`), then CHECK and the counters. */
export function formatPool(services: readonly PoolService[]): string[] {
  if (services.length === 0) return ['(no virtual services)'];
  const lines = [
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn  Check  Conns    InPkts   OutPkts',
  ];
  for (const svc of services) {
    const st = svc.stats
      ? `  (conns ${svc.stats.conns}, in ${svc.stats.inPkts} pkts, out ${svc.stats.outPkts} pkts)`
      : '';
    lines.push(`${svc.protocol.padEnd(4)} ${svc.address} ${svc.scheduler}${svc.flags ? ' ' + svc.flags : ''}${st}`);
    for (const rs of svc.realServers) {
      const s = rs.stats;
      const cols = [
        rs.address.padEnd(28),
        rs.forward.padEnd(7),
        String(rs.weight).padEnd(6),
        String(rs.activeConn).padEnd(10),
        String(rs.inactConn).padEnd(10),
        (rs.check ?? '-').padEnd(6),
      ];
      if (s) cols.push(String(s.conns).padEnd(8), String(s.inPkts).padEnd(8), String(s.outPkts));
      lines.push(`  -> ${cols.join(' ')}`.trimEnd());
    }
  }
  return lines;
}
