import { describe, expect, it } from 'vitest';
import type { ArchiveRecord } from '../../../builder/archive/records.js';
import { formatSizeReport, ownersFromLists, sizeReport } from '../../../builder/stages/sizes.js';

const file = (path: string, bytes: number): ArchiveRecord => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  body: Buffer.alloc(bytes),
});

describe('size report', () => {
  const owners = ownersFromLists(
    new Map([
      ['var/lib/dpkg/info/libnode115:amd64.list', '/.\n/usr\n/usr/lib/x86_64-linux-gnu/libnode.so.115\n'],
      ['var/lib/dpkg/info/busybox.list', '/.\n/bin/busybox\n'],
    ]),
  );
  const records = [
    file('usr/lib/x86_64-linux-gnu/libnode.so.115', 5000),
    file('usr/bin/busybox', 700),
    file('usr/lib/modules/6.12/kernel/drivers/net/virtio_net.ko', 300),
    file('etc/inittab', 10),
    { path: 'usr/sbin', type: 'dir', mode: 0o755, uid: 0, gid: 0 } as ArchiveRecord,
  ];

  it('adds up bytes per package (merged /usr paths too), with modules and unowned files named', () => {
    const r = sizeReport(records, owners);
    expect(r.totalBytes).toBe(6010);
    expect(r.packages).toEqual([
      { name: 'libnode115', bytes: 5000, files: 1 },
      { name: 'busybox', bytes: 700, files: 1 },
      { name: '(kernel modules)', bytes: 300, files: 1 },
      { name: '(other)', bytes: 10, files: 1 },
    ]);
  });

  it('adds up each directory over its subtree, three levels deep, largest first', () => {
    const r = sizeReport(records, owners);
    expect(r.directories.slice(0, 4)).toEqual([
      { path: 'usr', bytes: 6000 },
      { path: 'usr/lib', bytes: 5300 },
      { path: 'usr/lib/x86_64-linux-gnu', bytes: 5000 },
      { path: 'usr/bin', bytes: 700 },
    ]);
    expect(r.directories.some((d) => d.path.split('/').length > 3)).toBe(false);
    expect(formatSizeReport(r, 1)).toEqual([
      'unpacked initramfs base: 0.0 MiB',
      'largest packages:',
      '     0.0 MiB  libnode115 (1 files)',
      'largest directories:',
      '     0.0 MiB  usr/',
    ]);
  });
});
