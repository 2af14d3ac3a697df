/**
 * Archives as records: every archive the build reads or writes is a list of `ArchiveRecord`s, and
 * writing is a one-method interface with small decorators stacked in front of the format encoder.
 *
 * Hardlink model. A hardlink group is one record of type 'file' (the anchor, carrying the data)
 * plus records of type 'hardlink' whose `linkTarget` is the anchor's path. The anchor always
 * comes first in write order. `sortRecords`, `mergeSorted` and `filterRecords` keep that true
 * after reordering, overriding or dropping members: the first surviving member (in the new
 * order) becomes the anchor with the data, and `nlink` is set to the surviving group size.
 */
import { Buffer } from 'node:buffer';

export type RecordType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'socket';

/** A file body: bytes in memory, or a factory that opens a fresh stream of exactly `size` bytes. */
export type RecordBody = Buffer | (() => NodeJS.ReadableStream);

export interface ArchiveRecord {
  /** Relative path: no leading './' or '/', no trailing '/', never ''. */
  path: string;
  type: RecordType;
  /** Permission bits including setuid/setgid/sticky (0o7777); no file-type bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime?: number;
  /** Body size in bytes for 'file' (required when `body` is a stream factory). */
  size?: number;
  /** Symlink target, or for 'hardlink' the path of the group's anchor (its first member). */
  linkTarget?: string;
  devMajor?: number;
  devMinor?: number;
  body?: RecordBody;
  /** Hardlink group size, set on every member by the group-aware helpers (absent = 1). */
  nlink?: number;
  /** Inode number, set by the `inodes()` decorator just before encoding. */
  ino?: number;
}

export interface RecordWriter {
  write(rec: ArchiveRecord): Promise<void>;
  close(): Promise<void>;
  /** Optional: give up after a failure (no trailer is written; the output is destroyed). */
  abort?(err: Error): Promise<void>;
}

/** Normalise a path from an archive or the file system to record form ('./a/b/' → 'a/b'). */
export function normalizePath(p: string): string {
  let s = p;
  while (s.startsWith('./')) s = s.slice(2);
  s = s
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\/{2,}/g, '/');
  if (s === '.') s = '';
  return s;
}

export function validatePath(p: string): void {
  if (
    p === '' ||
    p.startsWith('/') ||
    p.startsWith('./') ||
    p.endsWith('/') ||
    p.split('/').some((c) => c === '..' || c === '.' || c === '')
  ) {
    throw new Error(`invalid archive path ${JSON.stringify(p)}: must be relative and normalised`);
  }
}

export function bodySize(rec: ArchiveRecord): number {
  if (rec.type !== 'file') return 0;
  if (Buffer.isBuffer(rec.body)) return rec.body.length;
  if (rec.body === undefined) return rec.size ?? 0;
  if (rec.size === undefined) throw new Error(`${rec.path}: a streamed body needs a size`);
  return rec.size;
}

/**
 * Path order: component by component, each compared as UTF-8 bytes. Parents sort before their
 * children and a directory's contents stay contiguous ('a', 'a/b', 'a.x'). Implemented as a byte
 * compare with '/' mapped to 0x00, which is the same order.
 */
export function sortKey(path: string): Buffer {
  const b = Buffer.from(path, 'utf8');
  for (let i = 0; i < b.length; i++) if (b[i] === 0x2f) b[i] = 0;
  return b;
}

export function comparePaths(a: string, b: string): number {
  return Buffer.compare(sortKey(a), sortKey(b));
}

/** Sort by path (stable for equal paths) and re-anchor hardlink groups to the new first member. */
export function sortRecords(records: readonly ArchiveRecord[]): ArchiveRecord[] {
  const groups = linkGroups(records);
  const keyed = records.map((r, i) => ({ r, i, k: sortKey(r.path) }));
  keyed.sort((x, y) => Buffer.compare(x.k, y.k) || x.i - y.i);
  return relink(
    keyed.map((x) => x.r),
    groups,
  );
}

/**
 * For each record in a hardlink group, its anchor record (the group's 'file'). Targets are looked
 * up by path anywhere in the list (so a shuffled list works) and chains (a hardlink to a
 * hardlink) are followed. A hardlink whose target is missing or not a regular file is an error:
 * the data would be lost.
 */
export function linkGroups(records: readonly ArchiveRecord[]): Map<ArchiveRecord, ArchiveRecord> {
  const byPath = new Map<string, ArchiveRecord>();
  for (const r of records) if (!byPath.has(r.path) || r.type !== 'hardlink') byPath.set(r.path, r);
  const anchorOf = new Map<ArchiveRecord, ArchiveRecord>();
  for (const r of records) {
    if (r.type !== 'hardlink') continue;
    let t: ArchiveRecord | undefined = r;
    const seen = new Set<ArchiveRecord>();
    while (t && t.type === 'hardlink' && !seen.has(t)) {
      seen.add(t);
      t = t.linkTarget === undefined ? undefined : byPath.get(normalizePath(t.linkTarget));
    }
    if (!t || t.type !== 'file') {
      throw new Error(
        `hardlink ${r.path} → ${r.linkTarget ?? '(none)'}: target is not a regular file in the same archive`,
      );
    }
    anchorOf.set(t, t);
    anchorOf.set(r, t);
  }
  return anchorOf;
}

/**
 * Rebuild hardlink groups over `ordered` (a subset and/or reordering of the lists `groups` was
 * computed from): the first surviving member of each group becomes a 'file' carrying the
 * anchor's data and attributes, later members become 'hardlink's to it; all get `nlink`.
 * A group with one survivor becomes a plain file.
 */
export function relink(ordered: readonly ArchiveRecord[], groups: Map<ArchiveRecord, ArchiveRecord>): ArchiveRecord[] {
  const survivors = new Map<ArchiveRecord, number>();
  for (const r of ordered) {
    const a = groups.get(r);
    if (a) survivors.set(a, (survivors.get(a) ?? 0) + 1);
  }
  const firstPath = new Map<ArchiveRecord, string>();
  return ordered.map((r) => {
    const anchor = groups.get(r);
    if (!anchor) return r;
    const n = survivors.get(anchor) ?? 1;
    const first = firstPath.get(anchor);
    const { linkTarget: _l, nlink: _n, ino: _i, ...data } = anchor;
    if (first === undefined) {
      firstPath.set(anchor, r.path);
      const rec: ArchiveRecord = { ...data, path: r.path, type: 'file' };
      if (n > 1) rec.nlink = n;
      return rec;
    }
    const { body: _b, size: _s, ...attrs } = data;
    return { ...attrs, path: r.path, type: 'hardlink', linkTarget: first, size: 0, nlink: n };
  });
}

/**
 * Merge record lists; for the same path the later source wins. Returns the result sorted by
 * path with hardlink groups rebuilt (a group member overridden by a later source leaves its
 * group; the group's data survives in the remaining members).
 */
export function mergeSorted(...sources: ReadonlyArray<readonly ArchiveRecord[]>): ArchiveRecord[] {
  const groups = new Map<ArchiveRecord, ArchiveRecord>();
  const winner = new Map<string, ArchiveRecord>();
  for (const src of sources) {
    for (const [r, a] of linkGroups(src)) groups.set(r, a);
    for (const r of src) {
      validatePath(r.path);
      winner.set(r.path, r);
    }
  }
  const keyed = [...winner.values()].map((r) => ({ r, k: sortKey(r.path) }));
  keyed.sort((x, y) => Buffer.compare(x.k, y.k));
  return relink(
    keyed.map((x) => x.r),
    groups,
  );
}

/**
 * Keep the records `keep` accepts. A hardlink group whose anchor is dropped is re-anchored on
 * its first kept member, which becomes a regular file with the data.
 */
export function filterRecords(
  records: readonly ArchiveRecord[],
  keep: (rec: ArchiveRecord) => boolean,
): ArchiveRecord[] {
  const groups = linkGroups(records);
  return relink(
    records.filter((r) => keep(r)),
    groups,
  );
}

/** Drain an async iterable of records into an array. */
export async function collect(
  source: AsyncIterable<ArchiveRecord> | Iterable<ArchiveRecord>,
): Promise<ArchiveRecord[]> {
  const out: ArchiveRecord[] = [];
  for await (const r of source) out.push(r);
  return out;
}

/** Write every record, then close. On a failure the writer is aborted, not closed. */
export async function writeAll(
  writer: RecordWriter,
  records: AsyncIterable<ArchiveRecord> | Iterable<ArchiveRecord>,
): Promise<void> {
  try {
    for await (const r of records) await writer.write(r);
  } catch (err) {
    await writer.abort?.(err instanceof Error ? err : new Error(String(err))).catch(() => undefined);
    throw err;
  }
  await writer.close();
}
