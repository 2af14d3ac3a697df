/** The readers behind a node's status on the appliance: ipvsadm, nft, /proc, conntrackd, the peer channel. */
import { readFile } from 'node:fs/promises';
import { readPool } from '../pillarsctl/pool.js';
import { exec } from '../system/exec.js';
import { parseNftCounters } from './firewall-counters.js';
import type { NodeStatusReaders } from './node-status.js';
import { fetchPeerSnapshot } from './peer.js';
import { readConntrackdSync, readIpvsSync } from './sync-readers.js';

const readNumber = (path: string) =>
  readFile(path, 'utf8').then(
    (t) => Number(t.trim()),
    () => NaN,
  );

export const systemReaders: NodeStatusReaders = {
  pool: (status) => readPool(status),
  async firewall() {
    const r = await exec(['nft', '--json', 'list', 'ruleset'], { timeoutMs: 10_000 });
    return r.code === 0 ? parseNftCounters(r.stdout) : undefined;
  },
  async conntrack() {
    const [entries, limit] = await Promise.all([
      readNumber('/proc/sys/net/netfilter/nf_conntrack_count'),
      readNumber('/proc/sys/net/netfilter/nf_conntrack_max'),
    ]);
    return Number.isFinite(entries) && Number.isFinite(limit) ? { entries, limit } : undefined;
  },
  conntrackdSync: () => readConntrackdSync(),
  ipvsSync: () => readIpvsSync(),
  fetchPeer: (peer) => fetchPeerSnapshot(peer),
};
