import { lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCpioStream, cpioToBuffer } from '../../../builder/archive/cpio.js';
import { sortRecords, type ArchiveRecord } from '../../../builder/archive/records.js';
import { dir, file, hardlink, sh, symlink, tempDir } from './helpers.js';

const MTIME = 1_650_000_000;
const longDir = Array.from({ length: 6 }, (_, i) => `component-${i}-${'x'.repeat(40)}`).join('/');
const unicode = 'etc/motd-ünïcødé-日本語-✓';

function sample(): ArchiveRecord[] {
  return sortRecords([
    dir('etc', { mtime: MTIME }),
    file('etc/hello', 'hello world\n', { mtime: MTIME + 1 }),
    dir('empty', { mode: 0o700, mtime: MTIME }),
    symlink('etc/link', 'hello'),
    file('bin/tool', 'X'.repeat(5000), { mode: 0o4755, mtime: MTIME + 2 }),
    file('bin/tool2', 'T', { mode: 0o2755, uid: 1000, gid: 100 }),
    dir('tmp', { mode: 0o1777 }),
    file('usr/big', '', { body: () => Readable.from([Buffer.alloc(70_000, 7)]), size: 70_000 }),
    file('usr/bin/perl', '#!perl\n', { mode: 0o755 }),
    hardlink('usr/bin/perl5.36', 'usr/bin/perl'),
    { path: 'dev/console', type: 'char', mode: 0o600, uid: 0, gid: 5, devMajor: 5, devMinor: 1 },
    { path: 'dev/null', type: 'char', mode: 0o666, uid: 0, gid: 0, devMajor: 1, devMinor: 3 },
    { path: 'dev/sda', type: 'block', mode: 0o660, uid: 0, gid: 6, devMajor: 8, devMinor: 0 },
    { path: 'run/initctl', type: 'fifo', mode: 0o600, uid: 0, gid: 0 },
    file(`${longDir}/leaf-file`, 'deep\n'),
    file(unicode, 'grüß\n'),
  ]);
}

const tmp = tempDir('cpio');
afterAll(() => tmp.cleanup());

describe('newc header encoding', () => {
  it('counts the name in UTF-8 bytes, pads header+name to 4 bytes, keeps zero fields zero', async () => {
    const a = await cpioToBuffer([{ path: 'ä', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 }], { mtime: 0 });
    // 'ä' is 2 bytes + NUL = 3
    expect(a.subarray(0, 6).toString()).toBe('070701');
    expect(a.subarray(94, 102).toString()).toBe('00000003');
    expect(a.subarray(110, 113)).toEqual(Buffer.from([0xc3, 0xa4, 0]));
    expect(a.subarray(113, 116)).toEqual(Buffer.alloc(3)); // 110 + 3 → padded to 116
    expect(a.subarray(116, 122).toString()).toBe('070701'); // the trailer follows, aligned
    expect(a.subarray(46, 54).toString()).toBe('00000000'); // mtime 0 stays 0
    expect(a.subarray(62, 78).toString()).toBe('0'.repeat(16)); // devmajor, devminor 0
  });

  it('the installed cpio-stream carries the fixes', () => {
    expect(() => checkCpioStream()).not.toThrow();
  });

  it('refuses a field cpio-stream would clamp', async () => {
    await expect(cpioToBuffer([{ path: 'big', type: 'dir', mode: 0o755, uid: 2 ** 32, gid: 0 }])).rejects.toThrow(
      /uid 4294967296 out of range/,
    );
  });
});

describe('cpio round trip', async () => {
  const archive = await cpioToBuffer(sample());
  const path = join(tmp.dir, 'a.cpio');
  writeFileSync(path, archive);

  it('is padded to 512 bytes and ends with the trailer', () => {
    expect(archive.length % 512).toBe(0);
    expect(archive.includes(Buffer.from('TRAILER!!!\0'))).toBe(true);
  });

  it('GNU cpio lists every entry with exact names', () => {
    const names = sh('cpio', ['-it', '--quiet', '-F', path]).trim().split('\n');
    expect(names).toContain(`${longDir}/leaf-file`);
    expect(names).toContain(unicode);
    expect(names).toContain('usr/bin/perl5.36');
    expect(names.indexOf('dev')).toBeLessThan(names.indexOf('dev/console')); // parents first
    expect(names.length).toBe(new Set(names).size);
  });

  it('GNU cpio verbose listing shows devices, modes, owners and mtimes', () => {
    const v = sh('cpio', ['-itv', '--quiet', '--numeric-uid-gid', '-F', path], {});
    expect(v).toMatch(/^crw------- +1 0 +5 +5, +1 .* dev\/console$/m);
    expect(v).toMatch(/^brw-rw---- +1 0 +6 +8, +0 .* dev\/sda$/m);
    expect(v).toMatch(/^prw------- .* run\/initctl$/m);
    expect(v).toMatch(/^-rwsr-xr-x +1 0 +0 +5000 .* bin\/tool$/m);
    expect(v).toMatch(/^-rwxr-sr-x +1 1000 +100 .* bin\/tool2$/m);
    expect(v).toMatch(/^drwxrwxrwt .* tmp$/m);
    expect(v).toMatch(/^-rwxr-xr-x +2 0 +0 .* usr\/bin\/perl$/m);
  });

  it('GNU cpio extracts content, links, setuid, devices and mtimes', () => {
    const out = join(tmp.dir, 'gnu');
    sh('mkdir', ['-p', out]);
    sh('cpio', ['-idm', '--quiet', '--no-absolute-filenames', '-F', path], { cwd: out });
    checkTree(out);
  });

  it('bsdtar lists and extracts the same tree', () => {
    const v = sh('bsdtar', ['-tvf', path, '--numeric-owner']);
    expect(v).toMatch(/^crw------- +1 0 +5 +5,1 .* dev\/console$/m);
    expect(v).toMatch(/^brw-rw---- +1 0 +6 +8,0 .* dev\/sda$/m);
    expect(v).toMatch(/usr\/bin\/perl5\.36 link to usr\/bin\/perl$/m);
    const out = join(tmp.dir, 'bsd');
    sh('mkdir', ['-p', out]);
    sh('bsdtar', ['-xpf', path, '--numeric-owner', '-C', out]);
    checkTree(out);
  });

  it('is byte-identical when written twice and when input order is shuffled', async () => {
    const again = await cpioToBuffer(sample());
    expect(again.equals(archive)).toBe(true);
    const shuffled = sample().reverse();
    shuffled.push(...shuffled.splice(0, 5));
    const fromShuffled = await cpioToBuffer(sortRecords(shuffled));
    expect(fromShuffled.equals(archive)).toBe(true);
  });

  it('fixed mtimes with SOURCE_DATE_EPOCH', async () => {
    const fixed = await cpioToBuffer(sample(), { mtime: 1234567890 });
    const v = sh('cpio', ['-itv', '--quiet'], { input: fixed });
    expect(v).not.toMatch(/2022|2023/);
    const out = join(tmp.dir, 'fixed');
    sh('mkdir', ['-p', out]);
    sh('cpio', ['-idm', '--quiet'], { cwd: out, input: fixed });
    expect(lstatSync(join(out, 'etc/hello')).mtimeMs).toBe(1234567890_000);
    expect(lstatSync(join(out, 'empty')).mtimeMs).toBe(1234567890_000);
  });

  it('rejects duplicates and unsorted hardlinks', async () => {
    await expect(cpioToBuffer([file('a', '1'), file('a', '2')])).rejects.toThrow(/duplicate/);
    await expect(cpioToBuffer([hardlink('a', 'b'), file('b', '1', { nlink: 2 })])).rejects.toThrow(
      /anchor not written/,
    );
  });
});

function checkTree(out: string): void {
  expect(readFileSync(join(out, 'etc/hello'), 'utf8')).toBe('hello world\n');
  expect(lstatSync(join(out, 'etc/hello')).mtimeMs).toBe((MTIME + 1) * 1000);
  expect(readlinkSync(join(out, 'etc/link'))).toBe('hello');
  expect(lstatSync(join(out, 'empty')).isDirectory()).toBe(true);
  expect(lstatSync(join(out, 'empty')).mode & 0o7777).toBe(0o700);
  expect(lstatSync(join(out, 'bin/tool')).mode & 0o7777).toBe(0o4755);
  expect(readFileSync(join(out, 'bin/tool')).length).toBe(5000);
  expect(lstatSync(join(out, 'bin/tool2')).uid).toBe(1000);
  expect(readFileSync(join(out, 'usr/big')).equals(Buffer.alloc(70_000, 7))).toBe(true);
  const a = lstatSync(join(out, 'usr/bin/perl'));
  const b = lstatSync(join(out, 'usr/bin/perl5.36'));
  expect(b.ino).toBe(a.ino);
  expect(a.nlink).toBe(2);
  expect(readFileSync(join(out, 'usr/bin/perl5.36'), 'utf8')).toBe('#!perl\n');
  const con = lstatSync(join(out, 'dev/console'));
  expect(con.isCharacterDevice()).toBe(true);
  expect(con.rdev).toBe((5 << 8) | 1);
  const sda = lstatSync(join(out, 'dev/sda'));
  expect(sda.isBlockDevice()).toBe(true);
  expect(sda.rdev).toBe(8 << 8);
  expect(lstatSync(join(out, 'run/initctl')).isFIFO()).toBe(true);
  expect(readFileSync(join(out, longDir, 'leaf-file'), 'utf8')).toBe('deep\n');
  expect(readFileSync(join(out, unicode), 'utf8')).toBe('grüß\n');
}
