/**
 * Where the peer channel listens and whom it asks, from the validated config: this node's first
 * address on admin.cluster.interface (and nowhere else), the other node's address there. Pure.
 */
import type { PillarsConfig } from '../config/index.js';
import type { PeerConfig } from './node-status.js';

export interface PeerChannelPlan {
  listen: { host: string; port: number };
  key: string;
  peer?: PeerConfig;
}

const hostOf = (cidr: string) => cidr.split('/')[0]!;

export function peerChannelPlan(config: PillarsConfig, nodeName: string): PeerChannelPlan | undefined {
  const c = config.admin?.cluster;
  if (!c) return undefined;
  const own = config.nodes[nodeName]?.interfaces[c.interface]?.addresses[0];
  if (!own) return undefined;
  const other = Object.keys(config.nodes)
    .filter((n) => n !== nodeName)
    .sort()[0];
  const theirs = other ? config.nodes[other]?.interfaces[c.interface]?.addresses[0] : undefined;
  return {
    listen: { host: hostOf(own), port: c.port },
    key: c.key,
    ...(other && theirs ? { peer: { name: other, endpoint: { host: hostOf(theirs), port: c.port, key: c.key } } } : {}),
  };
}
