import { describe, expect, test } from 'vitest';
import { checkFormatSafe, classifyContent, deviceFacts, type TargetInfo } from '../../../builder/stick/device.js';
import { mkfsArgs } from '../../../builder/stick/format.js';
import { unifiedDiff } from '../../../builder/stick/diff.js';

function bootSector(fsType: string, label: string, fat32 = false): Uint8Array {
  const b = new Uint8Array(512);
  const put = (off: number, s: string) => [...s].forEach((ch, i) => (b[off + i] = ch.charCodeAt(0)));
  if (fat32) {
    put(71, label.padEnd(11));
    put(82, fsType.padEnd(8));
  } else {
    put(43, label.padEnd(11));
    put(54, fsType.padEnd(8));
  }
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

describe('what a medium holds', () => {
  test.each([
    ['zeros', new Uint8Array(4096), 'empty'],
    ['pillars FAT12', bootSector('FAT12', 'PILLARS'), 'pillars'],
    ['pillars FAT32', bootSector('FAT32', 'PILLARS', true), 'pillars'],
    ['another FAT', bootSector('FAT16', 'NO NAME'), 'fat'],
    [
      'an MBR with partitions',
      (() => {
        const b = new Uint8Array(512);
        b[446] = 0x80;
        b[450] = 0x83;
        b[510] = 0x55;
        b[511] = 0xaa;
        return b;
      })(),
      'other',
    ],
    ['ext4 or anything else', new Uint8Array(512).fill(7), 'other'],
  ] as const)('%s', (_n, head, want) => expect(classifyContent(head)).toBe(want));
});

describe('never format the wrong disk', () => {
  const dev = (content: TargetInfo['content']): TargetInfo => ({ path: '/dev/sdb', kind: 'device', content });
  test('a non-removable device is refused unless --force', () => {
    expect(() => checkFormatSafe(dev('empty'), { removable: false, mounted: [] }, false)).toThrow(
      '/dev/sdb is not a removable device; refusing to format it',
    );
    expect(() => checkFormatSafe(dev('empty'), { removable: false, mounted: [] }, true)).not.toThrow();
    expect(() => checkFormatSafe(dev('empty'), { removable: undefined, mounted: [] }, false)).toThrow(
      /not a removable/,
    );
  });
  test('a device holding other data is refused unless --force', () => {
    expect(() => checkFormatSafe(dev('other'), { removable: true, mounted: [] }, false)).toThrow(
      '/dev/sdb holds other data (a partition table or filesystem); refusing to overwrite it',
    );
    expect(() => checkFormatSafe(dev('fat'), { removable: true, mounted: [] }, false)).toThrow(
      /a FAT filesystem not labelled PILLARS/,
    );
    expect(() => checkFormatSafe(dev('other'), { removable: true, mounted: [] }, true)).not.toThrow();
    expect(() => checkFormatSafe(dev('empty'), { removable: true, mounted: [] }, false)).not.toThrow();
  });
  test('a mounted device is refused even with --force', () => {
    expect(() =>
      checkFormatSafe(dev('pillars'), { removable: true, mounted: ['/dev/sdb1 on /media/x'] }, true),
    ).toThrow(/is mounted/);
  });
  test('an image file that is already a stick needs --force', () => {
    const img: TargetInfo = { path: 'f.img', kind: 'image', content: 'pillars' };
    expect(() => checkFormatSafe(img, undefined, false)).toThrow('f.img is already a pillars stick');
    expect(() => checkFormatSafe({ ...img, content: 'missing' }, undefined, false)).not.toThrow();
  });
  test('facts come from /sys/class/block and /proc/mounts', async () => {
    const files: Record<string, string> = {
      '/sys/class/block/sdb/removable': '1\n',
      '/sys/class/block/sda1/../removable': '0\n',
      '/proc/mounts': '/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /media/stick vfat rw 0 0\n',
    };
    const sys = {
      readFile: async (p: string) => {
        if (p in files) return files[p]!;
        throw new Error('ENOENT');
      },
      realpath: async (p: string) => p,
    };
    expect(await deviceFacts('/dev/sdb', sys)).toEqual({ removable: true, mounted: ['/dev/sdb1 on /media/stick'] });
    expect(await deviceFacts('/dev/sda1', sys)).toEqual({ removable: false, mounted: ['/dev/sda1 on /'] });
  });
});

test('mkfs.fat arguments', () => {
  expect(mkfsArgs('f.img', 'image', 1440)).toEqual([
    '-C',
    '-f',
    '2',
    '-r',
    '224',
    '-s',
    '1',
    '-F',
    '12',
    '-n',
    'PILLARS',
    '-i',
    '50494c4c',
    'f.img',
    '1440',
  ]);
  expect(mkfsArgs('/dev/sdb', 'device', 0)).toEqual(['-I', '-n', 'PILLARS', '-i', '50494c4c', '/dev/sdb']);
});

test('unified diff', () => {
  expect(unifiedDiff('a\nb\nc\n', 'a\nb\nc\n', 'A', 'B')).toBe('');
  expect(unifiedDiff('a\nb\nc\n', 'a\nB\nc\n', 'A', 'B')).toBe('--- A\n+++ B\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n');
});
