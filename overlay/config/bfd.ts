/**
 * The BFD session of a pair (vrrp.bfd): which interface it runs on, and each node's own and peer
 * address there. One pure function the validator (rules.ts) and the keepalived view share, so
 * what is checked is what is rendered.
 */
import type { NodeConfig, PillarsConfig, VrrpBfd, VrrpInstance } from './model.js';
import { inSubnet, parseCidr, type Cidr } from './net.js';

export interface BfdEnds {
  /** The logical interface the session runs on. */
  interface: string;
  /** This node's address on it (keepalived source_ip). */
  source: string;
  /** The other node's address on it (keepalived neighbor_ip). */
  neighbor: string;
}

export type BfdEndsResult =
  { ok: true; ends: BfdEnds } | { ok: false; field: 'interface' | 'multihop' | 'nodes'; message: string };

/** The interface the session runs on: vrrp.bfd.interface, else the sync link (statesync.interface). */
export function bfdInterface(config: PillarsConfig): string | undefined {
  return config.vrrp?.bfd?.interface ?? config.statesync?.interface;
}

type Addr = Cidr & { text: string };

function cidrs(node: NodeConfig, ifname: string): Addr[] {
  return (Object.hasOwn(node.interfaces, ifname) ? node.interfaces[ifname]!.addresses : []).flatMap((a) => {
    const c = parseCidr(a);
    return c ? [{ ...c, text: a.split('/')[0]! }] : [];
  });
}

/**
 * Both ends of the session as seen from `nodeName`: its first address on the interface, and the
 * other node's first address there of the same family. Why not, when the config cannot give them.
 */
export function bfdEnds(config: PillarsConfig, nodeName: string): BfdEndsResult {
  const bfd = config.vrrp?.bfd;
  const ifname = bfdInterface(config);
  if (!bfd || ifname === undefined)
    return {
      ok: false,
      field: 'interface',
      message: 'required: name the interface the session runs on (there is no statesync.interface to default to)',
    };
  const names = Object.keys(config.nodes);
  if (names.length !== 2)
    return {
      ok: false,
      field: 'nodes',
      message: `a BFD session runs between the two nodes of a pair; the config has ${names.length} node`,
    };
  const peerName = names.find((n) => n !== nodeName)!;
  const own = cidrs(config.nodes[nodeName]!, ifname);
  const peer = cidrs(config.nodes[peerName]!, ifname);
  const where = bfd.interface === undefined ? `${ifname} (statesync.interface)` : ifname;
  if (own.length === 0)
    return { ok: false, field: 'interface', message: `node ${nodeName} has no address on ${where}` };
  for (const src of own) {
    const dst = peer.find((p) => p.family === src.family);
    if (!dst) continue;
    if (!bfd.multihop && !inSubnet(dst, src))
      return {
        ok: false,
        field: 'multihop',
        message: `${dst.text} (node ${peerName}) is not on the subnet of ${src.text}/${src.prefix} (node ${nodeName}) on ${ifname}: set multihop: true for a routed session`,
      };
    return { ok: true, ends: { interface: ifname, source: src.text, neighbor: dst.text } };
  }
  return {
    ok: false,
    field: 'interface',
    message: `node ${peerName} has no address on ${where} of the family of node ${nodeName}'s`,
  };
}

/** The instances that track the session: their own track_bfd, or their sync group's. */
export function bfdTrackers(config: PillarsConfig): Set<string> {
  const v = config.vrrp;
  if (!v?.bfd) return new Set();
  const names = v.instances.filter((i) => i.track_bfd).map((i) => i.name);
  for (const g of v.sync_groups) if (g.track_bfd) names.push(...g.instances);
  return new Set(names);
}

/** keepalived's `track_bfd` line for a priority change while down: `weight -10` or `weight -10 reverse`. */
export function bfdWeight(bfd: Pick<VrrpBfd, 'priority_change'>): { weight: number; reverse: boolean } {
  const c = bfd.priority_change;
  // keepalived: a negative weight lowers the priority while down; reversed, it raises it while down.
  return c < 0 ? { weight: c, reverse: false } : { weight: -c, reverse: true };
}

/** Why a priority change cannot be applied to an instance of a pair, if it cannot. */
export function bfdPriorityProblem(inst: Pick<VrrpInstance, 'priority'>, change: number): string | undefined {
  if (change === 0)
    return 'priority_change 0 would put the instance in FAULT while the session is down, so the backup could not take over when the peer dies; use a non-zero change';
  const prios = Object.values(inst.priority);
  if (prios.length < 2) return undefined;
  const hi = Math.max(...prios);
  const lo = Math.min(...prios);
  if (Math.abs(change) >= hi - lo)
    return `priority_change ${change} is not smaller than the gap between the priorities ${hi} and ${lo}: a session seen down on one node first would reorder the pair (widen the gap or use a smaller change)`;
  if (change > 0 && hi + change > 254)
    return `priority ${hi} + priority_change ${change} exceeds 254 (keepalived would cut it and tie the nodes)`;
  if (change < 0 && lo + change < 1)
    return `priority ${lo} + priority_change ${change} is below 1 (keepalived would cut it and tie the nodes)`;
  return undefined;
}
