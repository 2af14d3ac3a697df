/**
 * Lab agent: the bounded HTTP probe loop. argv: JSON {url, intervalMs, timeoutMs, count,
 * durationMs} (see probeConfig). Starts one request every intervalMs (not waiting for the previous
 * one: a hung request must not blur the timeline), each on a fresh connection with its own
 * timeout; stops after `count` requests or `durationMs`, whichever first. Prints one JSON line per
 * request {t, ms, ok, status?, body?, error?} (t: epoch ms when it was sent), then
 * {"done":true,"sent":N}. A watchdog ends the process even if something hangs.
 */
import { get } from 'node:http';
import { emit, epochNow, isMain, onStop } from './common.js';
import { probeConfig, type ProbeOptions } from '../scripts.js';

type Outcome = { ok: boolean; status?: number; body?: string; error?: string };

/** The error word of a failed request: the errno code when there is one. Pure. */
export const errorWord = (e: Error & { code?: string }): string => e.code || e.message;

export function main(argv: readonly string[]): void {
  const cfg = probeConfig(JSON.parse(argv[0] ?? '{}') as ProbeOptions);
  const start = epochNow();
  let sent = 0;
  let pending = 0;
  let stopped = false;
  const finish = () => {
    if (!stopped || pending !== 0) return;
    emit({ done: true, sent });
    process.exit(0);
  };
  setTimeout(
    () => {
      emit({ done: true, sent, watchdog: true });
      process.exit(0);
    },
    cfg.durationMs + cfg.timeoutMs + 2000,
  ).unref();

  const one = () => {
    const t = epochNow();
    sent++;
    pending++;
    let settled = false;
    const settle = (o: Outcome) => {
      if (settled) return;
      settled = true;
      pending--;
      emit({ t, ms: Math.round((epochNow() - t) * 10) / 10, ...o });
      finish();
    };
    const req = get(cfg.url, { agent: false, timeout: cfg.timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < 1024) body += d;
      });
      res.on('end', () => settle({ ok: res.statusCode === 200, status: res.statusCode, body: body.trim() }));
      res.on('error', (e) => settle({ ok: false, error: errorWord(e) }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      settle({ ok: false, error: 'timeout' });
    }, cfg.timeoutMs);
    req.on('timeout', () => {
      req.destroy();
      settle({ ok: false, error: 'timeout' });
    });
    req.on('error', (e) => settle({ ok: false, error: errorWord(e) }));
    req.on('close', () => clearTimeout(timer));
  };

  const tick = setInterval(() => {
    if (sent >= cfg.count || epochNow() - start >= cfg.durationMs) {
      clearInterval(tick);
      stopped = true;
      finish();
      return;
    }
    one();
  }, cfg.intervalMs);
  one();
  onStop((signal) => {
    clearInterval(tick);
    stopped = true;
    emit({ done: true, sent, stoppedBy: signal });
    process.exit(0);
  });
}

if (isMain(import.meta.url)) main(process.argv.slice(2));
