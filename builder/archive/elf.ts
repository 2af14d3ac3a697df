/**
 * Just enough of ELF to follow dynamic linking: whether a file is ELF, whether it asks for a
 * program interpreter (an executable), its DT_NEEDED libraries and its DT_SONAME. 64-bit
 * little-endian only (the image is amd64); anything else reads as "not ELF". Pure.
 */
import { Buffer } from 'node:buffer';

export interface ElfInfo {
  /** Has a PT_INTERP segment: the kernel runs it through the dynamic loader. */
  interp: boolean;
  /** DT_NEEDED entries in file order. */
  needed: string[];
  soname?: string;
}

const PT_INTERP = 3;
const PT_DYNAMIC = 2;
const PT_LOAD = 1;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_SONAME = 14;

export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

/** Parse an ELF64 LE file; null when it is not one (or is truncated). */
export function readElf(buf: Buffer): ElfInfo | null {
  if (!isElf(buf) || buf.length < 64 || buf[4] !== 2 || buf[5] !== 1) return null;
  try {
    const phoff = Number(buf.readBigUInt64LE(0x20));
    const phentsize = buf.readUInt16LE(0x36);
    const phnum = buf.readUInt16LE(0x38);
    const loads: Array<{ vaddr: number; offset: number; filesz: number }> = [];
    let interp = false;
    let dyn: { offset: number; size: number } | undefined;
    for (let i = 0; i < phnum; i++) {
      const p = phoff + i * phentsize;
      const type = buf.readUInt32LE(p);
      const offset = Number(buf.readBigUInt64LE(p + 8));
      const vaddr = Number(buf.readBigUInt64LE(p + 16));
      const filesz = Number(buf.readBigUInt64LE(p + 32));
      if (type === PT_INTERP) interp = true;
      if (type === PT_DYNAMIC) dyn = { offset, size: filesz };
      if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
    }
    if (!dyn) return { interp, needed: [] };
    const toOffset = (vaddr: number): number | undefined => {
      const seg = loads.find((l) => vaddr >= l.vaddr && vaddr < l.vaddr + l.filesz);
      return seg ? vaddr - seg.vaddr + seg.offset : undefined;
    };
    let strtab: number | undefined;
    const neededOffs: number[] = [];
    let sonameOff: number | undefined;
    for (let p = dyn.offset; p + 16 <= dyn.offset + dyn.size; p += 16) {
      const tag = Number(buf.readBigInt64LE(p));
      const val = Number(buf.readBigUInt64LE(p + 8));
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) neededOffs.push(val);
      else if (tag === DT_STRTAB) strtab = toOffset(val);
      else if (tag === DT_SONAME) sonameOff = val;
    }
    if (strtab === undefined) return { interp, needed: [] };
    const str = (off: number): string => {
      const start = strtab! + off;
      const end = buf.indexOf(0, start);
      return buf.toString('latin1', start, end < 0 ? buf.length : end);
    };
    const info: ElfInfo = { interp, needed: neededOffs.map(str) };
    if (sonameOff !== undefined) info.soname = str(sonameOff);
    return info;
  } catch {
    return null;
  }
}
