/**
 * The status page as data: everything the HTML template prints (durations, classes, ipvsadm-style
 * rows, sparkline points) computed here from the cluster view, so the template only prints and
 * the decisions are unit-testable. Pure.
 */
import { formatDuration } from '../supervisor/status-format.js';
import type { PoolService } from '../pillarsctl/ipvs.js';
import {
  clusterNodes,
  configMismatch,
  mergedTimeline,
  stickSync,
  type ClusterNode,
  type ClusterView,
} from './cluster.js';
import { sparkline, type Sparkline } from './graph.js';
import type { ConntrackdSync } from './conntrackd-stats.js';
import type { IpvsSyncStatus } from './ipvs-sync.js';
import type { ServiceView } from './snapshot.js';
import { IPVS_SYNC_SERVICE } from '../roles/keepalived/ipvs-sync.js';
import { serverGraphKey, serviceGraphKey } from './sampler.js';

export interface Row {
  cells: string[];
  cls?: string;
}

export interface PoolView {
  title: string;
  stats: string;
  graph: Sparkline;
  servers: Array<{ cells: string[]; check: string; checkCls: string; graph: Sparkline }>;
}

export interface NodeCardView {
  name: string;
  self: boolean;
  reachable: boolean;
  /** MASTER / BACKUP / mixed / UNCONFIGURED / UNREACHABLE: the node's role at a glance. */
  headline: string;
  headlineCls: string;
  note?: string;
  facts: Array<[string, string]>;
  config?: { generation: number; sha: string; shaFull: string; mismatch: boolean };
  instances: Row[];
  groups: Row[];
  services: Row[];
  pool?: PoolView[];
  poolError?: string;
  firewall: Row[];
  conntrack?: string;
  /** conntrackd's sync link: messages, bytes and errors each way, then what the counts mean. */
  conntrackSync?: { link: string; rows: Row[]; notes: string[] };
  ipvsSync?: IpvsSyncCard;
}

/** A director's IPVS connection sync: one row per sync daemon (running or not), the connection table. */
export interface IpvsSyncCard {
  daemons: Row[];
  connections?: string;
  error?: string;
}

export interface PageView {
  title: string;
  at: string;
  config?: { mismatch: boolean; text: string };
  /** How the two config sticks stand (config sync). */
  sticks?: { conflict: boolean; behind: boolean; text: string };
  nodes: NodeCardView[];
  timeline: Row[];
}

const stateCls = (s: string) =>
  /^(MASTER|UP|ready|done|running|local)$/.test(s)
    ? 'ok'
    : /^(BACKUP|starting|waiting-deps|standby)$/.test(s)
      ? 'standby'
      : /^(FAULT|DOWN|failed|backoff|STOP)$/.test(s)
        ? 'bad'
        : 'other';

function headline(n: ClusterNode): { headline: string; headlineCls: string } {
  if (!n.reachable && !n.snapshot) return { headline: 'UNREACHABLE', headlineCls: 'bad' };
  const s = n.snapshot!;
  if (!n.reachable) return { headline: 'UNREACHABLE', headlineCls: 'bad' };
  if (!s.configured) return { headline: 'UNCONFIGURED', headlineCls: 'bad' };
  const states = [...new Set(s.instances.filter((i) => i.kind !== 'vrrp-group').map((i) => i.state))];
  const groups = s.resourceGroups?.map((g) => g.state) ?? [];
  const all = [...states, ...groups];
  if (all.length === 0) return { headline: 'UP', headlineCls: 'ok' };
  if (all.length === 1) return { headline: all[0]!, headlineCls: stateCls(all[0]!) };
  return { headline: all.join(' / '), headlineCls: 'other' };
}

const n = (v: number | undefined) => (v === undefined ? '' : String(v));

function poolView(
  pool: readonly PoolService[],
  graphs: Record<string, Array<[number, number]>>,
  now: number,
): PoolView[] {
  return pool.map((svc) => ({
    title: `${svc.protocol.padEnd(4)} ${svc.address} ${svc.scheduler}${svc.flags ? ' ' + svc.flags : ''}`,
    stats: svc.stats
      ? `${svc.stats.conns} conns, ${svc.stats.inPkts} in / ${svc.stats.outPkts} out pkts, ${svc.stats.inBytes} / ${svc.stats.outBytes} bytes`
      : '',
    graph: sparkline(graphs[serviceGraphKey(svc)] ?? [], now, 'pkt/s'),
    servers: svc.realServers.map((rs) => ({
      cells: [
        rs.address,
        rs.forward,
        String(rs.weight),
        String(rs.activeConn),
        String(rs.inactConn),
        n(rs.stats?.conns),
        n(rs.stats?.inPkts),
        n(rs.stats?.outPkts),
        n(rs.stats?.inBytes),
        n(rs.stats?.outBytes),
      ],
      check: rs.check ?? '-',
      checkCls: rs.check ? stateCls(rs.check) : 'other',
      graph: sparkline(graphs[serverGraphKey(svc, rs.address)] ?? [], now, 'pkt/s', undefined, 64, 18),
    })),
  }));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function conntrackSyncView(c: ConntrackdSync): NonNullable<NodeCardView['conntrackSync']> {
  const p = c.peerStates;
  return {
    link: c.link ? `${c.link.kind} on ${c.link.device}` : '',
    rows: [
      { cells: ['messages', String(c.sent), String(c.received)] },
      { cells: ['bytes', String(c.sentBytes), String(c.receivedBytes)] },
      {
        cells: ['errors', String(c.sendErrors), String(c.receiveErrors + c.malformed)],
        cls: c.errors > 0 ? 'bad' : 'ok',
      },
    ],
    notes: [
      `${plural(c.lost, 'message')} lost in the peer's sequence${c.lost ? ' (FT-FW asks for them again)' : ''}`,
      ...(p
        ? [
            `peer states applied: ${p.created} created, ${p.updated} updated, ${p.destroyed} destroyed, ${p.failed} failed`,
          ]
        : []),
    ],
  };
}

/** The sync daemons a director runs: both, when its ipvs-sync oneshot is in the plan (a missing one is then an error). */
function ipvsSyncCard(v: IpvsSyncStatus, services: readonly ServiceView[]): IpvsSyncCard {
  const expected = services.some((svc) => svc.name === IPVS_SYNC_SERVICE);
  return {
    daemons: (['master', 'backup'] as const).map((role) => {
      const d = v.daemons.find((x) => x.role === role);
      if (!d) return { cells: [role, 'not running', '', '', ''], cls: expected ? 'bad' : 'other' };
      const group = d.group ? `${d.group}${d.port ? `:${d.port}` : ''}` : '';
      return { cells: [role, 'running', d.interface, String(d.syncid), group], cls: 'ok' };
    }),
    ...(v.connections
      ? {
          connections: `${plural(v.connections.entries, 'entry', 'entries')} in the connection table: ${v.connections.entries - v.connections.synced} scheduled here, ${v.connections.synced} synced from the peer`,
        }
      : {}),
    ...(v.error ? { error: v.error } : {}),
  };
}

function card(node: ClusterNode, mismatch: boolean | undefined, now: number): NodeCardView {
  const h = headline(node);
  const s = node.snapshot;
  const note = !node.reachable
    ? `not answering: ${node.error ?? 'unknown'}${node.lastSeen ? `; last seen ${formatDuration(now - node.lastSeen)} ago, its last view below` : ''}`
    : s && !s.configured
      ? `safe state: ${s.reason ?? 'no config'}`
      : undefined;
  const base: NodeCardView = {
    name: node.name,
    self: node.self,
    reachable: node.reachable,
    ...h,
    ...(note ? { note } : {}),
    facts: [],
    instances: [],
    groups: [],
    services: [],
    firewall: [],
  };
  if (!s) return base;
  const at = s.at;
  base.facts.push(['roles', s.roles.join(', ') || '-'], ['uptime', formatDuration(s.uptimeSeconds * 1000)]);
  if (s.bootToReadySeconds !== undefined) base.facts.push(['boot to ready', `${s.bootToReadySeconds.toFixed(2)} s`]);
  if (s.stick)
    base.facts.push([
      'stick',
      `generation ${s.stick.current.generation}, sha256 ${s.stick.current.sha256.slice(0, 12)}${s.sync?.outcome ? `; last sync: ${s.sync.outcome}` : ''}`,
    ]);
  if (s.config)
    base.config = {
      generation: s.config.generation,
      sha: s.config.sha256.slice(0, 12),
      shaFull: s.config.sha256,
      mismatch: mismatch === true,
    };
  base.instances = s.instances.map((i) => ({
    cells: [
      i.kind,
      i.name,
      i.state,
      formatDuration(at - i.since),
      String(i.transitions),
      i.priority !== undefined ? String(i.priority) : '',
    ],
    cls: stateCls(i.state),
  }));
  base.groups = (s.resourceGroups ?? []).map((g) => ({
    cells: [g.name, g.state, formatDuration(at - g.since)],
    cls: stateCls(g.state),
  }));
  base.services = s.services.map((svc) => ({
    cells: [svc.name, svc.state, formatDuration(at - svc.since), String(svc.restarts)],
    cls: stateCls(svc.state),
  }));
  if (s.pool) base.pool = poolView(s.pool, s.graphs ?? {}, at);
  if (s.poolError) base.poolError = s.poolError;
  base.firewall = (s.firewall ?? []).map((c) => ({
    cells: [c.table, c.chain, c.rule, String(c.packets), String(c.bytes)],
  }));
  if (s.conntrack) {
    base.conntrack = `${s.conntrack.entries} of ${s.conntrack.limit} entries`;
    if (s.conntrack.sync) base.conntrackSync = conntrackSyncView(s.conntrack.sync);
  }
  if (s.ipvsSync) base.ipvsSync = ipvsSyncCard(s.ipvsSync, s.services);
  return base;
}

export function pageView(v: ClusterView): PageView {
  const cfg = configMismatch(v);
  const sticks = stickSync(v);
  const nodes = clusterNodes(v);
  return {
    title: `pillars: ${nodes.map((x) => x.name).join(' + ')}`,
    at: new Date(v.at)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC'),
    ...(cfg ? { config: cfg } : {}),
    ...(sticks ? { sticks } : {}),
    nodes: nodes.map((x) => card(x, cfg?.mismatch, v.at)),
    timeline: mergedTimeline(v).map((t) => ({
      cells: [
        new Date(t.at).toISOString().slice(11, 19),
        formatDuration(v.at - t.at) + ' ago',
        t.node,
        `${t.kind} ${t.name}`,
        `${t.from ?? '—'} → ${t.to}`,
        t.cause ?? '',
      ],
      cls: stateCls(t.to),
    })),
  };
}
