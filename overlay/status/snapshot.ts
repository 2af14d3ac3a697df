/**
 * One node's state as the status page, /metrics and `pillarsctl cluster status` show it: plain
 * JSON-able data, the same shape for this node and for the peer (fetched over the peer channel).
 * `buildSnapshot` assembles it from the supervisor's status, the pool view, the timeline and the
 * optional counters of the roles that run; pure.
 */
import { parseLineage, type Lineage, type Version } from '../config/sync.js';
import type { PoolService } from '../pillarsctl/ipvs.js';
import type { ConntrackdSync } from './conntrackd-stats.js';
import type { IpvsSyncStatus } from './ipvs-sync.js';
import type { InstanceCounters, InstanceKind, Transition } from './timeline.js';

export const SNAPSHOT_VERSION = 1;

export interface InstanceView {
  kind: InstanceKind;
  name: string;
  state: string;
  /** ms since the epoch of the last change. */
  since: number;
  transitions: number;
  becameMaster: number;
  releasedMaster: number;
  priority?: number;
}

export interface ServiceView {
  name: string;
  state: string;
  since: number;
  restarts: number;
  pid?: number;
}

/** One nftables rule counter (rules with a `counter` statement). */
export interface FirewallCounter {
  table: string;
  chain: string;
  /** The rule's comment, else its handle. */
  rule: string;
  packets: number;
  bytes: number;
}

export interface ConntrackView {
  entries: number;
  limit: number;
  /** conntrackd's state-sync counters, when statesync runs conntrackd. */
  sync?: ConntrackdSync;
}

/** A heartbeat resource group (haresources line) and where it runs. */
export interface ResourceGroupView {
  name: string;
  state: string;
  since: number;
}

export interface NodeSnapshot {
  version: typeof SNAPSHOT_VERSION;
  node?: string;
  at: number;
  configured: boolean;
  reason?: string;
  roles: string[];
  uptimeSeconds: number;
  bootToReadySeconds?: number;
  config?: { generation: number; sha256: string; device: string; provider: string };
  /** What the config stick holds (its lineage: every version, the current one last). */
  stick?: Lineage;
  /** Config sync with the peer's stick: the mode and how the last sync ended. */
  sync?: { mode: string; outcome?: string; message?: string; at?: number; retrying: boolean };
  instances: InstanceView[];
  transitions: Transition[];
  services: ServiceView[];
  pool?: PoolService[];
  poolError?: string;
  firewall?: FirewallCounter[];
  conntrack?: ConntrackView;
  /** A director's IPVS connection sync: the kernel's sync daemons and the connection table. */
  ipvsSync?: IpvsSyncStatus;
  resourceGroups?: ResourceGroupView[];
  /** Per-second rates for the last hour: key → [[at, value], …] (pool services and real servers). */
  graphs?: Record<string, Array<[number, number]>>;
}

/** The supervisor's status JSON (what `pillarsctl status --json` prints), as far as read here. */
export interface StatusJsonLike {
  supervisor?: { uptime?: number };
  config?: {
    state?: string;
    node?: string;
    roles?: string[];
    reason?: string;
    source?: { generation?: number; checksum?: string; device?: string; provider?: string };
  };
  sync?: {
    mode?: string;
    lineage?: unknown;
    base?: Version;
    last?: { at: number; outcome: string; message: string };
    retrying?: boolean;
  };
  services?: Array<{
    name: string;
    state: string;
    since: number;
    restarts: number;
    pid?: number;
    info?: Record<string, { value: unknown; since: number }>;
  }>;
  at?: number;
}

export interface SnapshotExtras {
  timeline?: { transitions: Transition[]; instances: InstanceCounters[] };
  bootToReadySeconds?: number;
  pool?: { pool: PoolService[] } | { error: string };
  firewall?: FirewallCounter[];
  conntrack?: ConntrackView;
  ipvsSync?: IpvsSyncStatus;
  graphs?: NodeSnapshot['graphs'];
}

const INSTANCE_KEY = /^(vrrp|vrrp-group|carp|heartbeat)\.(.+)$/;

/** Instances from the service annotations (vrrp.VI_1 = MASTER), joined with the timeline's counters. */
function instancesOf(
  status: StatusJsonLike,
  counters: readonly InstanceCounters[],
): { instances: InstanceView[]; groups: ResourceGroupView[] } {
  const instances = new Map<string, InstanceView>();
  const groups: ResourceGroupView[] = [];
  for (const svc of status.services ?? []) {
    for (const [key, v] of Object.entries(svc.info ?? {})) {
      const m = INSTANCE_KEY.exec(key);
      if (!m || typeof v.value !== 'string') continue;
      const kind = m[1] as InstanceKind;
      const name = m[2]!;
      if (kind === 'vrrp' && name.endsWith('.priority')) continue;
      if (kind === 'heartbeat') {
        groups.push({ name, state: v.value, since: v.since });
        continue;
      }
      const prio = svc.info?.[`vrrp.${name}.priority`]?.value;
      instances.set(`${kind}\u0000${name}`, {
        kind,
        name,
        state: v.value,
        since: v.since,
        transitions: 0,
        becameMaster: 0,
        releasedMaster: 0,
        ...(kind === 'vrrp' && typeof prio === 'number' ? { priority: prio } : {}),
      });
    }
  }
  for (const c of counters) {
    const i = instances.get(`${c.kind}\u0000${c.name}`);
    if (i)
      Object.assign(i, { transitions: c.transitions, becameMaster: c.becameMaster, releasedMaster: c.releasedMaster });
  }
  const order = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  return {
    instances: [...instances.values()].sort((a, b) => a.kind.localeCompare(b.kind) || order(a, b)),
    groups: groups.sort(order),
  };
}

export function buildSnapshot(status: StatusJsonLike, extras: SnapshotExtras = {}): NodeSnapshot {
  const cfg = status.config;
  const configured = cfg?.state === 'configured';
  const { instances, groups } = instancesOf(status, extras.timeline?.instances ?? []);
  const src = cfg?.source;
  const stick = parseLineage(status.sync?.lineage);
  const sync = status.sync;
  return {
    version: SNAPSHOT_VERSION,
    ...(cfg?.node ? { node: cfg.node } : {}),
    at: status.at ?? Date.now(),
    configured,
    ...(!configured && cfg?.reason ? { reason: cfg.reason } : {}),
    roles: cfg?.roles ?? [],
    uptimeSeconds: status.supervisor?.uptime ?? 0,
    ...(extras.bootToReadySeconds !== undefined ? { bootToReadySeconds: extras.bootToReadySeconds } : {}),
    ...(src && typeof src.generation === 'number' && typeof src.checksum === 'string'
      ? {
          config: {
            generation: src.generation,
            sha256: src.checksum,
            device: src.device ?? '',
            provider: src.provider ?? '',
          },
        }
      : {}),
    ...(stick ? { stick } : {}),
    ...(sync && typeof sync.mode === 'string'
      ? {
          sync: {
            mode: sync.mode,
            retrying: sync.retrying === true,
            ...(sync.last ? { outcome: sync.last.outcome, message: sync.last.message, at: sync.last.at } : {}),
          },
        }
      : {}),
    instances,
    transitions: extras.timeline?.transitions ?? [],
    services: (status.services ?? []).map((s) => ({
      name: s.name,
      state: s.state,
      since: s.since,
      restarts: s.restarts,
      ...(s.pid !== undefined ? { pid: s.pid } : {}),
    })),
    ...(extras.pool && 'pool' in extras.pool ? { pool: extras.pool.pool } : {}),
    ...(extras.pool && 'error' in extras.pool ? { poolError: extras.pool.error } : {}),
    ...(extras.firewall ? { firewall: extras.firewall } : {}),
    ...(extras.conntrack ? { conntrack: extras.conntrack } : {}),
    ...(extras.ipvsSync ? { ipvsSync: extras.ipvsSync } : {}),
    ...(groups.length ? { resourceGroups: groups } : {}),
    ...(extras.graphs ? { graphs: extras.graphs } : {}),
  };
}
