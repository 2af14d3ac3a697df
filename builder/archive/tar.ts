/**
 * Read a tar stream (tar-stream) as ArchiveRecords.
 *
 * Memory: the records are usually collected and sorted before writing, so every body must
 * outlive the tar stream. Bodies up to `bufferLimit` (default 1 MiB) are kept in memory — a
 * Debian rootfs is tens of thousands of small files, and one Buffer each is the cheapest way to
 * hold them. Larger bodies are spooled to one file each under `spoolDir` (a fresh temp dir by
 * default) and the record gets a stream factory; call `dispose()` when the archive is written.
 * Peak memory is therefore roughly the sum of the small files (a few hundred MB for a full
 * rootfs, less after stripping), never one huge file.
 *
 * Names are decoded as UTF-8 (tar-stream's default), which is what a Debian rootfs uses.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Buffer } from 'node:buffer';
import tarStream from 'tar-stream';
import { normalizePath, type ArchiveRecord, type RecordType } from './records.js';

const TYPES: Record<string, RecordType | undefined> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

export interface ReadTarOptions {
  /** Bodies larger than this many bytes are spooled to disk (default 1 MiB). */
  bufferLimit?: number;
  /** Where to spool large bodies; default: a fresh directory under the OS temp dir. */
  spoolDir?: string;
  /** Called for entry types with no record form (pax and GNU long-name headers are consumed
   *  by tar-stream itself; this sees anything else). Default: throw. */
  onUnsupported?: (name: string, type: string) => void;
}

export interface TarReader {
  records: AsyncIterable<ArchiveRecord>;
  /** Remove spooled bodies. Call after the records have been written. */
  dispose(): Promise<void>;
}

async function drain(entry: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of entry) {
    // discard
  }
}

/** Records from a tar stream, in archive order, with './' and trailing '/' stripped. */
export function readTar(input: NodeJS.ReadableStream, opts: ReadTarOptions = {}): TarReader {
  const limit = opts.bufferLimit ?? 1024 * 1024;
  let spool: string | undefined;
  let spooled = 0;
  let ownSpool = false;

  async function spoolPath(): Promise<string> {
    if (!spool) {
      if (opts.spoolDir) spool = opts.spoolDir;
      else {
        spool = await mkdtemp(join(tmpdir(), 'pillars-tar-'));
        ownSpool = true;
      }
    }
    return join(spool, `body-${spooled++}`);
  }

  async function* records(): AsyncGenerator<ArchiveRecord> {
    const extract = tarStream.extract();
    const feeding = pipeline(input, extract);
    feeding.catch(() => undefined); // surfaced through the iterator below
    let finished = false;
    try {
      for await (const entry of extract) {
        const h = entry.header;
        const path = normalizePath(h.name);
        const type = TYPES[h.type ?? 'file'];
        if (!type || path === '') {
          await drain(entry);
          if (path !== '' && !type) {
            if (opts.onUnsupported) opts.onUnsupported(h.name, String(h.type));
            else throw new Error(`tar entry ${h.name}: unsupported type ${String(h.type)}`);
          }
          continue;
        }
        const rec: ArchiveRecord = {
          path,
          type,
          mode: (h.mode ?? 0o644) & 0o7777,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
          mtime: Math.floor((h.mtime?.getTime() ?? 0) / 1000),
        };
        if (type === 'symlink') rec.linkTarget = h.linkname ?? '';
        if (type === 'hardlink') rec.linkTarget = normalizePath(h.linkname ?? '');
        if (type === 'char' || type === 'block') {
          rec.devMajor = h.devmajor ?? 0;
          rec.devMinor = h.devminor ?? 0;
        }
        if (type === 'file') {
          const size = h.size ?? 0;
          rec.size = size;
          if (size <= limit) {
            const chunks: Buffer[] = [];
            for await (const c of entry) chunks.push(c as Buffer);
            rec.body = Buffer.concat(chunks);
            if (rec.body.length !== size)
              throw new Error(`tar entry ${h.name}: read ${rec.body.length} of ${size} bytes`);
          } else {
            const file = await spoolPath();
            await pipeline(entry, createWriteStream(file));
            rec.body = () => createReadStream(file);
          }
        } else {
          await drain(entry);
        }
        yield rec;
      }
      await feeding;
      finished = true;
    } finally {
      // A consumer that stops early (or an error) must not leave the input stream flowing.
      if (!finished) extract.destroy();
    }
  }

  return {
    records: records(),
    async dispose() {
      if (spool && ownSpool) await rm(spool, { recursive: true, force: true });
    },
  };
}
