/**
 * The IPVS connection sync of a director as the kernel reports it: which sync daemons run
 * (`ipvsadm -L --daemon`) and how many entries the connection table holds, and how many of them
 * came from the peer's sync daemon (/proc/net/ip_vs_conn_sync, whose Origin column says SYNC for
 * those and LOCAL for the connections this director scheduled itself). Pure; the caller runs
 * ipvsadm and reads /proc.
 */

export interface IpvsSyncDaemon {
  role: 'master' | 'backup';
  /** The interface the daemon sends or listens on (`mcast=`). */
  interface: string;
  syncid: number;
  maxlen?: number;
  /** The multicast group, port and TTL, where the kernel reports them. */
  group?: string;
  port?: number;
  ttl?: number;
}

export interface IpvsConnCount {
  /** Entries in the connection table (connections and persistence templates). */
  entries: number;
  /** Entries the backup sync daemon learnt from the peer. */
  synced: number;
}

export interface IpvsSyncStatus {
  daemons: IpvsSyncDaemon[];
  connections?: IpvsConnCount;
  /** What could not be read (ipvsadm failed, no /proc/net/ip_vs_conn_sync). */
  error?: string;
}

/**
 * `ipvsadm -L --daemon` (ipvsadm 1.31): one line per running daemon,
 * `master sync daemon (mcast=sync, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)`;
 * nothing when none runs.
 */
export function parseIpvsDaemons(text: string): IpvsSyncDaemon[] {
  const out: IpvsSyncDaemon[] = [];
  for (const line of text.split('\n')) {
    const m = /^(master|backup) sync daemon \((.*)\)\s*$/.exec(line.trim());
    if (!m) continue;
    const kv = new Map<string, string>();
    for (const part of m[2]!.split(',')) {
      const i = part.indexOf('=');
      if (i > 0) kv.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
    }
    const n = (k: string) => (kv.has(k) && /^\d+$/.test(kv.get(k)!) ? { [k]: Number(kv.get(k)) } : {});
    out.push({
      role: m[1] as IpvsSyncDaemon['role'],
      interface: kv.get('mcast') ?? '',
      syncid: Number(kv.get('syncid') ?? 0),
      ...n('maxlen'),
      ...(kv.has('group') ? { group: kv.get('group')! } : {}),
      ...n('port'),
      ...n('ttl'),
    });
  }
  return out;
}

/**
 * Counts /proc/net/ip_vs_conn_sync as it streams in (the table can hold millions of entries: the
 * text is never kept whole). A line is `Pro FromIP FPrt ToIP TPrt DestIP DPrt State Origin
 * Expires`, the addresses in hex (IPv4) or as IPv6 text; the header line starts with `Pro`.
 */
export function ipvsConnCounter(): { push(chunk: string): void; end(): IpvsConnCount } {
  const count: IpvsConnCount = { entries: 0, synced: 0 };
  let rest = '';
  const line = (l: string) => {
    const f = l.trim().split(/\s+/);
    if (f.length < 10 || f[0] === 'Pro') return;
    count.entries++;
    if (f[8] === 'SYNC') count.synced++;
  };
  return {
    push(chunk) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) line(l);
    },
    end() {
      if (rest) line(rest);
      rest = '';
      return { ...count };
    },
  };
}

export function countIpvsConnections(text: string): IpvsConnCount {
  const c = ipvsConnCounter();
  c.push(text);
  return c.end();
}

/**
 * One line for the status texts: `master (sync, id 51) + backup (sync, id 51); 12 connections, 12
 * synced from the peer`, or in short (a column of the cluster view): `master+backup; 12 conns, 12 synced`.
 */
export function formatIpvsSync(s: IpvsSyncStatus, short = false): string {
  const roles = s.daemons.map((d) => d.role);
  const daemons = !s.daemons.length
    ? 'no sync daemon'
    : short
      ? roles.join('+')
      : s.daemons.map((d) => `${d.role} (${d.interface}, id ${d.syncid})`).join(' + ');
  const c = s.connections;
  const conns = !c
    ? ''
    : short
      ? `; ${c.entries} conns, ${c.synced} synced`
      : `; ${c.entries} connection${c.entries === 1 ? '' : 's'}, ${c.synced} synced from the peer`;
  return `${daemons}${conns}${s.error ? `; ${short ? 'ERROR' : s.error}` : ''}`;
}
