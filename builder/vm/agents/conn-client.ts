/**
 * Lab agent: holds `count` TCP connections through a VIP and exchanges one line on each every
 * interval. argv: JSON {host, port, count, intervalMs, durationMs}. Opens the connections (at most
 * 200), then on each sends `ping <n>` every intervalMs (n counts up per connection). Prints
 * {"connected":N,"backends":{name:count}} once all are connected (or failed), and on SIGTERM or
 * after durationMs (1 s to 10 minutes) one final line
 * {"done":true,"by","conns":[{id,backend,sent,received,lastReplyAt,closed,error}]} and exits.
 */
import { connect } from 'node:net';
import { emit, epochNow, isMain, LineSplitter, onStop } from './common.js';
import type { ConnClientOptions, ConnResult } from '../conn-scripts.js';

export const MAX_CONNS = 200;
export const MAX_DURATION_MS = 600_000;
export const CONNECT_TIMEOUT_MS = 10_000;

/** The options clamped to the agent's bounds. Pure. */
export function clampClient(o: ConnClientOptions): ConnClientOptions {
  return {
    ...o,
    count: Math.min(MAX_CONNS, Math.max(1, o.count)),
    durationMs: Math.min(MAX_DURATION_MS, Math.max(1000, o.durationMs)),
  };
}

/** How many connections each backend holds (only connections that got an answer). Pure. */
export function backendsOf(conns: readonly ConnResult[]): Record<string, number> {
  const backends: Record<string, number> = {};
  for (const c of conns) if (c.backend) backends[c.backend] = (backends[c.backend] ?? 0) + 1;
  return backends;
}

/** The backend's name from a reply line `<NAME> <n>`, or null for anything else. Pure. */
export const replyBackend = (line: string): string | null => /^(\S+) (\d+)$/.exec(line)?.[1] ?? null;

export function main(argv: readonly string[]): void {
  const cfg = clampClient(JSON.parse(argv[0] ?? '{}') as ConnClientOptions);
  const conns: ConnResult[] = [];
  let settled = 0;
  let finished = false;
  const finish = (by: string) => {
    if (finished) return;
    finished = true;
    const report = conns.map(({ id, backend, sent, received, lastReplyAt, closed, error }) => ({
      id,
      backend,
      sent,
      received,
      lastReplyAt,
      closed,
      error,
    }));
    emit({ done: true, by, conns: report }, () => process.exit(0));
  };
  const announce = () => {
    if (++settled !== cfg.count) return;
    emit({ connected: conns.filter((c) => c.backend).length, backends: backendsOf(conns) });
  };
  for (let id = 0; id < cfg.count; id++) {
    const c: ConnResult = { id, backend: null, sent: 0, received: 0, lastReplyAt: 0, closed: false, error: null };
    conns.push(c);
    let first = true;
    let timer: NodeJS.Timeout | undefined;
    const lines = new LineSplitter();
    const sock = connect({ host: cfg.host, port: cfg.port });
    sock.setNoDelay(true);
    const failFirst = setTimeout(() => {
      if (!first) return;
      first = false;
      c.error = 'connect timeout';
      sock.destroy();
      announce();
    }, CONNECT_TIMEOUT_MS);
    sock.on('connect', () => {
      sock.write(`ping ${c.sent++}\n`);
      timer = setInterval(() => {
        if (!sock.destroyed) sock.write(`ping ${c.sent++}\n`);
      }, cfg.intervalMs);
    });
    sock.on('data', (d: Buffer) => {
      for (const line of lines.push(d.toString('utf8'))) {
        const backend = replyBackend(line);
        if (backend === null) continue;
        c.received++;
        c.lastReplyAt = epochNow();
        if (first) {
          first = false;
          c.backend = backend;
          clearTimeout(failFirst);
          announce();
        }
      }
    });
    sock.on('error', (e: Error & { code?: string }) => {
      c.error = c.error || e.code || e.message;
    });
    sock.on('close', () => {
      c.closed = true;
      clearInterval(timer);
      if (first) {
        first = false;
        clearTimeout(failFirst);
        announce();
      }
    });
  }
  setTimeout(() => finish('duration'), cfg.durationMs);
  onStop((signal) => finish(signal));
}

if (isMain(import.meta.url)) main(process.argv.slice(2));
