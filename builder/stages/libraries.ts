/**
 * Shared libraries of the image, decided by what the kept programs actually link: every ELF file
 * that stays (programs, and plugins in subdirectories, which are dlopen()ed and so count as used)
 * is a root; a library directly in the multiarch directory that no root reaches through DT_NEEDED
 * is dropped. A kept ELF whose DT_NEEDED does not resolve inside the image fails the build: the
 * program would not start on the box. Planning is pure; reading the bodies is at the edge.
 */
import { posix } from 'node:path';
import { Buffer } from 'node:buffer';
import { readElf, type ElfInfo } from '../archive/elf.js';
import { filterRecords, type ArchiveRecord } from '../archive/records.js';

export const LIB_DIR = 'usr/lib/x86_64-linux-gnu';
/** Where ld.so looks for a DT_NEEDED name (merged /usr: lib → usr/lib). */
export const SEARCH_DIRS = [LIB_DIR, 'usr/lib', 'lib/x86_64-linux-gnu', 'lib'];
/**
 * Libraries kept even when nothing links them: glibc dlopen()s NSS modules and libgcc_s (thread
 * cancellation, backtraces); the loader itself.
 */
export const ALWAYS_KEEP = [/^libnss_/, /^libgcc_s\.so/, /^ld-linux/, /^libc\.so/];

/** Directories whose files may be ELF (the rest — data, scripts, modules — is not read). */
export function mayBeElf(rec: ArchiveRecord): boolean {
  return (
    rec.type === 'file' &&
    /^(usr\/)?(s?bin|lib|libexec|lib64)(\/|$)/.test(rec.path) &&
    !rec.path.startsWith('usr/lib/modules/')
  );
}

/** A record's body as bytes. */
export async function readBody(rec: ArchiveRecord): Promise<Buffer> {
  if (Buffer.isBuffer(rec.body)) return rec.body;
  if (rec.body === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of rec.body() as AsyncIterable<Buffer | string>)
    chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}

/** ELF information of every file that may be ELF, by path (hardlinks share their anchor's). */
export async function elfInfoOf(records: readonly ArchiveRecord[]): Promise<Map<string, ElfInfo>> {
  const out = new Map<string, ElfInfo>();
  for (const r of records) {
    if (!mayBeElf(r)) continue;
    const info = readElf(await readBody(r));
    if (info) out.set(r.path, info);
  }
  for (const r of records) {
    if (r.type === 'hardlink' && r.linkTarget !== undefined) {
      const info = out.get(r.linkTarget);
      if (info) out.set(r.path, info);
    }
  }
  return out;
}

/** Follow symlinks (in any path component) inside the image; undefined when dangling or looping. Pure. */
export function resolveInImage(byPath: ReadonlyMap<string, ArchiveRecord>, path: string): string | undefined {
  let parts = path.split('/').filter(Boolean);
  for (let hops = 0, i = 0; i < parts.length;) {
    const cur = parts.slice(0, i + 1).join('/');
    const rec = byPath.get(cur);
    if (!rec) {
      // a directory may have no record of its own (archives list parents implicitly)
      if (i === parts.length - 1) return undefined;
      i++;
      continue;
    }
    if (rec.type === 'symlink' && rec.linkTarget !== undefined) {
      if (++hops > 40) return undefined;
      const target = rec.linkTarget.startsWith('/')
        ? rec.linkTarget
        : posix.join(posix.dirname('/' + cur), rec.linkTarget);
      parts = [...posix.normalize(target).split('/').filter(Boolean), ...parts.slice(i + 1)];
      i = 0;
      continue;
    }
    i++;
  }
  return parts.join('/');
}

export interface LibraryPlan {
  /** Paths dropped: unreached libraries and the symlinks that pointed at them. */
  drop: string[];
  /** A kept ELF file and a DT_NEEDED name that does not resolve in the image. */
  missing: Array<{ path: string; needed: string }>;
}

function isCandidate(path: string, info: ElfInfo): boolean {
  if (info.interp || posix.dirname(path) !== LIB_DIR) return false;
  const base = posix.basename(path);
  return base.startsWith('lib') && !ALWAYS_KEEP.some((r) => r.test(base));
}

/** Which libraries no kept program needs, and which needs are unmet. Pure. */
export function planLibraries(records: readonly ArchiveRecord[], elf: ReadonlyMap<string, ElfInfo>): LibraryPlan {
  const byPath = new Map(records.map((r) => [r.path, r]));
  const find = (name: string): string | undefined => {
    for (const d of SEARCH_DIRS) {
      const p = resolveInImage(byPath, `${d}/${name}`);
      if (p !== undefined && elf.has(p)) return p;
    }
    return undefined;
  };
  const reached = new Set<string>();
  const missing: LibraryPlan['missing'] = [];
  const visit = (path: string): void => {
    if (reached.has(path)) return;
    reached.add(path);
    for (const n of elf.get(path)?.needed ?? []) {
      const p = find(n);
      if (p === undefined) missing.push({ path, needed: n });
      else visit(p);
    }
  };
  for (const [path, info] of elf) if (!isCandidate(path, info)) visit(path);
  const dropped = new Set([...elf.keys()].filter((p) => !reached.has(p)));
  const drop = [...dropped];
  for (const r of records) {
    if (r.type !== 'symlink' || posix.dirname(r.path) !== LIB_DIR) continue;
    const t = resolveInImage(byPath, r.path);
    if (t !== undefined && dropped.has(t)) drop.push(r.path);
  }
  return { drop: drop.sort(), missing };
}

/** The records without the dropped libraries. Pure. */
export function dropLibraries(records: readonly ArchiveRecord[], plan: LibraryPlan): ArchiveRecord[] {
  const drop = new Set(plan.drop);
  return filterRecords(records, (r) => !drop.has(r.path));
}
