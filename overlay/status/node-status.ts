/**
 * This node's status for the page, /metrics and the peer: the failover timeline (fed by the
 * supervisor's info events: vrrp.*, vrrp-group.*, carp.*, heartbeat.*), the metric rings sampled
 * every RING_STEP_MS, and the snapshot assembled on demand from the supervisor's status and the
 * readers of the roles that run (ipvsadm, nft, /proc conntrack, conntrackd, the IPVS sync). The
 * peer's snapshot is fetched over the peer channel and kept with the time it last answered.
 * Readers are injected, so the whole of it runs in unit tests without the system.
 */
import type { PoolService } from '../pillarsctl/ipvs.js';
import type { ClusterView, PeerState } from './cluster.js';
import { fetchPeerSnapshot, type PeerEndpoint, type PeerResult } from './peer.js';
import { createMetricRings, RING_STEP_MS } from './rings.js';
import { graphsOf, samplePool } from './sampler.js';
import {
  buildSnapshot,
  type ConntrackView,
  type FirewallCounter,
  type NodeSnapshot,
  type StatusJsonLike,
} from './snapshot.js';
import { createTimeline, type InstanceKind } from './timeline.js';
import { conntrackdRuns, type ConntrackdSync } from './conntrackd-stats.js';
import type { IpvsSyncStatus } from './ipvs-sync.js';

export interface NodeStatusReaders {
  pool(status: StatusJsonLike): Promise<{ pool: PoolService[] } | { error: string }>;
  firewall(): Promise<FirewallCounter[] | undefined>;
  conntrack(): Promise<ConntrackView | undefined>;
  /** conntrackd's sync counters (asked only while conntrackd runs). */
  conntrackdSync(): Promise<ConntrackdSync | undefined>;
  /** The IPVS sync daemons and connection table (asked only while the director role runs). */
  ipvsSync(): Promise<IpvsSyncStatus>;
  fetchPeer(peer: PeerEndpoint): Promise<PeerResult>;
}

export interface NodeStatusOptions {
  status(): StatusJsonLike;
  /** Seconds from kernel start to the ready line, once the node was ready. */
  bootToReady(): number | undefined;
  readers: NodeStatusReaders;
  now?: () => number;
}

export interface PeerConfig {
  name: string;
  endpoint: PeerEndpoint;
}

/** How long a fetched peer view is reused (page polls and scrapes of both nodes share it). */
export const PEER_CACHE_MS = 1500;

const INFO_KEY = /^(vrrp|vrrp-group|carp|heartbeat)\.(.+)$/;

export function createNodeStatus(o: NodeStatusOptions) {
  const now = o.now ?? Date.now;
  const timeline = createTimeline();
  const rings = createMetricRings();
  let peer: PeerConfig | undefined;
  let peerState: PeerState | undefined;
  let peerAsked = 0;
  let peerInFlight: Promise<PeerState> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const roles = () => o.status().config?.roles ?? [];

  async function snapshot(): Promise<NodeSnapshot> {
    const st = o.status();
    const r = st.config?.roles ?? [];
    const [pool, firewall, conntrack, ctSync, ipvsSync] = await Promise.all([
      r.includes('director') ? o.readers.pool(st) : Promise.resolve(undefined),
      r.includes('firewall') ? o.readers.firewall() : Promise.resolve(undefined),
      r.includes('firewall') || r.includes('statesync') ? o.readers.conntrack() : Promise.resolve(undefined),
      conntrackdRuns(st) ? o.readers.conntrackdSync() : Promise.resolve(undefined),
      r.includes('director') ? o.readers.ipvsSync() : Promise.resolve(undefined),
    ]);
    const b = o.bootToReady();
    return buildSnapshot(st, {
      timeline: { transitions: timeline.transitions(), instances: timeline.instances() },
      ...(b !== undefined ? { bootToReadySeconds: b } : {}),
      ...(pool ? { pool } : {}),
      ...(firewall ? { firewall } : {}),
      ...(conntrack ? { conntrack: ctSync ? { ...conntrack, sync: ctSync } : conntrack } : {}),
      ...(ipvsSync ? { ipvsSync } : {}),
      ...(rings.metrics().length ? { graphs: graphsOf(rings) } : {}),
    });
  }

  async function askPeer(): Promise<PeerState | undefined> {
    if (!peer) return undefined;
    if (peerState && now() - peerAsked < PEER_CACHE_MS) return peerState;
    if (!peerInFlight) {
      const p = peer;
      peerInFlight = o.readers.fetchPeer(p.endpoint).then((r) => {
        peerAsked = now();
        const last = peerState?.name === p.name ? peerState : undefined;
        peerState = r.ok
          ? { name: p.name, snapshot: r.snapshot, lastSeen: peerAsked }
          : {
              name: p.name,
              error: r.error,
              ...(last?.snapshot ? { snapshot: last.snapshot } : {}),
              ...(last?.lastSeen !== undefined ? { lastSeen: last.lastSeen } : {}),
            };
        peerInFlight = undefined;
        return peerState;
      });
    }
    return peerInFlight;
  }

  return {
    timeline,
    rings,
    /** A supervisor event: role state annotations become timeline entries. */
    onSupervisorEvent(ev: { type: string; key?: string; value?: unknown; at?: number }): void {
      if (ev.type !== 'info' || typeof ev.key !== 'string' || typeof ev.value !== 'string') return;
      const m = INFO_KEY.exec(ev.key);
      if (!m || ev.key.endsWith('.priority')) return;
      const t = timeline.observe(m[1] as InstanceKind, m[2]!, ev.value, ev.at ?? now());
      // Taking over from a silent master: does the peer answer on the peer channel at all?
      if (t && t.to === 'MASTER' && t.from === 'BACKUP' && peer && !/^(manual|election)/.test(t.cause ?? '')) {
        const p = peer;
        void o.readers.fetchPeer(p.endpoint).then((r) => {
          if (!r.ok)
            timeline.refine(
              t,
              `peer dead: no adverts from ${p.name}, and its peer channel does not answer (${r.error})`,
            );
          else {
            const theirs = r.snapshot.instances.find((i) => i.kind === t.kind && i.name === t.name);
            if (theirs?.state === 'FAULT')
              timeline.refine(t, `${p.name} is in FAULT (interface down or a tracked check failed)`);
            else if (!r.snapshot.configured) timeline.refine(t, `${p.name} is unconfigured (safe state)`);
            else timeline.refine(t, `no adverts from ${p.name}, which still answers: link down between the nodes?`);
          }
        });
      }
    },
    markManual: (reason: string) => timeline.markManual(reason, now()),
    snapshot,
    setPeer(p: PeerConfig | undefined): void {
      if (
        p?.name !== peer?.name ||
        p?.endpoint.host !== peer?.endpoint.host ||
        p?.endpoint.port !== peer?.endpoint.port ||
        p?.endpoint.key !== peer?.endpoint.key
      )
        peerState = undefined;
      peer = p;
    },
    async cluster(): Promise<ClusterView> {
      const [local, p] = await Promise.all([snapshot(), askPeer()]);
      return { at: local.at, local, ...(p ? { peer: p } : {}) };
    },
    /** Sample the graphed counters now (the timer calls this every RING_STEP_MS). */
    async sample(): Promise<void> {
      const st = o.status();
      if (!(st.config?.roles ?? []).includes('director')) return;
      const pool = await o.readers.pool(st);
      if ('pool' in pool) samplePool(rings, pool.pool, now());
    },
    start(stepMs = RING_STEP_MS): void {
      if (timer) return;
      timer = setInterval(() => void this.sample().catch(() => undefined), stepMs);
      timer.unref();
      void this.sample().catch(() => undefined);
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    roles,
  };
}

export type NodeStatus = ReturnType<typeof createNodeStatus>;

export { fetchPeerSnapshot };
