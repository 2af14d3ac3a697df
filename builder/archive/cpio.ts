/**
 * newc ("070701") cpio writer on top of cpio-stream's Pack (public API: `entry()` and
 * `finalize()`), as the Linux initramfs unpacker (init/initramfs.c), GNU cpio and libarchive read it.
 *
 * cpio-stream 1.4.3 is patched (patches/cpio-stream+1.4.3.patch, applied by patch-package on
 * install) for three bugs, each a few lines, written as an upstream fix would be:
 *  1. the newc encoder counted namesize and the name padding in UTF-16 units, so a non-ASCII name
 *     got a wrong namesize and a misaligned header → counted in UTF-8 bytes;
 *  2. `entry()` replaced falsy header fields with defaults (mtime 0 → now, which breaks
 *     reproducibility; devminor 0 → 0777777; ino 0 → a counter) → defaults only for absent fields;
 *  3. `finalize()` stopped counting at 512 bytes and padded bigger archives with an odd-length
 *     run of zeros; it also used the deprecated `new Buffer()` → the fill makes the archive a
 *     multiple of 512 bytes (what GNU cpio writes), buffers come from `Buffer.alloc`/`Buffer.from`.
 * `checkCpioStream()` packs one probe entry and refuses to write with an unpatched copy.
 *
 * What this module still does itself:
 *  - Regular file bodies always go through the entry's sink, even when they are in memory: a
 *    Buffer passed to `entry()` is pushed without honouring back-pressure.
 *  - Field ranges: cpio-stream clamps a value above 0xFFFFFFFF silently; we refuse it.
 *  - Hardlinks: nothing in cpio-stream. The kernel extracts the FIRST entry of an
 *    (ino, dev, mode) group with nlink ≥ 2 and hard-links later entries to it (maybe_link /
 *    find_link); GNU cpio and libarchive also accept data-first groups. → The `inodes()`
 *    decorator gives every member the same ino and nlink; later members are written as regular
 *    files with size 0 and the anchor's mode.
 *  - Device numbers go in rdevmajor/rdevminor; the archive's own dev fields are always 0.
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { standardStack, type StackOptions } from './decorators.js';
import { bodySize, writeAll, type ArchiveRecord, type RecordWriter } from './records.js';

const require = createRequire(import.meta.url);

/** The header fields cpio-stream's newc encoder writes (lower-case names, as it spells them). */
interface PackHeader {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  size: number;
  devmajor: number;
  devminor: number;
  rdevmajor: number;
  rdevminor: number;
}
interface CpioPack extends NodeJS.ReadableStream {
  entry(header: PackHeader, cb: (err?: Error | null) => void): NodeJS.WritableStream;
  entry(header: PackHeader, body: Buffer, cb: (err?: Error | null) => void): NodeJS.WritableStream;
  finalize(): void;
  destroy(err?: Error): void;
}
const cpioStream = require('cpio-stream') as { pack: (opts: { format: 'newc' }) => CpioPack };

export interface NewcFields {
  ino: number;
  mode: number; // including S_IFMT
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  size: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  name: string;
}

const S_IFMT: Record<ArchiveRecord['type'], number> = {
  file: 0o100000,
  hardlink: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  char: 0o020000,
  block: 0o060000,
  fifo: 0o010000,
  socket: 0o140000,
};

const FIELD_MAX = 0xffffffff;

function packHeader(f: NewcFields): PackHeader {
  const h: PackHeader = {
    name: f.name,
    ino: f.ino,
    mode: f.mode,
    uid: f.uid,
    gid: f.gid,
    nlink: f.nlink,
    mtime: f.mtime,
    size: f.size,
    devmajor: f.devMajor,
    devminor: f.devMinor,
    rdevmajor: f.rdevMajor,
    rdevminor: f.rdevMinor,
  };
  for (const [k, v] of Object.entries(h)) {
    if (k !== 'name' && !(Number.isInteger(v) && v >= 0 && v <= FIELD_MAX))
      throw new Error(`${f.name}: cpio newc ${k} ${v} out of range`);
  }
  return h;
}

/**
 * Refuse an unpatched cpio-stream (an install that skipped patch-package): pack one entry with a
 * non-ASCII name and zero mtime/devminor and check the header fields it produced.
 */
export function checkCpioStream(): void {
  const pack = cpioStream.pack({ format: 'newc' });
  const probe = {
    ino: 1,
    mode: 0o040755,
    uid: 0,
    gid: 0,
    nlink: 1,
    mtime: 0,
    size: 0,
    devMajor: 0,
    devMinor: 0,
    rdevMajor: 0,
    rdevMinor: 0,
    name: 'ä',
  };
  pack.entry(packHeader(probe), Buffer.alloc(0), () => {});
  const h = (pack.read() as Buffer | null)?.toString('latin1') ?? '';
  pack.destroy();
  // mtime at 46, devminor at 70, namesize at 94 ('ä' + NUL is 3 bytes), 4-byte aligned.
  const ok =
    h.slice(46, 54) === '00000000' &&
    h.slice(70, 78) === '00000000' &&
    h.slice(94, 102) === '00000003' &&
    h.length === 116;
  if (!ok)
    throw new Error(
      'cpio-stream is not patched (patches/cpio-stream+1.4.3.patch); run `npm ci`, whose postinstall applies it',
    );
}

function fieldsOf(rec: ArchiveRecord, linkBytes: Buffer | undefined): NewcFields {
  const device = rec.type === 'char' || rec.type === 'block';
  if (rec.ino === undefined || rec.nlink === undefined)
    throw new Error(`${rec.path}: no inode assigned (use the inodes() decorator)`);
  if (rec.mode !== (rec.mode & 0o7777))
    throw new Error(`${rec.path}: mode ${rec.mode.toString(8)} has bits outside 07777`);
  return {
    ino: rec.ino,
    mode: S_IFMT[rec.type] | rec.mode,
    uid: rec.uid,
    gid: rec.gid,
    nlink: rec.nlink,
    mtime: rec.mtime ?? 0,
    size: linkBytes ? linkBytes.length : rec.type === 'hardlink' ? 0 : bodySize(rec),
    devMajor: 0,
    devMinor: 0,
    rdevMajor: device ? (rec.devMajor ?? 0) : 0,
    rdevMinor: device ? (rec.devMinor ?? 0) : 0,
    name: rec.path,
  };
}

/**
 * The bare newc encoder: writes records exactly as given (ino and nlink must be set) to `out`.
 * Use `createCpioWriter` for the usual decorated stack.
 */
export function newcWriter(out: NodeJS.WritableStream): RecordWriter {
  checkCpioStream();
  const pack = cpioStream.pack({ format: 'newc' });
  const done = pipeline(pack, out as NodeJS.WritableStream & Writable);
  let failure: Error | undefined;
  done.catch((err: Error) => {
    failure ??= err;
  });
  let closed = false;

  const entry = (header: PackHeader, body?: Buffer | NodeJS.ReadableStream): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if ((header.mode & 0o170000) !== 0o100000) {
        // Non-regular: cpio-stream pushes the header and, for a Buffer, the body plus padding.
        pack.entry(header, body instanceof Buffer ? body : Buffer.alloc(0), cb);
      } else {
        // Regular file: stream through the sink (honours back-pressure, checks the size).
        const sink = pack.entry(header, cb);
        if (body === undefined) sink.end();
        else if (body instanceof Buffer) sink.end(body);
        else pipeline(body, sink as NodeJS.WritableStream & Writable).catch(reject);
      }
    });

  return {
    async write(rec) {
      if (closed) throw new Error('cpio writer already closed');
      if (failure) throw failure;
      const link = rec.type === 'symlink' ? Buffer.from(rec.linkTarget ?? '', 'utf8') : undefined;
      if (rec.type === 'symlink' && !link?.length) throw new Error(`${rec.path}: symlink without a target`);
      const f = fieldsOf(rec, link);
      const header = packHeader(f);
      let body: Buffer | NodeJS.ReadableStream | undefined = link;
      if (rec.type === 'file' && rec.body !== undefined) body = Buffer.isBuffer(rec.body) ? rec.body : rec.body();
      if (rec.type === 'file' && rec.body === undefined && f.size !== 0)
        throw new Error(`${rec.path}: size ${f.size} but no body`);
      try {
        await entry(header, body);
      } catch (err) {
        throw new Error(`cpio: writing ${rec.path} failed`, { cause: err });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (failure) throw failure;
      // The trailer entry, then zeros up to a multiple of 512 bytes.
      pack.finalize();
      await done;
    },
    async abort(err) {
      closed = true;
      pack.destroy(err);
      await done.catch(() => undefined);
    },
  };
}

/** newc writer behind the standard decorator stack (dedup, parents, fixed mtimes, inodes). */
export function createCpioWriter(out: NodeJS.WritableStream, opts: StackOptions = {}): RecordWriter {
  return standardStack(newcWriter(out), opts);
}

/** Write sorted records as a complete newc archive to `out`. */
export async function writeCpio(
  out: NodeJS.WritableStream,
  records: Iterable<ArchiveRecord> | AsyncIterable<ArchiveRecord>,
  opts: StackOptions = {},
): Promise<void> {
  await writeAll(createCpioWriter(out, opts), records);
}

/** Convenience for tests and small archives: the whole archive in memory. */
export async function cpioToBuffer(
  records: Iterable<ArchiveRecord> | AsyncIterable<ArchiveRecord>,
  opts: StackOptions = {},
): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeCpio(out, records, opts);
  return Buffer.concat(chunks);
}
