import { describe, expect, it } from 'vitest';
import { dedup, inodes, reproducible, withParents } from '../../../builder/archive/decorators.js';
import {
  comparePaths,
  filterRecords,
  mergeSorted,
  normalizePath,
  sortRecords,
  type ArchiveRecord,
  type RecordWriter,
} from '../../../builder/archive/records.js';
import { dir, file, hardlink, symlink } from './helpers.js';

function sink(): RecordWriter & { recs: ArchiveRecord[]; closed: boolean } {
  const s = {
    recs: [] as ArchiveRecord[],
    closed: false,
    write: async (r: ArchiveRecord) => void s.recs.push(r),
    close: async () => void (s.closed = true),
  };
  return s;
}

describe('paths', () => {
  it.each([
    ['./etc/passwd', 'etc/passwd'],
    ['/usr/bin/', 'usr/bin'],
    ['./', ''],
    ['a//b', 'a/b'],
  ])('normalizePath(%j) = %j', (input, want) => expect(normalizePath(input)).toBe(want));

  it('orders parents first and keeps directories contiguous', () => {
    const paths = ['a.x', 'a/b', 'a', 'a-b', 'b', 'a/b/c', 'Z', 'ä'];
    expect([...paths].sort(comparePaths)).toEqual(['Z', 'a', 'a/b', 'a/b/c', 'a-b', 'a.x', 'b', 'ä']);
  });
});

describe('hardlink groups', () => {
  const group = [
    file('z/anchor', 'DATA', { mode: 0o755 }),
    hardlink('a/second', 'z/anchor'),
    hardlink('m/third', 'a/second'),
  ];

  it('sortRecords moves the data to the first member in path order', () => {
    const out = sortRecords(group);
    expect(out.map((r) => [r.path, r.type, r.linkTarget, r.nlink])).toEqual([
      ['a/second', 'file', undefined, 3],
      ['m/third', 'hardlink', 'a/second', 3],
      ['z/anchor', 'hardlink', 'a/second', 3],
    ]);
    expect(out[0]?.body?.toString()).toBe('DATA');
    expect(out.every((r) => r.mode === 0o755)).toBe(true);
  });

  it('filterRecords re-anchors a group whose anchor is dropped', () => {
    const out = filterRecords(group, (r) => r.path !== 'z/anchor');
    expect(out.map((r) => [r.path, r.type, r.nlink])).toEqual([
      ['a/second', 'file', 2],
      ['m/third', 'hardlink', 2],
    ]);
    expect(out[0]?.body?.toString()).toBe('DATA');
  });

  it('a lone survivor becomes a plain file', () => {
    const out = filterRecords(group, (r) => r.path === 'm/third');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ path: 'm/third', type: 'file' });
    expect(out[0]?.nlink).toBeUndefined();
    expect(out[0]?.body?.toString()).toBe('DATA');
  });

  it('a hardlink to nothing is an error', () => {
    expect(() => sortRecords([hardlink('a', 'missing')])).toThrow(/not a regular file/);
  });
});

describe('mergeSorted', () => {
  it('later source wins, result is sorted', () => {
    const out = mergeSorted(
      [file('etc/a', 'root'), file('etc/b', 'root'), dir('etc')],
      [file('etc/a', 'overlay'), symlink('etc/c', 'a')],
    );
    expect(out.map((r) => r.path)).toEqual(['etc', 'etc/a', 'etc/b', 'etc/c']);
    expect(out[1]?.body?.toString()).toBe('overlay');
  });
});

describe('decorators', () => {
  it('dedup refuses a repeated path', async () => {
    const w = dedup(sink());
    await w.write(file('a', '1'));
    await expect(w.write(file('a', '2'))).rejects.toThrow(/duplicate/);
  });

  it('withParents emits missing parents once, 0755 root:root, before the child', async () => {
    const s = sink();
    const w = withParents(s);
    await w.write(dir('usr', { mode: 0o700, uid: 5 }));
    await w.write(file('usr/lib/x/y', ''));
    await w.write(file('usr/lib/x/z', ''));
    await w.close();
    expect(s.recs.map((r) => [r.path, r.type, r.mode, r.uid])).toEqual([
      ['usr', 'dir', 0o700, 5],
      ['usr/lib', 'dir', 0o755, 0],
      ['usr/lib/x', 'dir', 0o755, 0],
      ['usr/lib/x/y', 'file', 0o644, 0],
      ['usr/lib/x/z', 'file', 0o644, 0],
    ]);
    expect(s.closed).toBe(true);
    await expect(
      withParents(sink())
        .write(file('a', ''))
        .then(() => undefined),
    ).resolves.toBeUndefined();
    const w2 = withParents(sink());
    await w2.write(file('a', ''));
    await expect(w2.write(file('a/b', ''))).rejects.toThrow(/not a directory/);
  });

  it('reproducible sets or clamps mtimes and keeps owners', async () => {
    const s = sink();
    const w = reproducible(s, { mtime: 100 });
    await w.write(file('a', '', { mtime: 5, uid: 7 }));
    const c = sink();
    const wc = reproducible(c, { mtime: 100, clamp: true });
    await wc.write(file('a', '', { mtime: 5 }));
    await wc.write(file('b', '', { mtime: 500 }));
    expect(s.recs[0]).toMatchObject({ mtime: 100, uid: 7 });
    expect(c.recs.map((r) => r.mtime)).toEqual([5, 100]);
  });

  it('inodes numbers in write order and shares them within a hardlink group', async () => {
    const s = sink();
    const w = inodes(s, { start: 10 });
    for (const r of sortRecords([dir('d'), file('d/f', 'x'), hardlink('d/g', 'd/f'), symlink('d/s', 'f')]))
      await w.write(r);
    await w.close();
    expect(s.recs.map((r) => [r.path, r.ino, r.nlink, r.size])).toEqual([
      ['d', 10, 2, 0],
      ['d/f', 11, 2, 1],
      ['d/g', 11, 2, 0],
      ['d/s', 12, 1, 0],
    ]);
  });

  it('inodes refuses a group whose members do not add up to nlink', async () => {
    const w = inodes(sink());
    await w.write(file('f', 'x', { nlink: 3 }));
    await w.write(hardlink('g', 'f'));
    await expect(w.close()).rejects.toThrow(/nlink 3 but 2/);
  });
});
