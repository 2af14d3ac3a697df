import { describe, expect, it } from 'vitest';
import {
  busOf,
  listSysBlock,
  parseBlkidLine,
  sysBlockDevices,
  usbStoragePending,
  type SysReader,
} from '../../../overlay/system/block-devices.js';

describe('parseBlkidLine', () => {
  it('reads util-linux and busybox output', () => {
    expect(parseBlkidLine('/dev/sda: LABEL="PILLARS" UUID="1234-ABCD" BLOCK_SIZE="512" TYPE="vfat"')).toEqual({
      LABEL: 'PILLARS',
      UUID: '1234-ABCD',
      BLOCK_SIZE: '512',
      TYPE: 'vfat',
    });
    expect(parseBlkidLine('/dev/fd0: LABEL="MY \\"DISK\\"" TYPE="vfat"')).toEqual({ LABEL: 'MY "DISK"', TYPE: 'vfat' });
    expect(parseBlkidLine('')).toEqual({});
  });
});

describe('busOf', () => {
  it.each([
    ['fd0', undefined, 'floppy'],
    ['sda', '/sys/devices/pci0000:00/0000:00:04.0/usb2/2-1/2-1:1.0/host0/target0:0:0/0:0:0:0', 'usb'],
    ['sda', '/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0', 'ata'],
    ['vda', '/sys/devices/pci0000:00/0000:00:03.0/virtio0', 'virtio'],
    ['sdb', '/sys/devices/somewhere', 'scsi'],
    ['nvme0n1', '/sys/devices/pci0000:00/nvme', 'nvme'],
    ['xyz', undefined, 'unknown'],
  ])('%s at %s → %s', (name, path, bus) => {
    expect(busOf(name, path)).toBe(bus);
  });
});

function fakeSys(files: Record<string, string>, links: Record<string, string> = {}): SysReader {
  return {
    list: (dir) =>
      [
        ...new Set(
          Object.keys(files)
            .filter((p) => p.startsWith(dir + '/'))
            .map((p) => p.slice(dir.length + 1).split('/')[0]!),
        ),
      ].sort(),
    read: (p) => files[p],
    realpath: (p) => links[p],
  };
}

describe('listSysBlock and sysBlockDevices', () => {
  const sys = fakeSys(
    {
      '/sys/block/sda/removable': '1\n',
      '/sys/block/sda/size': '16384\n',
      '/sys/block/sda/sda1/partition': '1\n',
      '/sys/block/sda/sda1/size': '16000\n',
      '/sys/block/fd0/removable': '1\n',
      '/sys/block/fd0/size': '0\n',
      '/sys/block/loop0/size': '0\n',
    },
    { '/sys/block/sda/device': '/sys/devices/pci0000:00/usb2/2-1/host0/target0:0:0/0:0:0:0' },
  );

  it('finds disks and partitions, leaves loop devices out', () => {
    expect(listSysBlock(sys)).toEqual([
      { name: 'fd0', type: 'disk', removable: true, bus: 'floppy', size: 0 },
      { name: 'sda', type: 'disk', removable: true, bus: 'usb', size: 16384 * 512 },
      { name: 'sda1', type: 'part', parent: 'sda', removable: true, bus: 'usb', size: 16000 * 512 },
    ]);
  });

  it('asks blkid about devices with a medium only', async () => {
    const asked: string[] = [];
    const devs = await sysBlockDevices({
      sys,
      blkid: ['blkid'],
      run: async (argv) => {
        asked.push(argv[argv.length - 1]!);
        return argv.includes('/dev/sda1')
          ? { code: 0, stdout: '/dev/sda1: LABEL="PILLARS" UUID="AB-CD" TYPE="vfat"\n', stderr: '' }
          : { code: 2, stdout: '', stderr: '' };
      },
    }).list();
    expect(asked).toEqual(['/dev/fd0', '/dev/sda', '/dev/sda1']);
    expect(devs.find((d) => d.name === 'sda1')).toMatchObject({
      path: '/dev/sda1',
      fsType: 'vfat',
      label: 'PILLARS',
      uuid: 'AB-CD',
      parent: 'sda',
    });
    expect(devs.find((d) => d.name === 'fd0')?.fsType).toBeUndefined();
  });

  it('USB disks carry when their device node was made; the floppy drive does not', async () => {
    const devs = await sysBlockDevices({
      sys,
      blkid: ['blkid'],
      run: async () => ({ code: 2, stdout: '', stderr: '' }),
      nodeTime: (path) => (path === '/dev/sda1' ? 1_000_500 : 1_000_000),
    }).list();
    expect(devs.find((d) => d.name === 'sda1')?.appearedAt).toBe(1_000_500);
    expect(devs.find((d) => d.name === 'sda')?.appearedAt).toBe(1_000_000);
    expect(devs.find((d) => d.name === 'fd0')?.appearedAt).toBeUndefined();
  });

  it('probes an optical drive only when asked to (a kernel parameter naming a label or UUID)', async () => {
    const withCd = fakeSys(
      { '/sys/block/sr0/removable': '1\n', '/sys/block/sr0/size': '2097151\n' },
      { '/sys/block/sr0/device': '/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0' },
    );
    for (const optical of [false, true]) {
      const asked: string[] = [];
      const devs = await sysBlockDevices({
        sys: withCd,
        blkid: ['blkid'],
        optical,
        run: async (argv) => {
          asked.push(argv[argv.length - 1]!);
          return { code: 0, stdout: '/dev/sr0: LABEL="PILLARS" TYPE="iso9660"\n', stderr: '' };
        },
      }).list();
      expect(asked).toEqual(optical ? ['/dev/sr0'] : []);
      expect(devs.map((d) => [d.name, d.type, d.label])).toEqual([['sr0', 'rom', optical ? 'PILLARS' : undefined]]);
    }
  });

  it('a second look probes again only what changed: a new node, a failed probe, the floppy', async () => {
    const asked: string[] = [];
    let made = 1_000_000;
    let sdaFails = true;
    const devices = sysBlockDevices({
      sys,
      blkid: ['blkid'],
      run: async (argv) => {
        const path = argv[argv.length - 1]!;
        asked.push(path);
        if (path === '/dev/sda' && sdaFails) return { code: 2, stdout: '', stderr: '' };
        return { code: 0, stdout: `${path}: LABEL="PILLARS" TYPE="vfat"\n`, stderr: '' };
      },
      nodeTime: () => made,
    });
    await devices.list();
    expect(asked.splice(0)).toEqual(['/dev/fd0', '/dev/sda', '/dev/sda1']);
    sdaFails = false;
    const again = await devices.list();
    expect(asked.splice(0)).toEqual(['/dev/fd0', '/dev/sda']);
    expect(again.find((d) => d.name === 'sda1')?.label).toBe('PILLARS');
    await devices.list();
    expect(asked.splice(0)).toEqual(['/dev/fd0']);
    made += 5_000; // the stick was pulled and another one plugged in
    await devices.list();
    expect(asked.splice(0)).toEqual(['/dev/fd0', '/dev/sda', '/dev/sda1']);
  });
});

describe('usbStoragePending', () => {
  const u = '/sys/bus/usb/devices';
  it('names a mass-storage interface whose disk has not appeared yet, not one that has its disk, nor a keyboard', () => {
    const sys = fakeSys({
      [`${u}/1-1/idVendor`]: '46f4\n',
      [`${u}/1-1:1.0/bInterfaceClass`]: '08\n',
      [`${u}/1-1:1.0/host2/target2:0:0/2:0:0:0/block/sdb/size`]: '16384\n',
      [`${u}/1-2:1.0/bInterfaceClass`]: '08\n',
      [`${u}/1-2:1.0/host3/scsi_host/host3/proc_name`]: 'usb-storage\n',
      [`${u}/1-3:1.0/bInterfaceClass`]: '03\n',
    });
    expect(usbStoragePending(sys)).toEqual(['1-2:1.0']);
    expect(usbStoragePending(fakeSys({}))).toEqual([]);
  });
});
