/**
 * Long-lived TCP connections through a VIP, for failover tests of the LVS connection sync: the
 * host side of the line-echo server (agents/conn-server.ts) on the backends and of the client
 * (agents/conn-client.ts) that holds N connections and exchanges one line on each every interval.
 */

export interface ConnClientOptions {
  host: string;
  port: number;
  count: number;
  intervalMs: number;
  durationMs: number;
}

export interface ConnResult {
  id: number;
  backend: string | null;
  sent: number;
  received: number;
  lastReplyAt: number;
  closed: boolean;
  error: string | null;
}

/** The client's final line, or null. Pure. */
export function parseConnReport(lines: readonly string[]): ConnResult[] | null {
  for (const l of [...lines].reverse()) {
    try {
      const o = JSON.parse(l) as { done?: boolean; conns?: ConnResult[] };
      if (o.done && Array.isArray(o.conns)) return o.conns;
    } catch {
      // not a report line
    }
  }
  return null;
}

/** Connections still open and answered after `since` (epoch ms): the ones that survived. Pure. */
export function survivors(conns: readonly ConnResult[], since: number): ConnResult[] {
  return conns.filter((c) => !c.closed && c.error === null && c.backend !== null && c.lastReplyAt > since);
}
