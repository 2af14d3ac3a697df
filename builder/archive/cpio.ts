/**
 * newc ("070701") cpio writer on top of cpio-stream's Pack, as the Linux initramfs unpacker
 * (init/initramfs.c), GNU cpio and libarchive read it.
 *
 * cpio-stream 1.4.x quirks and how this module handles each:
 *  1. Its newc header encoder sets namesize to the JS string length and pads the name by string
 *     length too, so any non-ASCII name gets a wrong namesize and a misaligned header (the UTF-8
 *     bytes are even cut off by the fixed-size buffer). → We replace the pack's `_encode` with
 *     `encodeNewcHeader`, which works on UTF-8 bytes.
 *  2. `entry()` silently replaces falsy header fields with defaults: mtime 0 → now (breaks
 *     reproducibility), ino 0 → a counter, mode 0 → 0100644, nlink 0 → 1, devminor 0 → dev
 *     (0777777), rdevminor 0 → `rdev`. → Our encoder never reads those top-level fields; it
 *     encodes the exact values we put under `header.newc`, which `entry()` does not touch.
 *  3. It uses the deprecated `new Buffer()`: for symlink bodies (from `linkname`), the end-of-
 *     archive fill and the 4-byte padding. → We never pass `linkname` (symlink targets go in as
 *     a Buffer body), never call `finalize()` (we write the trailer and the final fill
 *     ourselves), and our encoder allocates with `Buffer.alloc`. The remaining padding call sits
 *     inside node_modules, for which Node does not emit the DEP0005 warning.
 *  4. `finalize()` pads with `fill.slice(0, 512 - size)` where `size` stops counting at the first
 *     512 bytes, so archives over 512 bytes get an odd-length run of zeros. → Own trailer plus
 *     zero fill to a multiple of 512 bytes (what GNU cpio writes), from our own byte count.
 *  5. Buffer bodies are pushed without honouring back-pressure. → File bodies always go through
 *     the streaming sink (which waits for `_read`), even when they are in memory.
 *  6. Hardlinks: nothing in cpio-stream. The kernel extracts the FIRST entry of an
 *     (ino, dev, mode) group with nlink ≥ 2 and hard-links later entries to it (maybe_link /
 *     find_link), GNU cpio and libarchive also accept data-first groups. → The `inodes()`
 *     decorator gives every member the same ino and nlink; later members are written as regular
 *     files with size 0 and the anchor's mode.
 *  7. Device numbers: it has `rdevmajor`/`rdevminor` fields only through the encoder. → Set from
 *     `devMajor`/`devMinor`; the archive's own dev fields are always 0.
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { standardStack, type StackOptions } from './decorators.js';
import { bodySize, writeAll, type ArchiveRecord, type RecordWriter } from './records.js';

const require = createRequire(import.meta.url);

interface PackHeader {
  name: string;
  mode: number;
  size: number;
  newc?: NewcFields;
}
interface CpioPack extends NodeJS.ReadableStream {
  _encode: (h: PackHeader) => Buffer;
  entry(header: PackHeader, cb: (err?: Error | null) => void): NodeJS.WritableStream;
  entry(header: PackHeader, body: Buffer, cb: (err?: Error | null) => void): NodeJS.WritableStream;
  push(chunk: Buffer | null): boolean;
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

export const NEWC_HEADER_SIZE = 110;
export const TRAILER_NAME = 'TRAILER!!!';

function hex8(n: number, field: string, name: string): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`${name}: cpio newc ${field} ${n} out of range`);
  return n.toString(16).toUpperCase().padStart(8, '0');
}

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

/** One newc header including the NUL-terminated name and its padding to a 4-byte boundary. */
export function encodeNewcHeader(f: NewcFields): Buffer {
  const name = Buffer.from(f.name + '\0', 'utf8');
  const fields = [f.ino, f.mode, f.uid, f.gid, f.nlink, f.mtime, f.size, f.devMajor, f.devMinor, f.rdevMajor, f.rdevMinor, name.length, 0];
  const labels = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check'];
  const text = '070701' + fields.map((v, i) => hex8(v, labels[i] ?? '', f.name)).join('');
  const out = Buffer.alloc(NEWC_HEADER_SIZE + name.length + pad4(NEWC_HEADER_SIZE + name.length));
  out.write(text, 0, 'latin1');
  name.copy(out, NEWC_HEADER_SIZE);
  return out;
}

function fieldsOf(rec: ArchiveRecord, linkBytes: Buffer | undefined): NewcFields {
  const device = rec.type === 'char' || rec.type === 'block';
  if (rec.ino === undefined || rec.nlink === undefined) throw new Error(`${rec.path}: no inode assigned (use the inodes() decorator)`);
  if (rec.mode !== (rec.mode & 0o7777)) throw new Error(`${rec.path}: mode ${rec.mode.toString(8)} has bits outside 07777`);
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

const TRAILER: NewcFields = {
  ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0,
  devMajor: 0, devMinor: 0, rdevMajor: 0, rdevMinor: 0, name: TRAILER_NAME,
};

/**
 * The bare newc encoder: writes records exactly as given (ino and nlink must be set) to `out`.
 * Use `createCpioWriter` for the usual decorated stack.
 */
export function newcWriter(out: NodeJS.WritableStream): RecordWriter {
  const pack = cpioStream.pack({ format: 'newc' });
  pack._encode = (h: PackHeader): Buffer => {
    if (!h.newc) throw new Error('cpio header without newc fields');
    return encodeNewcHeader(h.newc);
  };
  const done = pipeline(pack, out as NodeJS.WritableStream & Writable);
  let failure: Error | undefined;
  done.catch((err: Error) => {
    failure ??= err;
  });
  let written = 0;
  let closed = false;

  const entry = (fields: NewcFields, body?: Buffer | NodeJS.ReadableStream): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const header: PackHeader = { name: fields.name, mode: fields.mode, size: fields.size, newc: fields };
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if ((fields.mode & 0o170000) !== 0o100000) {
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
      let body: Buffer | NodeJS.ReadableStream | undefined = link;
      if (rec.type === 'file' && rec.body !== undefined) body = Buffer.isBuffer(rec.body) ? rec.body : rec.body();
      if (rec.type === 'file' && rec.body === undefined && f.size !== 0) throw new Error(`${rec.path}: size ${f.size} but no body`);
      try {
        await entry(f, body);
      } catch (err) {
        throw new Error(`cpio: writing ${rec.path} failed`, { cause: err });
      }
      const headerLen = NEWC_HEADER_SIZE + Buffer.byteLength(f.name + '\0');
      written += headerLen + pad4(headerLen) + f.size + pad4(f.size);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (failure) throw failure;
      await entry(TRAILER, Buffer.alloc(0));
      const h = encodeNewcHeader(TRAILER).length;
      written += h;
      pack.push(Buffer.alloc((512 - (written % 512)) % 512));
      pack.push(null);
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
export async function writeCpio(out: NodeJS.WritableStream, records: Iterable<ArchiveRecord> | AsyncIterable<ArchiveRecord>, opts: StackOptions = {}): Promise<void> {
  await writeAll(createCpioWriter(out, opts), records);
}

/** Convenience for tests and small archives: the whole archive in memory. */
export async function cpioToBuffer(records: Iterable<ArchiveRecord> | AsyncIterable<ArchiveRecord>, opts: StackOptions = {}): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeCpio(out, records, opts);
  return Buffer.concat(chunks);
}
