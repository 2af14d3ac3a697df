/**
 * ha.cf, haresources, authkeys and the DRBD resource file, printed from the view through ejs
 * templates compiled with the ha escaper (every value one word, no comment character). Pure.
 */
import haCfTemplate from '../../templates/ha.cf.ejs';
import haresourcesTemplate from '../../templates/haresources.ejs';
import authkeysTemplate from '../../templates/authkeys.ejs';
import drbdTemplate from '../../templates/drbd.res.ejs';
import drbdFactsTemplate from '../../templates/drbd-facts.sh.ejs';
import { compileTemplate } from '../../templates/escape.js';
import type { PillarsConfig } from '../../config/index.js';
import { heartbeatView, nodeAddresses, type Directive, type HaResourcesLine, type HeartbeatView } from './view.js';

const haCf = compileTemplate<{ directives: Directive[] }>(haCfTemplate, 'ha', ['directives']);
const haresources = compileTemplate<{ lines: HaResourcesLine[] }>(haresourcesTemplate, 'ha', ['lines']);
const authkeys = compileTemplate<HeartbeatView['authkeys']>(authkeysTemplate, 'ha', ['active', 'keys']);
// drbd.conf words are validated to one token without ; { } " (patterns in the model); the ha escaper refuses whitespace and #.
const drbdRes = compileTemplate<{
  resource: string;
  protocol: string;
  syncRate: string;
  secret: string | undefined;
  outdatePeer: string | undefined;
  minor: number;
  port: number;
  hosts: { host: string; disk: string; address: string }[];
}>(drbdTemplate, 'ha', ['resource', 'protocol', 'syncRate', 'secret', 'outdatePeer', 'minor', 'port', 'hosts']);

/**
 * DRBD's fence-peer handler for heartbeat (overlay/rootfs): answers at once when heartbeat has
 * declared the peer dead, else asks the peer's dopd (over heartbeat's links) to outdate its disk.
 */
export const DRBD_FENCE_PEER = '/usr/lib/pillars/drbd-fence-peer';

/** The fence-peer handler of the DRBD resource: heartbeat's when it runs the pair, else none. */
export function drbdFencePeer(config: PillarsConfig): string | undefined {
  return config.heartbeat ? DRBD_FENCE_PEER : undefined;
}

export function renderHaCf(view: HeartbeatView): string {
  return haCf({ directives: view.haCf });
}
export function renderHaresources(view: HeartbeatView): string {
  return haresources({ lines: view.haresources });
}
export function renderAuthkeys(view: HeartbeatView): string {
  return authkeys(view.authkeys);
}

export function renderDrbdRes(config: PillarsConfig): string {
  const d = config.drbd!;
  return drbdRes({
    resource: d.resource,
    protocol: d.protocol,
    syncRate: d.sync_rate,
    secret: d.shared_secret,
    outdatePeer: drbdFencePeer(config),
    minor: d.minor,
    port: d.port,
    hosts: nodeAddresses(config, d.interface).map((h) => ({ host: h.host, disk: d.disk, address: h.address })),
  });
}

export type DrbdFacts = {
  resource: string;
  minor: number;
  port: number;
  /** This node's and the peer's address on DRBD's link, and the peer's host name (its `on` section). */
  local: string;
  peer: string;
  peerAddress: string;
  /** The fence-peer handler the resource file names, if any. */
  fencePeer: string | undefined;
};
const drbdFacts = compileTemplate<DrbdFacts>(drbdFactsTemplate, 'shell', [
  'resource',
  'minor',
  'port',
  'local',
  'peer',
  'peerAddress',
  'fencePeer',
]);

/**
 * /etc/drbd.d/<res>.pillars of node `nodeName`: the minor, both addresses and the peer's host of
 * the resource file, as shell assignments for drbddisk and DRBD's usermode helper. Undefined when
 * the node has no peer on DRBD's link (the validator refuses that config first).
 */
export function renderDrbdFacts(config: PillarsConfig, nodeName: string): string | undefined {
  const d = config.drbd!;
  const hosts = nodeAddresses(config, d.interface);
  const me = hosts.find((h) => h.node === nodeName);
  const peer = hosts.find((h) => h.node !== nodeName);
  if (!me || !peer) return undefined;
  return drbdFacts({
    resource: d.resource,
    minor: d.minor,
    port: d.port,
    local: me.address,
    peer: peer.host,
    peerAddress: peer.address,
    fencePeer: drbdFencePeer(config),
  });
}

export function renderHeartbeat(config: PillarsConfig): { haCf: string; haresources: string; authkeys: string } {
  const view = heartbeatView(config);
  return { haCf: renderHaCf(view), haresources: renderHaresources(view), authkeys: renderAuthkeys(view) };
}
