/**
 * Small Node programs the lab runs inside host namespaces (`node -e SCRIPT ARGS…`): an HTTP
 * server that answers with its name, and a bounded HTTP probe loop that reports every answer as a
 * JSON line. They are kept as source text so that they run the same from the TypeScript sources
 * and from the compiled dist/.
 */

/** argv: NAME PORT [BIND]. Prints {"listening":PORT} once it accepts connections. */
export const HTTP_SERVER_SCRIPT = String.raw`
const http = require('node:http');
const [name, port, bind] = process.argv.slice(1);
const server = http.createServer((req, res) => {
  const body = name + '\n';
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
});
server.keepAliveTimeout = 1;
server.listen(Number(port), bind || '0.0.0.0', () => process.stdout.write(JSON.stringify({ listening: Number(port) }) + '\n'));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
`;

/**
 * argv: JSON {url, intervalMs, timeoutMs, count, durationMs}. Starts one request every intervalMs
 * (not waiting for the previous one: a hung request must not blur the timeline), each on a fresh
 * connection with its own timeout; stops after `count` requests or `durationMs`, whichever first.
 * Prints one JSON line per request {t, ok, body?, error?, ms} (t: epoch ms when it was sent), then
 * {"done":true,"sent":N}. A watchdog ends the process even if something hangs.
 */
export const PROBE_SCRIPT = String.raw`
const http = require('node:http');
const cfg = JSON.parse(process.argv[1]);
const now = () => performance.timeOrigin + performance.now();
const start = now();
let sent = 0, pending = 0, stopped = false;
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const finish = () => { if (stopped && pending === 0) { out({ done: true, sent }); process.exit(0); } };
setTimeout(() => { out({ done: true, sent, watchdog: true }); process.exit(0); }, cfg.durationMs + cfg.timeoutMs + 2000).unref();
function one() {
  const t = now();
  sent++; pending++;
  let settled = false;
  const settle = (o) => { if (settled) return; settled = true; pending--; out({ t, ms: Math.round((now() - t) * 10) / 10, ...o }); finish(); };
  const req = http.get(cfg.url, { agent: false, timeout: cfg.timeoutMs }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => { if (body.length < 1024) body += d; });
    res.on('end', () => settle({ ok: res.statusCode === 200, status: res.statusCode, body: body.trim() }));
    res.on('error', (e) => settle({ ok: false, error: e.code || e.message }));
  });
  const timer = setTimeout(() => { req.destroy(); settle({ ok: false, error: 'timeout' }); }, cfg.timeoutMs);
  req.on('timeout', () => { req.destroy(); settle({ ok: false, error: 'timeout' }); });
  req.on('error', (e) => settle({ ok: false, error: e.code || e.message }));
  req.on('close', () => clearTimeout(timer));
}
const tick = setInterval(() => {
  if (sent >= cfg.count || now() - start >= cfg.durationMs) { clearInterval(tick); stopped = true; finish(); return; }
  one();
}, cfg.intervalMs);
one();
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { clearInterval(tick); stopped = true; out({ done: true, sent, stoppedBy: s }); process.exit(0); });
`;

export interface ProbeOptions {
  url: string;
  /** Start a request every intervalMs (default 20). */
  intervalMs?: number;
  /** Per-request timeout (default 500). */
  timeoutMs?: number;
  /** At most this many requests (default 500). */
  count?: number;
  /** At most this long in total (default 10 s). */
  durationMs?: number;
}

export interface ProbeSample {
  /** Epoch ms (sub-ms precision) when the request was sent. */
  t: number;
  /** How long until it was answered or failed. */
  ms: number;
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
}

export const PROBE_LIMITS = { maxCount: 100_000, maxDurationMs: 3_600_000 } as const;

/** The normalized probe configuration (bounded in count and time). Pure. */
export function probeConfig(o: ProbeOptions): Required<ProbeOptions> {
  const cfg = { url: o.url, intervalMs: o.intervalMs ?? 20, timeoutMs: o.timeoutMs ?? 500, count: o.count ?? 500, durationMs: o.durationMs ?? 10_000 };
  if (!/^http:\/\//.test(cfg.url)) throw new Error(`probe URL must be http://…: ${cfg.url}`);
  if (!(cfg.intervalMs >= 1)) throw new Error('probe intervalMs must be ≥ 1');
  if (!(cfg.timeoutMs >= 1)) throw new Error('probe timeoutMs must be ≥ 1');
  if (!(cfg.count >= 1 && cfg.count <= PROBE_LIMITS.maxCount)) throw new Error(`probe count must be 1..${PROBE_LIMITS.maxCount}`);
  if (!(cfg.durationMs >= 1 && cfg.durationMs <= PROBE_LIMITS.maxDurationMs)) throw new Error(`probe durationMs must be 1..${PROBE_LIMITS.maxDurationMs}`);
  return cfg;
}

/** Parse one output line of the probe; null for the final line and anything unexpected. Pure. */
export function parseProbeLine(line: string): ProbeSample | null {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const r = o as Record<string, unknown>;
  if (typeof r.t !== 'number' || typeof r.ok !== 'boolean') return null;
  return {
    t: r.t,
    ms: typeof r.ms === 'number' ? r.ms : 0,
    ok: r.ok,
    ...(typeof r.status === 'number' ? { status: r.status } : {}),
    ...(typeof r.body === 'string' ? { body: r.body } : {}),
    ...(typeof r.error === 'string' ? { error: r.error } : {}),
  };
}

/**
 * The failover gap from a probe timeline: from `faultAt` (epoch ms) to the send time of the first
 * successful answer after it whose body (trimmed) differs from `from` (the failed node's name); null when the
 * other node never answered. Pure.
 */
export function gapAfter(samples: readonly ProbeSample[], faultAt: number, from: string): { gapMs: number; first: ProbeSample; lost: number } | null {
  const after = [...samples].filter((s) => s.t >= faultAt).sort((a, b) => a.t - b.t);
  let lost = 0;
  for (const s of after) {
    if (s.ok && s.body !== undefined && s.body.trim() !== from) return { gapMs: s.t + s.ms - faultAt, first: s, lost };
    lost++;
  }
  return null;
}

/**
 * argv: PORT [BIND]. A minimal SMTP sink for alert tests: accepts any mail and prints one JSON
 * line per message {"from","to":[…],"subject","body"}; prints {"listening":PORT} when ready.
 */
export const SMTP_SINK_SCRIPT = String.raw`
const net = require('node:net');
const [port, bind] = process.argv.slice(1);
const server = net.createServer((sock) => {
  let buf = '', data = null, mail = { from: '', to: [] };
  const say = (l) => sock.write(l + '\r\n');
  say('220 pillars-lab SMTP sink');
  sock.on('data', (d) => {
    buf += d.toString('utf8');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      if (data !== null) {
        if (line === '.') {
          const text = data.join('\n');
          const sep = text.indexOf('\n\n');
          const head = sep >= 0 ? text.slice(0, sep) : text;
          const subject = (/^Subject: (.*)$/mi.exec(head) || [])[1] || '';
          process.stdout.write(JSON.stringify({ from: mail.from, to: mail.to, subject, body: sep >= 0 ? text.slice(sep + 2) : '' }) + '\n');
          data = null; mail = { from: '', to: [] };
          say('250 queued');
        } else data.push(line.startsWith('..') ? line.slice(1) : line);
        continue;
      }
      const cmd = line.slice(0, 4).toUpperCase();
      if (cmd === 'HELO' || cmd === 'EHLO') say('250 pillars-lab');
      else if (cmd === 'MAIL') { mail.from = (/<([^>]*)>/.exec(line) || [])[1] || ''; say('250 ok'); }
      else if (cmd === 'RCPT') { mail.to.push((/<([^>]*)>/.exec(line) || [])[1] || ''); say('250 ok'); }
      else if (cmd === 'DATA') { data = []; say('354 end with .'); }
      else if (cmd === 'QUIT') { say('221 bye'); sock.end(); }
      else if (cmd === 'RSET') { mail = { from: '', to: [] }; say('250 ok'); }
      else say('250 ok');
    }
  });
  sock.on('error', () => {});
});
server.listen(Number(port || 25), bind || '0.0.0.0', () => process.stdout.write(JSON.stringify({ listening: Number(port || 25) }) + '\n'));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
`;

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  body: string;
}

/** Parse one line of the SMTP sink's output; null for anything but a mail. Pure. */
export function parseMailLine(line: string): Mail | null {
  try {
    const o = JSON.parse(line) as Partial<Mail>;
    return typeof o.subject === 'string' && Array.isArray(o.to) ? { from: o.from ?? '', to: o.to, subject: o.subject, body: o.body ?? '' } : null;
  } catch {
    return null;
  }
}
