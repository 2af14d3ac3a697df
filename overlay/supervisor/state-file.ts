/**
 * Per-service state files under /run/pillars/services/NAME.json, so a respawned supervisor can
 * re-adopt the daemons its predecessor started instead of starting them twice (a supervisor crash
 * must not drop a VIP). /run is a tmpfs: the files live exactly as long as this boot.
 *
 * Also the /proc/PID/stat parser main.ts needs to tell a live daemon from a recycled pid.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PersistedService, StateStore } from './supervisor.js';

export { isSameLiveProcess, parseProcStat, type ProcStat } from '../system/proc-stat.js';

export const SERVICE_STATE_DIR = '/run/pillars/services';

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

export function encodeStateFile(r: PersistedService): string {
  return JSON.stringify(r) + '\n';
}

/** A record, or undefined for anything that is not one (torn write, garbage). */
export function decodeStateFile(text: string): PersistedService | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const int = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (!int(o.restarts) || typeof o.since !== 'number') return undefined;
  const r: PersistedService = { restarts: o.restarts as number, since: o.since };
  if (o.pid !== undefined) {
    if (!int(o.pid) || (o.pid as number) < 2) return undefined;
    r.pid = o.pid as number;
  }
  if (o.token !== undefined) {
    if (typeof o.token !== 'string') return undefined;
    r.token = o.token;
  }
  if (o.ready !== undefined) r.ready = o.ready === true;
  if (o.done !== undefined) r.done = o.done === true;
  if (r.pid === undefined && !r.done) return undefined;
  return r;
}

/** A StateStore over one directory; writes are atomic (temp file + rename). */
export function createFileStateStore(dir = SERVICE_STATE_DIR): StateStore {
  const file = (name: string) => {
    if (!SAFE_NAME.test(name)) throw new Error(`service name ${JSON.stringify(name)} cannot be a file name`);
    return join(dir, `${name}.json`);
  };
  return {
    load(name) {
      try {
        return decodeStateFile(readFileSync(file(name), 'utf8'));
      } catch {
        return undefined;
      }
    },
    save(name, record) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const f = file(name);
      const tmp = `${f}.tmp`;
      writeFileSync(tmp, encodeStateFile(record), { mode: 0o600 });
      renameSync(tmp, f);
    },
    remove(name) {
      rmSync(file(name), { force: true });
    },
  };
}
