/**
 * A smaller ICU data library for Node. Debian's nodejs links the system ICU, whose data library
 * (libicudata, 30 MiB) carries every locale of CLDR, every legacy charset converter and the
 * transliterators. The supervisor formats in English only, so the image keeps what Node's own
 * "small-icu" build keeps: the root and English locales, and all locale-independent data (time
 * zones, Unicode properties, normalisation, break rules with their dictionaries, collation root).
 * Other locales fall back to English, as in small-icu. The reduced common-data package is
 * re-wrapped as a shared library with the same soname and entry symbol (objcopy + ld).
 *
 * Common-data format (ICU's udata): a header (uint16 headerSize, magic 0xda 0x27, UDataInfo with
 * dataFormat "CmnD"), then a TOC at headerSize: uint32 count, count × (uint32 nameOffset,
 * uint32 dataOffset) relative to the TOC, the names, then the items, each 16-byte aligned.
 */
import { Buffer } from 'node:buffer';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';

/** Locales the image keeps (with root, the fallback of every locale). */
export const ICU_LOCALES = ['root', 'en', 'en_US', 'en_US_POSIX', 'en_001'] as const;

export interface IcuItem {
  name: string;
  data: Buffer;
}

export interface IcuPackage {
  header: Buffer;
  items: IcuItem[];
}

/** Offset of the common-data package inside a buffer (e.g. libicudata's .rodata), or -1. Pure. */
export function findCommonData(buf: Buffer): number {
  for (let p = buf.indexOf('CmnD', 0, 'latin1'); p >= 0; p = buf.indexOf('CmnD', p + 1, 'latin1')) {
    const start = p - 12;
    if (start >= 0 && buf[start + 2] === 0xda && buf[start + 3] === 0x27) return start;
  }
  return -1;
}

/** Parse a common-data package that ends at `end` (exclusive). Pure. */
export function parseCommonData(buf: Buffer, start = 0, end = buf.length): IcuPackage {
  if (buf[start + 2] !== 0xda || buf[start + 3] !== 0x27) throw new Error('not an ICU common data package (bad magic)');
  const hs = buf.readUInt16LE(start);
  if (buf.toString('latin1', start + 12, start + 16) !== 'CmnD')
    throw new Error('not an ICU common data package (format is not CmnD)');
  if (buf[start + 8] !== 0) throw new Error('big-endian ICU data is not supported');
  const toc = start + hs;
  const count = buf.readUInt32LE(toc);
  const entries: Array<{ name: string; off: number }> = [];
  for (let i = 0; i < count; i++) {
    const nameAt = toc + buf.readUInt32LE(toc + 4 + i * 8);
    const nul = buf.indexOf(0, nameAt);
    entries.push({ name: buf.toString('latin1', nameAt, nul), off: toc + buf.readUInt32LE(toc + 8 + i * 8) });
  }
  const items = entries.map((e, i) => ({
    name: e.name,
    data: buf.subarray(e.off, i + 1 < count ? entries[i + 1]!.off : end),
  }));
  return { header: buf.subarray(start, toc), items };
}

const align16 = (n: number): number => (n + 15) & ~15;

/** Serialise a package (items stay in the given, sorted, order; each 16-byte aligned). Pure. */
export function writeCommonData(pkg: IcuPackage): Buffer {
  const tocLen = 4 + pkg.items.length * 8;
  const names = pkg.items.map((i) => Buffer.from(i.name + '\0', 'latin1'));
  const namesLen = names.reduce((n, b) => n + b.length, 0);
  const toc = Buffer.alloc(tocLen);
  toc.writeUInt32LE(pkg.items.length, 0);
  let nameOff = tocLen;
  let dataOff = align16(tocLen + namesLen);
  const body: Buffer[] = [];
  pkg.items.forEach((item, i) => {
    toc.writeUInt32LE(nameOff, 4 + i * 8);
    toc.writeUInt32LE(dataOff, 8 + i * 8);
    nameOff += names[i]!.length;
    const padded = align16(item.data.length);
    body.push(item.data, Buffer.alloc(padded - item.data.length));
    dataOff += padded;
  });
  return Buffer.concat([
    pkg.header,
    toc,
    ...names,
    Buffer.alloc(align16(tocLen + namesLen) - tocLen - namesLen),
    ...body,
  ]);
}

/**
 * Locale-independent data the supervisor never uses: legacy charset converters, the word
 * dictionaries of Chinese/Japanese, Thai, Lao, Khmer and Burmese segmentation (without them ICU
 * segments those scripts by its rules alone), the Japanese line-break variants, character names,
 * StringPrep profiles and the spoof checker's confusables.
 */
export const DROPPED_DATA: readonly RegExp[] = [
  /\.cnv$/,
  /\.dict$/,
  /_cj\.brk$/,
  /phrase/,
  /^unames\.icu$/,
  /\.spp$/,
  /^confusables/,
];

/**
 * Whether the image keeps an item ("icudt76l/coll/de.res" → no). Locale bundles are kept for
 * `locales` only; transliterators and DROPPED_DATA go; everything else stays. Pure.
 */
export function keepIcuItem(name: string, locales: readonly string[] = ICU_LOCALES): boolean {
  const rel = name.slice(name.indexOf('/') + 1);
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  if (rel.startsWith('translit/') || DROPPED_DATA.some((r) => r.test(base))) return false;
  const m = /^([a-z]{2,3}(?:_[A-Za-z0-9]*)*)\.res$/.exec(base);
  if (!m || base === 'res_index.res' || base === 'pool.res') return true;
  return locales.includes(m[1]!);
}

/** The reduced package. Throws when a kept item's name does not look like ICU's. Pure. */
export function reduceCommonData(pkg: IcuPackage, keep: (name: string) => boolean = keepIcuItem): IcuPackage {
  return { header: pkg.header, items: pkg.items.filter((i) => keep(i.name)) };
}

/** Section [start, end) of an ELF64 file that contains file offset `at`. Pure. */
export function sectionAround(elf: Buffer, at: number): { start: number; end: number } {
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    const type = elf.readUInt32LE(s + 4);
    const off = Number(elf.readBigUInt64LE(s + 24));
    const size = Number(elf.readBigUInt64LE(s + 32));
    if (type !== 8 /* NOBITS */ && at >= off && at < off + size) return { start: off, end: off + size };
  }
  throw new Error(`no ELF section holds offset ${at}`);
}

/** libicudata.so.76.1 → { soname: libicudata.so.76, symbol: icudt76_dat }. Pure. */
export function icuDataNames(fileName: string): { soname: string; symbol: string } {
  const m = /^libicudata\.so\.(\d+)(\.|$)/.exec(fileName);
  if (!m) throw new Error(`${fileName}: not an ICU data library name`);
  return { soname: `libicudata.so.${m[1]}`, symbol: `icudt${m[1]}_dat` };
}

export interface SmallIcu {
  library: Buffer;
  items: { before: number; after: number };
  bytes: { before: number; after: number };
}

/** Build the reduced data library from the original one (objcopy + ld in the work directory). */
export async function buildSmallIcu(ctx: BuildContext, fileName: string, original: Buffer): Promise<SmallIcu> {
  const start = findCommonData(original);
  if (start < 0) throw new Error(`${fileName}: no ICU common data found`);
  const { end } = sectionAround(original, start);
  const full = parseCommonData(original, start, end);
  const small = reduceCommonData(full);
  const { soname, symbol } = icuDataNames(fileName);
  const dat = join(ctx.workDir, 'icudata.dat');
  await writeFile(dat, writeCommonData(small));
  await ctx.run(
    'objcopy',
    [
      '-I',
      'binary',
      '-O',
      'elf64-x86-64',
      '-B',
      'i386:x86-64',
      '--rename-section',
      '.data=.rodata,alloc,load,readonly,data,contents',
      '--set-section-alignment',
      '.rodata=16',
      '--redefine-sym',
      `_binary_icudata_dat_start=${symbol}`,
      '--strip-symbol',
      '_binary_icudata_dat_end',
      '--strip-symbol',
      '_binary_icudata_dat_size',
      'icudata.dat',
      'icudata.o',
    ],
    { cwd: ctx.workDir },
  );
  await ctx.run(
    'ld',
    ['-shared', '-soname', soname, '-z', 'noexecstack', '--build-id=none', '-o', 'icudata.so', 'icudata.o'],
    { cwd: ctx.workDir },
  );
  const library = await readFile(join(ctx.workDir, 'icudata.so'));
  return {
    library,
    items: { before: full.items.length, after: small.items.length },
    bytes: { before: original.length, after: library.length },
  };
}
