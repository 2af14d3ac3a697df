import { describe, expect, it } from 'vitest';
import { readFileSync, realpathSync } from 'node:fs';
import { readElf } from '../../../builder/archive/elf.js';
import type { ElfInfo } from '../../../builder/archive/elf.js';
import type { ArchiveRecord } from '../../../builder/archive/records.js';
import { dropLibraries, planLibraries, resolveInImage } from '../../../builder/stages/libraries.js';

const file = (path: string): ArchiveRecord => ({
  path,
  type: 'file',
  mode: 0o755,
  uid: 0,
  gid: 0,
  body: Buffer.alloc(0),
});
const link = (path: string, linkTarget: string): ArchiveRecord => ({
  path,
  type: 'symlink',
  mode: 0o777,
  uid: 0,
  gid: 0,
  linkTarget,
});
const L = 'usr/lib/x86_64-linux-gnu';

describe('ELF reader', () => {
  it('reads the interpreter flag, DT_NEEDED and DT_SONAME of real host binaries', () => {
    const sh = readElf(readFileSync(realpathSync('/bin/sh')))!;
    expect(sh.interp).toBe(true);
    expect(sh.needed).toContain('libc.so.6');
    const z = readElf(readFileSync(realpathSync(`/${L}/libz.so.1`)))!;
    expect(z.interp).toBe(false);
    expect(z.soname).toBe('libz.so.1');
    expect(z.needed).toEqual(['libc.so.6']);
  });

  it('reads scripts, text and truncated files as not ELF', () => {
    expect(readElf(Buffer.from('#!/bin/sh\necho hi\n'))).toBeNull();
    expect(readElf(readFileSync(realpathSync('/bin/sh')).subarray(0, 40))).toBeNull();
  });
});

describe('shared library plan', () => {
  // merged /usr: lib → usr/lib; libfoo.so.1 → libfoo.so.1.2 like Debian ships them
  const records: ArchiveRecord[] = [
    link('lib', 'usr/lib'),
    file('usr/bin/prog'),
    file(`${L}/libused.so.1.0`),
    link(`${L}/libused.so.1`, 'libused.so.1.0'),
    file(`${L}/libdep.so.2`),
    file(`${L}/libunused.so.3.1`),
    link(`${L}/libunused.so.3`, 'libunused.so.3.1'),
    file(`${L}/libplugdep.so.1`),
    file(`${L}/security/pam_x.so`),
    file(`${L}/libnss_files.so.2`),
    file(`${L}/libc.so.6`),
  ];
  const elf = new Map<string, ElfInfo>([
    ['usr/bin/prog', { interp: true, needed: ['libused.so.1', 'libc.so.6'] }],
    [`${L}/libused.so.1.0`, { interp: false, needed: ['libdep.so.2'] }],
    [`${L}/libdep.so.2`, { interp: false, needed: [] }],
    [`${L}/libunused.so.3.1`, { interp: false, needed: ['libc.so.6'] }],
    [`${L}/libplugdep.so.1`, { interp: false, needed: [] }],
    [`${L}/security/pam_x.so`, { interp: false, needed: ['libplugdep.so.1'] }],
    [`${L}/libnss_files.so.2`, { interp: false, needed: [] }],
    [`${L}/libc.so.6`, { interp: true, needed: [] }],
  ]);

  it('drops a library no kept program links, with its symlink; keeps what programs and dlopen()ed plugins need', () => {
    const plan = planLibraries(records, elf);
    expect(plan.missing).toEqual([]);
    expect(plan.drop).toEqual([`${L}/libunused.so.3`, `${L}/libunused.so.3.1`]);
    const kept = dropLibraries(records, plan).map((r) => r.path);
    for (const p of [`${L}/libused.so.1`, `${L}/libdep.so.2`, `${L}/libplugdep.so.1`, `${L}/libnss_files.so.2`])
      expect(kept).toContain(p);
  });

  it('reports a program whose library is not in the image', () => {
    const broken = new Map(elf);
    broken.set('usr/bin/prog', { interp: true, needed: ['libused.so.1', 'libgone.so.9'] });
    expect(planLibraries(records, broken).missing).toEqual([{ path: 'usr/bin/prog', needed: 'libgone.so.9' }]);
    const dangling = records.filter((r) => r.path !== `${L}/libused.so.1.0`);
    expect(planLibraries(dangling, elf).missing).toEqual([{ path: 'usr/bin/prog', needed: 'libused.so.1' }]);
  });

  it('resolves symlinks in any path component, and refuses loops', () => {
    const byPath = new Map(records.map((r) => [r.path, r]));
    expect(resolveInImage(byPath, 'lib/x86_64-linux-gnu/libused.so.1')).toBe(`${L}/libused.so.1.0`);
    const loop = new Map([
      ['a', link('a', 'b')],
      ['b', link('b', 'a')],
    ]);
    expect(resolveInImage(loop, 'a')).toBeUndefined();
  });
});
