/**
 * The stick's pending mark (commit-confirm) at its mount point: read while the stick is mounted
 * read-only; every write remounts it read-write with `sync` for the span of the write and
 * read-only again, as stick.ts does for a save. Also the journal that keeps a probation across a
 * supervisor restart (a JSON file under /run: gone at reboot).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  markCurrent,
  markTried,
  readProbation,
  savePending,
  clearMark,
  type PendingRequest,
} from '../config/confirm.js';
import type { PendingMark } from '../config/mark.js';
import type { Current } from '../config/store.js';
import { DirectoryStickFs } from '../config/nodefs.js';
import { bb, describeFailure, exec, execOk } from './exec.js';

type Say = (line: string) => void;

/** Run `write` with the stick read-write (sync), then read-only again; warn when that fails. */
async function writable<T>(mountPoint: string, say: Say, write: () => Promise<T>): Promise<T> {
  await execOk(bb('mount', '-o', 'remount,rw,sync', mountPoint));
  try {
    const r = await write();
    await exec(bb('sync'));
    return r;
  } finally {
    const back = await exec(bb('mount', '-o', 'remount,ro,async', mountPoint));
    if (back.code !== 0)
      say(
        `pillars: WARNING: stick stays read-write: ${describeFailure(['mount', '-o', 'remount,ro,async', mountPoint], back)}`,
      );
  }
}

export function createStickMarks(mountPoint: string) {
  const fs = () => new DirectoryStickFs(mountPoint);
  return {
    inspect: (current?: Current) => readProbation(fs(), current),
    markCurrent: (pendingSha: string, req: PendingRequest, say: Say) =>
      writable(mountPoint, say, () => markCurrent(fs(), pendingSha, req)),
    markTried: (mark: PendingMark, say: Say) => writable(mountPoint, say, () => markTried(fs(), mark)),
    savePending: (body: string, req: PendingRequest, say: Say) =>
      writable(mountPoint, say, () =>
        savePending(fs(), body, req, { onGeneration: (g) => say(`pillars: writing generation ${g} to the stick`) }),
      ),
    async clear(say: Say): Promise<boolean> {
      const p = await readProbation(fs()).catch(() => undefined);
      if (p && !p.mark && !p.stale && p.notes.length === 0) return false;
      return writable(mountPoint, say, () => clearMark(fs()));
    },
  };
}

/** One JSON value in a file under /run, written atomically; `valid` decides what reads back. */
export function createJsonJournal<T>(path: string, valid: (v: unknown) => v is T) {
  return {
    async read(): Promise<T | undefined> {
      try {
        const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
        return valid(v) ? v : undefined;
      } catch {
        return undefined;
      }
    },
    async write(value: T): Promise<void> {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.tmp`, JSON.stringify(value) + '\n', { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    },
    async remove(): Promise<void> {
      rmSync(path, { force: true });
    },
  };
}
