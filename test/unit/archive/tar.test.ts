import {
  createReadStream,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  linkSync,
  chmodSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpioToBuffer } from '../../../builder/archive/cpio.js';
import { collect, mergeSorted, sortRecords } from '../../../builder/archive/records.js';
import { readTar } from '../../../builder/archive/tar.js';
import { sh, tempDir } from './helpers.js';

const tmp = tempDir('tar');
afterAll(() => tmp.cleanup());

describe('tar → records → cpio', () => {
  const src = join(tmp.dir, 'src');
  mkdirSync(join(src, 'usr/bin'), { recursive: true });
  mkdirSync(join(src, 'etc'));
  mkdirSync(join(src, 'var/empty'), { recursive: true });
  writeFileSync(join(src, 'usr/bin/zz-perl'), 'perl binary\n');
  linkSync(join(src, 'usr/bin/zz-perl'), join(src, 'usr/bin/aa-perl5')); // sorts before its anchor
  symlinkSync('../usr/bin/zz-perl', join(src, 'etc/perl-link'));
  writeFileSync(join(src, 'etc/big'), Buffer.alloc(300_000, 0x41));
  writeFileSync(join(src, 'etc/suid'), 'x');
  chmodSync(join(src, 'etc/suid'), 0o4711);
  utimesSync(join(src, 'etc/suid'), 1_600_000_000, 1_600_000_000);
  mkdirSync(join(src, 'dev'));
  sh('mknod', ['-m', '0620', join(src, 'dev/tty0'), 'c', '4', '0']);
  sh('mknod', ['-m', '0660', join(src, 'dev/loop7'), 'b', '7', '7']);
  sh('mkfifo', [join(src, 'dev/fifo')]);
  const tarPath = join(tmp.dir, 'root.tar');
  sh('tar', ['--numeric-owner', '--owner=0', '--group=0', '-cf', tarPath, '-C', src, '.']);

  it('yields normalised records with types, modes, hardlink and symlink targets', async () => {
    const reader = readTar(createReadStream(tarPath), { bufferLimit: 100_000 });
    const recs = await collect(reader.records);
    const byPath = new Map(recs.map((r) => [r.path, r]));
    expect(recs.some((r) => r.path === '' || r.path.startsWith('.') || r.path.endsWith('/'))).toBe(false);
    expect(byPath.get('usr/bin')?.type).toBe('dir');
    expect(byPath.get('etc/perl-link')).toMatchObject({ type: 'symlink', linkTarget: '../usr/bin/zz-perl' });
    const link = [...byPath.values()].find((r) => r.type === 'hardlink');
    expect(link && ['usr/bin/aa-perl5', 'usr/bin/zz-perl']).toContain(link?.linkTarget);
    expect(byPath.get('etc/suid')).toMatchObject({
      type: 'file',
      mode: 0o4711,
      uid: 0,
      gid: 0,
      mtime: 1_600_000_000,
      size: 1,
    });
    expect(byPath.get('dev/tty0')).toMatchObject({ type: 'char', mode: 0o620, devMajor: 4, devMinor: 0 });
    expect(byPath.get('dev/loop7')).toMatchObject({ type: 'block', mode: 0o660, devMajor: 7, devMinor: 7 });
    expect(byPath.get('dev/fifo')?.type).toBe('fifo');
    const big = byPath.get('etc/big');
    expect(typeof big?.body).toBe('function'); // spooled, not buffered
    expect(big?.size).toBe(300_000);

    const archive = await cpioToBuffer(sortRecords(recs));
    await reader.dispose();
    const out = join(tmp.dir, 'out');
    mkdirSync(out);
    sh('cpio', ['-idm', '--quiet'], { cwd: out, input: archive });
    const a = lstatSync(join(out, 'usr/bin/aa-perl5'));
    const z = lstatSync(join(out, 'usr/bin/zz-perl'));
    expect(a.ino).toBe(z.ino);
    expect(a.nlink).toBe(2);
    expect(readFileSync(join(out, 'usr/bin/aa-perl5'), 'utf8')).toBe('perl binary\n');
    expect(readFileSync(join(out, 'etc/big')).equals(Buffer.alloc(300_000, 0x41))).toBe(true);
    expect(lstatSync(join(out, 'etc/suid')).mode & 0o7777).toBe(0o4711);
    expect(lstatSync(join(out, 'var/empty')).isDirectory()).toBe(true);
    expect(lstatSync(join(out, 'dev/loop7')).rdev).toBe((7 << 8) | 7);
    expect(lstatSync(join(out, 'dev/tty0')).isCharacterDevice()).toBe(true);

    const bsd = join(tmp.dir, 'bsd');
    mkdirSync(bsd);
    sh('bsdtar', ['-xpf', '-', '-C', bsd], { input: archive });
    expect(lstatSync(join(bsd, 'usr/bin/aa-perl5')).ino).toBe(lstatSync(join(bsd, 'usr/bin/zz-perl')).ino);
    expect(readFileSync(join(bsd, 'usr/bin/zz-perl'), 'utf8')).toBe('perl binary\n');
  });

  it('merges an overlay over the rootfs, later source wins, and stays reproducible', async () => {
    const build = async (): Promise<Buffer> => {
      const reader = readTar(createReadStream(tarPath));
      const root = await collect(reader.records);
      const overlay = [
        {
          path: 'usr/bin/zz-perl',
          type: 'file' as const,
          mode: 0o755,
          uid: 0,
          gid: 0,
          body: Buffer.from('replaced\n'),
        },
      ];
      const merged = mergeSorted(root, overlay);
      const buf = await cpioToBuffer(merged, { mtime: 1_700_000_000 });
      await reader.dispose();
      return buf;
    };
    const one = await build();
    const two = await build();
    expect(one.equals(two)).toBe(true);
    const out = join(tmp.dir, 'merged');
    mkdirSync(out);
    sh('cpio', ['-idm', '--quiet'], { cwd: out, input: one });
    expect(readFileSync(join(out, 'usr/bin/zz-perl'), 'utf8')).toBe('replaced\n');
    // the rootfs hardlink keeps the original data and is no longer linked
    expect(readFileSync(join(out, 'usr/bin/aa-perl5'), 'utf8')).toBe('perl binary\n');
    expect(lstatSync(join(out, 'usr/bin/aa-perl5')).nlink).toBe(1);
    expect(lstatSync(join(out, 'etc/suid')).mtimeMs).toBe(1_700_000_000_000);
  });
});
