/** The readers behind a node's status on the appliance: ipvsadm, nft, /proc, conntrackd, the peer channel. */
import { readFile } from 'node:fs/promises';
import { readPool } from '../pillarsctl/pool.js';
import { exec } from '../system/exec.js';
import { parseNftCounters } from './firewall-counters.js';
import type { NodeStatusReaders } from './node-status.js';
import { fetchPeerSnapshot } from './peer.js';
import { sharedRead } from './shared-read.js';
import { readConntrackdSync, readIpvsSync } from './sync-readers.js';

/** Counters at most this old are good enough for a page, a scrape or the peer. */
export const SHARED_READ_MS = 1000;
const conntrackdSync = sharedRead(() => readConntrackdSync(), SHARED_READ_MS);
const ipvsSync = sharedRead(() => readIpvsSync(), SHARED_READ_MS);

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
  conntrackdSync,
  ipvsSync,
  fetchPeer: (peer) => fetchPeerSnapshot(peer),
};
