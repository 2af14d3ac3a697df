/**
 * The pair as one view: this node's snapshot and the peer's (or why the peer could not be asked,
 * with the last view it gave), in node-name order so both nodes' pages look alike. Pure.
 */
import { parseLineage, relate } from '../config/sync.js';
import type { NodeSnapshot } from './snapshot.js';
import type { Transition } from './timeline.js';

export interface PeerState {
  /** The peer's node name from the config. */
  name: string;
  snapshot?: NodeSnapshot;
  /** Why the last ask failed; absent when `snapshot` is fresh. */
  error?: string;
  /** When the peer last answered (ms since the epoch). */
  lastSeen?: number;
}

export interface ClusterView {
  at: number;
  local: NodeSnapshot;
  peer?: PeerState;
}

export interface ClusterNode {
  name: string;
  self: boolean;
  reachable: boolean;
  snapshot?: NodeSnapshot;
  error?: string;
  lastSeen?: number;
}

export function clusterNodes(v: ClusterView): ClusterNode[] {
  const nodes: ClusterNode[] = [
    { name: v.local.node ?? '(this node)', self: true, reachable: true, snapshot: v.local },
  ];
  if (v.peer) {
    nodes.push({
      name: v.peer.name,
      self: false,
      reachable: v.peer.error === undefined && v.peer.snapshot !== undefined,
      ...(v.peer.snapshot ? { snapshot: v.peer.snapshot } : {}),
      ...(v.peer.error !== undefined ? { error: v.peer.error } : {}),
      ...(v.peer.lastSeen !== undefined ? { lastSeen: v.peer.lastSeen } : {}),
    });
  }
  return nodes.sort((a, b) => a.name.localeCompare(b.name));
}

/** Both nodes run the same config (generation and sha256)? undefined when a side is not known. */
export function configMismatch(v: ClusterView): { mismatch: boolean; text: string } | undefined {
  const a = v.local.config;
  const b = v.peer?.snapshot?.config;
  if (!a || !b) return undefined;
  if (a.sha256 === b.sha256)
    return { mismatch: false, text: `both nodes run generation ${a.generation} (sha256 ${a.sha256.slice(0, 12)})` };
  return {
    mismatch: true,
    text: `the nodes run different configs: ${v.local.node ?? 'this node'} generation ${a.generation} sha256 ${a.sha256.slice(0, 12)}, ${v.peer!.name} generation ${b.generation} sha256 ${b.sha256.slice(0, 12)}`,
  };
}

/**
 * How the two sticks stand (config sync): the same config, one side newer (not sent yet), or a
 * conflict (both changed since the last generation they shared). undefined when a side is not known.
 */
export function stickSync(v: ClusterView): { conflict: boolean; behind: boolean; text: string } | undefined {
  const mine = parseLineage(v.local.stick);
  const theirs = parseLineage(v.peer?.snapshot?.stick);
  if (!mine || !theirs) return undefined;
  const me = v.local.node ?? 'this node';
  const peer = v.peer!.name;
  const gen = (l: typeof mine) => `generation ${l.current.generation} (sha256 ${l.current.sha256.slice(0, 12)})`;
  const d = relate(mine, theirs);
  const held: Array<[string, typeof mine]> = [
    [me, mine],
    [peer, theirs],
  ];
  switch (d.relation) {
    case 'equal':
      return { conflict: false, behind: false, text: `both sticks hold ${gen(mine)}` };
    case 'local-newer':
      return {
        conflict: false,
        behind: true,
        text: `${me}'s stick holds a newer ${gen(mine)} than ${peer}'s ${gen(theirs)}: not synced yet`,
      };
    case 'remote-newer':
      return {
        conflict: false,
        behind: true,
        text: `${peer}'s stick holds a newer ${gen(theirs)} than ${me}'s ${gen(mine)}: not synced yet`,
      };
    default:
      return {
        conflict: true,
        behind: false,
        text: `CONFIG CONFLICT: both sticks changed since ${d.common ? `generation ${d.common.generation}` : 'any generation they share'}: ${held
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([n, l]) => `${n} holds ${gen(l)}`)
          .join(', ')}; nothing is overwritten until one is saved with pillarsctl save --peer --force`,
      };
  }
}

/** Both nodes' state changes, newest first, each with the node it happened on. */
export function mergedTimeline(v: ClusterView, limit = 30): Array<Transition & { node: string }> {
  const rows = [
    ...v.local.transitions.map((t) => ({ ...t, node: v.local.node ?? '' })),
    ...(v.peer?.snapshot?.transitions ?? []).map((t) => ({ ...t, node: v.peer!.name })),
  ];
  return rows.sort((a, b) => b.at - a.at || a.node.localeCompare(b.node)).slice(0, limit);
}
