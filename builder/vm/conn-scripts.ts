/**
 * Long-lived TCP connections through a VIP, for failover tests of the LVS connection sync: a
 * line-echo server on the backends and a client that holds N connections and exchanges one line
 * on each every interval. Node programs as source text (`node -e SCRIPT ARGS…`), like scripts.ts.
 */

/**
 * argv: NAME PORT. Answers every line `ping <n>` on a connection with `<NAME> <n>`. At most 256
 * connections at once. Prints {"listening":PORT} when ready.
 */
export const CONN_SERVER_SCRIPT = String.raw`
const net = require('node:net');
const [name, port] = process.argv.slice(1);
const server = net.createServer((sock) => {
  let buf = '';
  sock.setNoDelay(true);
  sock.on('data', (d) => {
    buf += d.toString('utf8');
    if (buf.length > 65536) { sock.destroy(); return; }
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i); buf = buf.slice(i + 1);
      const m = /^ping (\d+)$/.exec(line);
      if (m) sock.write(name + ' ' + m[1] + '\n');
    }
  });
  sock.on('error', () => {});
});
server.maxConnections = 256;
server.listen(Number(port), '0.0.0.0', () => process.stdout.write(JSON.stringify({ listening: Number(port) }) + '\n'));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
`;

/**
 * argv: JSON {host, port, count, intervalMs, durationMs}. Opens `count` connections (at most 200),
 * then on each sends `ping <n>` every intervalMs (n counts up per connection). Prints
 * {"connected":N,"backends":{name:count}} once all are connected (or failed), and on SIGTERM or
 * after durationMs (at most 10 minutes) one final line
 * {"done":true,"conns":[{id,backend,sent,received,lastReplyAt,closed,error}]} and exits.
 */
export const CONN_CLIENT_SCRIPT = String.raw`
const net = require('node:net');
const cfg = JSON.parse(process.argv[1]);
const count = Math.min(200, Math.max(1, cfg.count));
const duration = Math.min(600000, Math.max(1000, cfg.durationMs));
const now = () => performance.timeOrigin + performance.now();
const conns = [];
let settled = 0, finished = false;
function finish(by) {
  if (finished) return; finished = true;
  process.stdout.write(JSON.stringify({ done: true, by, conns: conns.map((c) => ({ id: c.id, backend: c.backend, sent: c.sent, received: c.received, lastReplyAt: c.lastReplyAt, closed: c.closed, error: c.error })) }) + '\n', () => process.exit(0));
}
function announce() {
  if (++settled !== count) return;
  const backends = {};
  for (const c of conns) if (c.backend) backends[c.backend] = (backends[c.backend] || 0) + 1;
  process.stdout.write(JSON.stringify({ connected: conns.filter((c) => c.backend).length, backends }) + '\n');
}
for (let id = 0; id < count; id++) {
  const c = { id, backend: null, sent: 0, received: 0, lastReplyAt: 0, closed: false, error: null, timer: null, first: true };
  conns.push(c);
  const sock = net.connect({ host: cfg.host, port: cfg.port });
  sock.setNoDelay(true);
  let buf = '';
  const failFirst = setTimeout(() => { if (c.first) { c.first = false; c.error = 'connect timeout'; sock.destroy(); announce(); } }, 10000);
  sock.on('connect', () => {
    sock.write('ping ' + (c.sent++) + '\n');
    c.timer = setInterval(() => { if (!sock.destroyed) sock.write('ping ' + (c.sent++) + '\n'); }, cfg.intervalMs);
  });
  sock.on('data', (d) => {
    buf += d.toString('utf8');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i); buf = buf.slice(i + 1);
      const m = /^(\S+) (\d+)$/.exec(line);
      if (!m) continue;
      c.received++; c.lastReplyAt = now();
      if (c.first) { c.first = false; c.backend = m[1]; clearTimeout(failFirst); announce(); }
    }
  });
  sock.on('error', (e) => { c.error = c.error || e.code || e.message; });
  sock.on('close', () => { c.closed = true; clearInterval(c.timer); if (c.first) { c.first = false; clearTimeout(failFirst); announce(); } });
}
setTimeout(() => finish('duration'), duration);
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => finish(s));
`;

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
