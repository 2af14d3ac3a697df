/**
 * heartbeat has no config-test flag, so its three files are checked here the way heartbeat 3.0.6
 * reads them (config.c: parse_config, parse_authfile, parse_ha_resources), before heartbeat is
 * started: ha.cf directives and their arguments, the time syntax, heartbeat's own timer rules, the
 * order rules (udpport before ucast/bcast/mcast, baud before serial), the node list; authkeys'
 * "auth N" first, its methods and keys, mode 0600; haresources' node names and resource scripts.
 * Pure (the caller supplies the file mode and which resource scripts exist). Messages are
 * "file:line: what".
 */
import { haresourcesLines, parseResourceLine } from '../../config/haresources.js';

/** ha.cf directives heartbeat 3 knows (Directives[] and WLdirectives[] of config.c, and the media/ping plugins). */
const DIRECTIVES = new Set([
  'node',
  'hopfudge',
  'keepalive',
  'deadtime',
  'deadping',
  'initdead',
  'warntime',
  'watchdog',
  'baud',
  'udpport',
  'logfacility',
  'logfile',
  'debugfile',
  'nice_failback',
  'auto_failback',
  'rtprio',
  'generation_method',
  'realtime',
  'debug',
  'msgfmt',
  'use_logd',
  'conn_logd_time',
  'use_apphbd',
  'badpack_warn',
  'coredumps',
  'coreroot',
  'crm',
  'pacemaker',
  'autojoin',
  'uuidfrom',
  'compression',
  'compression_threshold',
  'traditional_compression',
  'env',
  'max_rexmit_delay',
  'record_config_changes',
  'record_pengine_inputs',
  'enable_config_writes',
  'stonith',
  'stonith_host',
  'apiauth',
  'respawn',
  // media and ping plugins (HBcomm)
  'bcast',
  'mcast',
  'mcast6',
  'ucast',
  'ucast6',
  'serial',
  'ping',
  'ping6',
  'ping_group',
]);
const TIME = /^(\d+)(\.\d+)?(ms|us|s)?$/;
const BAUDS = new Set(['9600', '19200', '38400', '57600', '115200', '230400', '460800']);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** heartbeat's get_msec(): seconds (with a fraction) or a ms/us/s suffix → ms; undefined when unreadable. */
export function haMs(word: string): number | undefined {
  const m = TIME.exec(word);
  if (!m) return undefined;
  const n = Number(m[1]! + (m[2] ?? ''));
  return m[3] === 'ms' ? n : m[3] === 'us' ? n / 1000 : n * 1000;
}

export interface HaCfFacts {
  nodes: string[];
  errors: string[];
}

function words(line: string): string[] {
  return line
    .replace(/#.*$/, '')
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
}

export function checkHaCf(text: string, file = 'ha.cf'): HaCfFacts {
  const errors: string[] = [];
  const nodes: string[] = [];
  const ms: Record<string, number> = {};
  let media = 0;
  let udpportSeen = false;
  let baudSeen = false;
  const err = (n: number, m: string) => errors.push(`${file}:${n}: ${m}`);
  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const w = words(raw);
    if (w.length === 0) return;
    const [key, ...args] = w as [string, ...string[]];
    if (!DIRECTIVES.has(key)) return err(n, `unknown directive "${key}"`);
    const need = (k: number, what: string) => (args.length < k ? (err(n, `${key} needs ${what}`), false) : true);
    switch (key) {
      case 'keepalive':
      case 'deadtime':
      case 'warntime':
      case 'initdead':
      case 'deadping': {
        if (args.length !== 1) return err(n, `${key} takes one time value`);
        const v = haMs(args[0]!);
        if (v === undefined || v <= 0)
          return err(n, `${key}: "${args[0]}" is not a time (seconds, or a number with ms)`);
        ms[key] = v;
        return;
      }
      case 'udpport':
        if (args.length !== 1 || !/^\d+$/.test(args[0]!) || Number(args[0]) < 1 || Number(args[0]) > 65535)
          return err(n, 'udpport takes one port 1-65535');
        udpportSeen = true;
        return;
      case 'baud':
        if (args.length !== 1 || !BAUDS.has(args[0]!))
          return err(n, `baud: "${args.join(' ')}" is not a serial speed heartbeat knows`);
        baudSeen = true;
        return;
      case 'bcast':
        if (!need(1, 'an interface')) return;
        if (!udpportSeen) err(n, 'udpport must come before bcast (heartbeat binds the port when it reads the medium)');
        media++;
        return;
      case 'ucast':
        if (args.length !== 2 || !IPV4.test(args[1]!))
          return err(n, "ucast takes an interface and the peer's IPv4 address");
        if (!udpportSeen) err(n, 'udpport must come before ucast');
        media++;
        return;
      case 'mcast':
        if (args.length !== 5) return err(n, 'mcast takes: interface group port ttl loop');
        if (!IPV4.test(args[1]!) || Number(args[1]!.split('.')[0]) < 224 || Number(args[1]!.split('.')[0]) > 239)
          err(n, `mcast: ${args[1]} is not a multicast group`);
        if (!/^\d+$/.test(args[3]!) || Number(args[3]) < 1 || Number(args[3]) > 255) err(n, 'mcast: ttl must be 1-255');
        if (args[4] !== '0' && args[4] !== '1') err(n, 'mcast: loop must be 0 or 1');
        media++;
        return;
      case 'serial':
        if (!need(1, 'a device')) return;
        if (!baudSeen)
          err(n, 'baud must come before serial (heartbeat opens the port with the speed it has read so far)');
        for (const dev of args) if (!/^\/dev\//.test(dev)) err(n, `serial: ${dev} is not a device path`);
        media++;
        return;
      case 'auto_failback':
        if (args.length !== 1 || !['on', 'off', 'legacy', 'yes', 'no', 'true', 'false'].includes(args[0]!))
          err(n, 'auto_failback takes on, off or legacy');
        return;
      case 'node':
        if (!need(1, 'a node name')) return;
        nodes.push(...args.map((a) => a.toLowerCase()));
        return;
      case 'ping':
        if (!need(1, 'an address')) return;
        for (const a of args) if (!IPV4.test(a)) err(n, `ping: ${a} is not an IPv4 address`);
        return;
      case 'ping_group':
        if (!need(2, 'a name and addresses')) return;
        for (const a of args.slice(1)) if (!IPV4.test(a)) err(n, `ping_group: ${a} is not an IPv4 address`);
        return;
      case 'respawn':
        if (!need(2, 'a user and a program')) return;
        if (!args[1]!.startsWith('/')) err(n, `respawn: ${args[1]} is not an absolute path`);
        return;
      case 'apiauth':
        if (!need(2, 'an API group and uid=/gid=')) return;
        for (const a of args.slice(1))
          if (!/^(uid|gid)=[A-Za-z0-9_,-]+$/.test(a)) err(n, `apiauth: "${a}" is not uid=… or gid=…`);
        return;
      case 'stonith_host':
        if (!need(2, 'a host (or *) and a STONITH type')) return;
        return;
      case 'watchdog':
        if (args.length !== 1 || !args[0]!.startsWith('/dev/')) err(n, 'watchdog takes one device');
        return;
      default:
        return;
    }
  });
  if (media === 0) errors.push(`${file}: no heartbeat media defined (bcast, ucast, mcast or serial)`);
  if (nodes.length === 0) errors.push(`${file}: no nodes defined (node …)`);
  const keepalive = ms.keepalive ?? 1000;
  const deadtime = ms.deadtime ?? 30000;
  if (deadtime <= 2 * keepalive)
    errors.push(
      `${file}: deadtime (${deadtime} ms) is too small compared to keepalive (${keepalive} ms): it must be more than twice keepalive`,
    );
  const warntime = ms.warntime;
  if (warntime !== undefined && (warntime <= keepalive || warntime >= deadtime))
    errors.push(`${file}: warntime (${warntime} ms) must lie between keepalive and deadtime`);
  const initdead = ms.initdead;
  if (initdead !== undefined && initdead < deadtime)
    errors.push(`${file}: initdead (${initdead} ms) is smaller than deadtime (${deadtime} ms)`);
  return { nodes, errors };
}

export function checkAuthkeys(text: string, mode: number | undefined, file = 'authkeys'): string[] {
  const errors: string[] = [];
  if (mode !== undefined && (mode & 0o077) !== 0)
    errors.push(
      `${file}: mode ${(mode & 0o777).toString(8)}: heartbeat refuses an authkeys file readable by group or others (needs 600)`,
    );
  let active: { id: string; line: number } | undefined;
  const keys = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const w = words(raw);
    if (w.length === 0) return;
    if (w[0] === 'auth') {
      if (active) return errors.push(`${file}:${n}: a second auth directive (there must be exactly one)`);
      if (w.length !== 2 || !/^\d+$/.test(w[1]!)) return errors.push(`${file}:${n}: auth takes one key number`);
      if (keys.size > 0) errors.push(`${file}:${n}: auth must come before the keys`);
      active = { id: w[1]!, line: n };
      return;
    }
    const [id, method, key, ...extra] = w;
    if (!/^\d+$/.test(id!))
      return errors.push(`${file}:${n}: expected "<number> <method> [key]", got "${w.join(' ')}"`);
    if (keys.has(id!)) errors.push(`${file}:${n}: key ${id} is already defined on line ${keys.get(id!)}`);
    keys.set(id!, n);
    if (method !== 'sha1' && method !== 'md5' && method !== 'crc')
      return errors.push(`${file}:${n}: unknown method "${method ?? ''}" (sha1, md5 or crc)`);
    if (method === 'crc' && key !== undefined) errors.push(`${file}:${n}: crc takes no key`);
    if (method !== 'crc' && key === undefined) errors.push(`${file}:${n}: ${method} needs a key`);
    if (extra.length > 0) errors.push(`${file}:${n}: the key must be one word`);
  });
  if (!active) errors.push(`${file}: no auth directive`);
  else if (!keys.has(active.id)) errors.push(`${file}:${active.line}: auth ${active.id} names no key in the file`);
  return errors;
}

/**
 * haresources: every line's first word is a node of ha.cf, every resource script exists (heartbeat
 * looks in /etc/ha.d/resource.d, then /etc/init.d), and an address resource is readable.
 */
export function checkHaresources(
  text: string,
  nodes: readonly string[],
  scriptExists: (name: string) => boolean,
  file = 'haresources',
): string[] {
  const errors: string[] = [];
  const lines = haresourcesLines(text);
  if (lines.length === 0) errors.push(`${file}: no resource groups`);
  for (const l of lines) {
    const parsed = parseResourceLine(l.text);
    if (!parsed) {
      errors.push(`${file}:${l.line}: a line needs a node and at least one resource`);
      continue;
    }
    if (!nodes.includes(parsed.node.toLowerCase()))
      errors.push(`${file}:${l.line}: ${parsed.node} is not a node of ha.cf (${nodes.join(', ')})`);
    for (const r of parsed.resources) {
      if (!scriptExists(r.name))
        errors.push(`${file}:${l.line}: no resource script ${r.name} (in /etc/ha.d/resource.d or /etc/init.d)`);
      if (
        (r.name === 'IPaddr' || r.name === 'IPaddr2') &&
        !/^[0-9a-fA-F.:]+(\/\d+)?(\/[A-Za-z][A-Za-z0-9_.-]*)?(\/[0-9.]+)?$/.test(r.args[0] ?? '')
      )
        errors.push(`${file}:${l.line}: ${r.text}: expected ${r.name}::address[/prefix[/interface]]`);
      if (
        r.name === 'Filesystem' &&
        (r.args.length < 3 || !r.args[0]!.startsWith('/dev/') || !r.args[1]!.startsWith('/'))
      )
        errors.push(`${file}:${l.line}: ${r.text}: expected Filesystem::device::mountpoint::fstype[::options]`);
      if (r.name === 'drbddisk' && r.args.length > 1)
        errors.push(`${file}:${l.line}: ${r.text}: drbddisk takes one resource name`);
    }
  }
  return errors;
}
