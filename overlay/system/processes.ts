/**
 * The supervisor's real ProcessApi: each service runs as the leader of its own process group
 * (detached), with stdout/stderr appended to files under /run/pillars/log. Files, not pipes: a
 * daemon must survive a supervisor crash, and a pipe with no reader would kill it with SIGPIPE.
 * A LogTailer feeds new lines of those files into the supervisor's per-service ring, also for
 * re-adopted daemons, and truncates files that grow too large.
 */
import { spawnSync } from 'node:child_process';
import { spawnDetached } from './exec.js';
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessApi } from '../service/process.js';
import { isSameLiveProcess, parseProcStat } from './proc-stat.js';
import { createLineSplitter, type LineSplitter } from '../service/lines.js';

export const LOG_DIR = '/run/pillars/log';

export function logFile(dir: string, service: string, stream: 'stdout' | 'stderr'): string {
  return join(dir, `${service}.${stream === 'stdout' ? 'out' : 'err'}`);
}

function readStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

export function createProcessApi(opts: { logDir?: string } = {}): ProcessApi {
  const logDir = opts.logDir ?? LOG_DIR;
  const listeners = new Set<(pid: number, code: number | null, signal: string | null) => void>();
  return {
    spawn(spec) {
      mkdirSync(logDir, { recursive: true, mode: 0o700 });
      const out = openSync(logFile(logDir, spec.name, 'stdout'), 'a', 0o600);
      const err = openSync(logFile(logDir, spec.name, 'stderr'), 'a', 0o600);
      try {
        const child = spawnDetached(spec.command, {
          stdout: out,
          stderr: err,
          ...(spec.env ? { env: spec.env } : {}),
          ...(spec.cwd ? { cwd: spec.cwd } : {}),
        });
        const pid = child.pid;
        child.on('error', () => undefined);
        child.on('exit', (code, signal) => {
          for (const l of [...listeners]) l(pid, code, signal);
        });
        child.unref();
        const st = parseProcStat(readStat(pid) ?? '');
        return { pid, ...(st ? { token: st.startTime } : {}) };
      } finally {
        closeSync(out);
        closeSync(err);
      }
    },
    kill(pgid, signal) {
      try {
        process.kill(-pgid, signal);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    },
    signal(pid, signal) {
      try {
        process.kill(pid, signal);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    },
    onExit(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    isAlive(pid, token) {
      return isSameLiveProcess(readStat(pid), token);
    },
    runToEnd(argv, timeoutMs) {
      // Synchronous on purpose: the supervisor must not respawn the daemon before its leftovers are
      // released. The commands are a few `ip` calls (tens of ms); the timeout bounds the worst case.
      const r = spawnSync(argv[0]!, argv.slice(1), { timeout: timeoutMs, encoding: 'utf8', killSignal: 'SIGKILL' });
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
      if (r.error) return { ok: false, detail: r.error.message };
      if (r.signal) return { ok: false, detail: `killed by ${r.signal}${out ? `: ${out}` : ''}` };
      return { ok: r.status === 0, detail: `exit ${r.status ?? '?'}${out ? `: ${out}` : ''}` };
    },
  };
}

export interface LogTailer {
  /** Read whatever was appended since the last poll. */
  poll(): void;
  stop(): void;
}

/** Follow the log files of `services`, handing each complete line to `onLine`. */
export function createLogTailer(
  services: readonly string[],
  onLine: (service: string, stream: 'stdout' | 'stderr', line: string) => void,
  opts: { logDir?: string; intervalMs?: number; maxBytes?: number } = {},
): LogTailer {
  const logDir = opts.logDir ?? LOG_DIR;
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  const files: Array<{ path: string; offset: number; split: LineSplitter }> = [];
  for (const s of services) {
    for (const stream of ['stdout', 'stderr'] as const) {
      files.push({
        path: logFile(logDir, s, stream),
        offset: 0,
        split: createLineSplitter((l) => onLine(s, stream, l)),
      });
    }
  }
  const buf = Buffer.alloc(64 * 1024);
  const poll = () => {
    for (const f of files) {
      let fd: number;
      try {
        fd = openSync(f.path, 'r+');
      } catch {
        continue;
      }
      try {
        const size = fstatSync(fd).size;
        if (size < f.offset) f.offset = 0;
        while (f.offset < size) {
          const n = readSync(fd, buf, 0, Math.min(buf.length, size - f.offset), f.offset);
          if (n <= 0) break;
          f.split.write(buf.subarray(0, n).toString('utf8'));
          f.offset += n;
        }
        if (f.offset >= maxBytes) {
          ftruncateSync(fd, 0);
          f.offset = 0;
        }
      } catch {
        /* a log file problem never stops the supervisor */
      } finally {
        closeSync(fd);
      }
    }
  };
  const timer = setInterval(poll, opts.intervalMs ?? 500);
  timer.unref();
  return { poll, stop: () => clearInterval(timer) };
}
