/**
 * Decorators over RecordWriter. Each one does one thing and forwards to the next writer; the
 * usual stack in front of an encoder is
 *   dedup → withParents → reproducible → inodes → newc
 * (see `standardStack`). They are streaming: they expect records already sorted by path with
 * hardlink anchors first (what `sortRecords`/`mergeSorted` return).
 */
import { bodySize, validatePath, type ArchiveRecord, type RecordWriter } from './records.js';

function forward(next: RecordWriter, write: (rec: ArchiveRecord) => Promise<void>): RecordWriter {
  return {
    write,
    close: () => next.close(),
    abort: async (err) => next.abort?.(err),
  };
}

/**
 * Refuse a second record for a path already written. Merging ('later source wins') happens
 * before writing, in `mergeSorted`; a duplicate reaching the writer is a bug upstream, and
 * silently picking one would make the image depend on write order.
 */
export function dedup(next: RecordWriter): RecordWriter {
  const seen = new Set<string>();
  return forward(next, async (rec) => {
    validatePath(rec.path);
    if (seen.has(rec.path)) throw new Error(`duplicate archive path ${JSON.stringify(rec.path)}`);
    seen.add(rec.path);
    await next.write(rec);
  });
}

export interface ParentDirOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

/**
 * Emit missing parent directories (default 0755 root:root) before the first child that needs
 * them. A record whose parent was already emitted as a non-directory is an error.
 */
export function withParents(next: RecordWriter, opts: ParentDirOptions = {}): RecordWriter {
  const kinds = new Map<string, ArchiveRecord['type']>();
  return forward(next, async (rec) => {
    const parts = rec.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const kind = kinds.get(dir);
      if (kind === 'dir') continue;
      if (kind !== undefined) throw new Error(`${rec.path}: parent ${dir} is a ${kind}, not a directory`);
      kinds.set(dir, 'dir');
      const parent: ArchiveRecord = {
        path: dir,
        type: 'dir',
        mode: opts.mode ?? 0o755,
        uid: opts.uid ?? 0,
        gid: opts.gid ?? 0,
      };
      if (opts.mtime !== undefined) parent.mtime = opts.mtime;
      await next.write(parent);
    }
    if (kinds.has(rec.path) && rec.type === 'dir') {
      throw new Error(`${rec.path}: directory record arrives after its children (records not sorted?)`);
    }
    kinds.set(rec.path, rec.type);
    await next.write(rec);
  });
}

export interface ReproducibleOptions {
  /** SOURCE_DATE_EPOCH, in seconds. */
  mtime: number;
  /** Only lower newer mtimes to `mtime` instead of setting all of them (default false: fixed). */
  clamp?: boolean;
}

/** Fixed (or clamped) mtimes; ownership and modes pass through as given. */
export function reproducible(next: RecordWriter, opts: ReproducibleOptions): RecordWriter {
  if (!Number.isInteger(opts.mtime) || opts.mtime < 0) throw new Error(`invalid SOURCE_DATE_EPOCH ${opts.mtime}`);
  return forward(next, async (rec) => {
    const mtime = opts.clamp && rec.mtime !== undefined ? Math.min(rec.mtime, opts.mtime) : opts.mtime;
    await next.write({ ...rec, mtime });
  });
}

/**
 * Deterministic inode numbers, in write order from `start`. A hardlink gets its anchor's inode
 * and nlink; the anchor must carry `nlink` (set by the group-aware helpers) because the
 * initramfs unpacker only links entries whose nlink ≥ 2.
 */
export function inodes(next: RecordWriter, opts: { start?: number } = {}): RecordWriter {
  let ino = opts.start ?? 721;
  const anchors = new Map<string, { ino: number; nlink: number; seen: number }>();
  const close = async (): Promise<void> => {
    for (const [path, g] of anchors) {
      if (g.seen !== g.nlink)
        throw new Error(`hardlink group of ${path}: nlink ${g.nlink} but ${g.seen} members written`);
    }
    await next.close();
  };
  return {
    async write(rec) {
      if (rec.type === 'hardlink') {
        const g = rec.linkTarget === undefined ? undefined : anchors.get(rec.linkTarget);
        if (!g) throw new Error(`hardlink ${rec.path} → ${rec.linkTarget ?? '(none)'}: anchor not written before it`);
        g.seen++;
        if (rec.nlink !== undefined && rec.nlink !== g.nlink)
          throw new Error(`hardlink ${rec.path}: nlink ${rec.nlink}, group has ${g.nlink}`);
        await next.write({ ...rec, ino: g.ino, nlink: g.nlink, size: 0 });
        return;
      }
      const n = ino++;
      const nlink = rec.type === 'dir' ? 2 : (rec.nlink ?? 1);
      if (rec.type === 'file' && nlink > 1) anchors.set(rec.path, { ino: n, nlink, seen: 1 });
      await next.write({ ...rec, ino: n, nlink, size: bodySize(rec) });
    },
    close,
    abort: async (err) => next.abort?.(err),
  };
}

export interface StackOptions {
  /** SOURCE_DATE_EPOCH; omit to keep each record's own mtime. */
  mtime?: number;
  inodeStart?: number;
}

/** The usual stack in front of an encoder: dedup → withParents → reproducible → inodes. */
export function standardStack(encoder: RecordWriter, opts: StackOptions = {}): RecordWriter {
  let w = inodes(encoder, opts.inodeStart === undefined ? {} : { start: opts.inodeStart });
  if (opts.mtime !== undefined) w = reproducible(w, { mtime: opts.mtime });
  return dedup(withParents(w, opts.mtime === undefined ? {} : { mtime: opts.mtime }));
}
