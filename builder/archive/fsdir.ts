/**
 * Records from a host directory tree (overlay files, a staged modules directory). Sorted by
 * path; modes from the files; owner overridden (root:root by default) because the checkout's
 * ownership says nothing about the image. Bodies are opened lazily when written. Files that
 * share an inode inside the tree become one hardlink group.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizePath, sortRecords, type ArchiveRecord } from './records.js';

export interface DirRecordOptions {
  /** Place the tree under this archive path (e.g. 'usr/lib/modules'); default: the root. */
  prefix?: string;
  /** Owner for every record; 'keep' keeps the host's. Default root:root. */
  owner?: { uid: number; gid: number } | 'keep';
  /** Include the prefix directories themselves as records (default false). */
  includePrefix?: boolean;
}

/** Linux dev_t split (glibc gnu_dev_major/minor). */
export function splitDev(rdev: number): { major: number; minor: number } {
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  return {
    major: ((lo >>> 8) & 0xfff) | ((hi & ~0xfff) >>> 0),
    minor: (lo & 0xff) | ((lo >>> 12) & ~0xff),
  };
}

export async function recordsFromDir(root: string, opts: DirRecordOptions = {}): Promise<ArchiveRecord[]> {
  const prefix = normalizePath(opts.prefix ?? '');
  const out: ArchiveRecord[] = [];
  const inodes = new Map<string, string>(); // "dev:ino" → first path seen
  const owner = opts.owner ?? { uid: 0, gid: 0 };

  async function walk(dir: string, rel: string): Promise<void> {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const host = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const st = await lstat(host);
      const rec: ArchiveRecord = {
        path,
        type: 'file',
        mode: st.mode & 0o7777,
        uid: owner === 'keep' ? st.uid : owner.uid,
        gid: owner === 'keep' ? st.gid : owner.gid,
        mtime: Math.floor(st.mtimeMs / 1000),
      };
      if (st.isDirectory()) {
        rec.type = 'dir';
        out.push(rec);
        await walk(host, path);
        continue;
      }
      if (st.isSymbolicLink()) {
        rec.type = 'symlink';
        rec.linkTarget = await readlink(host);
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? inodes.get(key) : undefined;
        if (first !== undefined) {
          rec.type = 'hardlink';
          rec.linkTarget = first;
        } else {
          if (st.nlink > 1) inodes.set(key, path);
          rec.size = st.size;
          rec.body = () => createReadStream(host);
        }
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        rec.type = st.isCharacterDevice() ? 'char' : 'block';
        const { major, minor } = splitDev(st.rdev);
        rec.devMajor = major;
        rec.devMinor = minor;
      } else if (st.isFIFO()) rec.type = 'fifo';
      else if (st.isSocket()) rec.type = 'socket';
      out.push(rec);
    }
  }

  await walk(root, '');
  let records = out;
  if (prefix) {
    records = out.map((r) => {
      const moved: ArchiveRecord = { ...r, path: `${prefix}/${r.path}` };
      if (r.type === 'hardlink' && r.linkTarget !== undefined) moved.linkTarget = `${prefix}/${r.linkTarget}`;
      return moved;
    });
    if (opts.includePrefix) {
      const st = await lstat(root);
      const parts = prefix.split('/');
      const dirs = parts.map((_, i): ArchiveRecord => ({
        path: parts.slice(0, i + 1).join('/'),
        type: 'dir',
        mode: i === parts.length - 1 ? st.mode & 0o7777 : 0o755,
        uid: owner === 'keep' ? st.uid : owner.uid,
        gid: owner === 'keep' ? st.gid : owner.gid,
        mtime: Math.floor(st.mtimeMs / 1000),
      }));
      records = [...dirs, ...records];
    }
  }
  return sortRecords(records);
}
