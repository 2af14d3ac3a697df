/**
 * conntrackd's state-sync counters from its own statistics: `conntrackd -C <conf> -s network`
 * (the sync link's traffic, malformed messages, the sequence tracking's lost messages) and
 * `conntrackd -C <conf> -s` (what the peer's messages did to this node's table: "external inject"
 * with DisableExternalCache, "cache external" in ALARM mode). The parser reads the sections it
 * knows from any of these outputs, alone or concatenated, and ignores the rest. Pure; the caller
 * runs conntrackd.
 */
import { CONNTRACKD_SERVICE } from '../roles/statesync/index.js';

/** The sync link's counters and the peer's states as conntrackd counts them since it started. */
export interface ConntrackdSync {
  /** How the messages travel (`multicast` or `UDP`) and on which device. */
  link?: { kind: string; device: string };
  /** Sync messages (datagrams) sent to and received from the peer. */
  sent: number;
  received: number;
  sentBytes: number;
  receivedBytes: number;
  /** Failed sends and receives on the link, and malformed messages (received or built). */
  sendErrors: number;
  receiveErrors: number;
  malformed: number;
  /** Every error above, added up. */
  errors: number;
  /** Messages the sequence tracking found missing (FT-FW asks for them again; ALARM and NOTRACK do not). */
  lost: number;
  /** The peer's states applied to this node: created, updated and destroyed entries, and failures. */
  peerStates?: { created: number; updated: number; destroyed: number; failed: number };
}

/** Does the supervisor's status say conntrackd runs (its service is up)? */
export function conntrackdRuns(status: unknown): boolean {
  const services = (status as { services?: Array<{ name?: string; state?: string }> } | undefined)?.services;
  return Array.isArray(services) && services.some((s) => s.name === CONNTRACKD_SERVICE && s.state === 'ready');
}

const num = (s: string | undefined) => (s === undefined ? 0 : Number(s));

/** The parsed counters, or undefined when the text has no sync-link traffic section. */
export function parseConntrackdStats(text: string): ConntrackdSync | undefined {
  const lines = text.split('\n');
  let link: ConntrackdSync['link'];
  let traffic: { sent: number; received: number; sentBytes: number; receivedBytes: number } | undefined;
  let sendErrors = 0;
  let receiveErrors = 0;
  let malformedRecv: number | undefined;
  let malformedSend = 0;
  let lost: number | undefined;
  let peer: ConntrackdSync['peerStates'];
  let section = '';
  let sub = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // `multicast traffic (active device=sync):` (-s, -s network), `UDP traffic (…)`
    const t = /^(\S+) traffic \(active device=([^)]*)\):/.exec(line);
    if (t) {
      link = { kind: t[1]!, device: t[2]! };
      const bytes = /^\s*(\d+) Bytes sent\s+(\d+) Bytes recv/.exec(lines[i + 1] ?? '');
      const pkts = /^\s*(\d+) Pckts sent\s+(\d+) Pckts recv/.exec(lines[i + 2] ?? '');
      const errs = /^\s*(\d+) Error send\s+(\d+) Error recv/.exec(lines[i + 3] ?? '');
      if (bytes && pkts) {
        traffic = {
          sentBytes: num(bytes[1]),
          receivedBytes: num(bytes[2]),
          sent: num(pkts[1]),
          received: num(pkts[2]),
        };
        sendErrors = num(errs?.[1]);
        receiveErrors = num(errs?.[2]);
      }
      section = '';
      continue;
    }
    // A section starts with its title alone on a line: `network statistics:`, `external inject:`.
    const h = /^(\S.*):\s*$/.exec(line);
    if (h) {
      section = h[1]!;
      sub = '';
      continue;
    }
    if (section === 'network statistics') {
      const s = /^\t(recv|send):/.exec(line);
      if (s) sub = s[1]!;
      const m = /^\t\tMalformed messages:\s+(\d+)/.exec(line);
      if (m && sub === 'recv') malformedRecv = num(m[1]);
      if (m && sub === 'send') malformedSend = num(m[1]);
    } else if (section === 'sequence tracking statistics') {
      const m = /^\s+Packets lost:\s+(\d+)/.exec(line);
      if (m) lost = num(m[1]);
    } else if (section === 'message tracking') {
      // `0 Malformed msgs   5 Lost msgs` (-s): the same counters as -s network's, when that is absent.
      const m = /^\s*(\d+) Malformed msgs\s+(\d+) Lost msgs/.exec(line);
      if (m) {
        malformedRecv ??= num(m[1]);
        lost ??= num(m[2]);
      }
    } else if (section === 'external inject' || section === 'cache external') {
      const m = /^connections (created|updated|destroyed):\s+(\d+)\s+failed:\s+(\d+)/.exec(line);
      if (m) {
        peer ??= { created: 0, updated: 0, destroyed: 0, failed: 0 };
        peer[m[1] as 'created' | 'updated' | 'destroyed'] = num(m[2]);
        peer.failed += num(m[3]);
      }
    }
  }
  if (!traffic) return undefined;
  const malformed = (malformedRecv ?? 0) + malformedSend;
  return {
    ...(link ? { link } : {}),
    ...traffic,
    sendErrors,
    receiveErrors,
    malformed,
    errors: sendErrors + receiveErrors + malformed,
    lost: lost ?? 0,
    ...(peer ? { peerStates: peer } : {}),
  };
}

/**
 * One line for the status texts: `multicast on sync: sent 28 messages (1948 bytes), received 12 (200
 * bytes), 3 errors, 11 lost; peer states …`, or in short (a column of the cluster view):
 * `sent 28, received 12, 3 errors, 11 lost`.
 */
export function formatConntrackdSync(s: ConntrackdSync, short = false): string {
  const errors = `${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.lost} lost`;
  if (short) return `sent ${s.sent}, received ${s.received}, ${errors}`;
  const peer = s.peerStates
    ? `; peer states ${s.peerStates.created} created, ${s.peerStates.updated} updated, ${s.peerStates.destroyed} destroyed, ${s.peerStates.failed} failed`
    : '';
  return (
    `${s.link ? `${s.link.kind} on ${s.link.device}: ` : ''}sent ${s.sent} messages (${s.sentBytes} bytes), ` +
    `received ${s.received} (${s.receivedBytes} bytes), ${errors}${peer}`
  );
}
