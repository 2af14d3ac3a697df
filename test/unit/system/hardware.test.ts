import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectModaliases, configPathFirst } from '../../../overlay/system/hardware.js';

/** A small /sys: devices under /sys/devices, linked from their bus and class, as the kernel lays it out. */
function fakeSys(): string {
  const sys = mkdtempSync(join(tmpdir(), 'pillars-sys-'));
  const device = (path: string, modalias?: string) => {
    mkdirSync(join(sys, 'devices', path), { recursive: true });
    if (modalias !== undefined) writeFileSync(join(sys, 'devices', path, 'modalias'), `${modalias}\n`);
  };
  const link = (from: string, device: string) => {
    mkdirSync(dirname(join(sys, from)), { recursive: true });
    symlinkSync(relative(dirname(join(sys, from)), join(sys, 'devices', device)), join(sys, from));
  };
  device('pci0000:00/0000:00:02.0', 'pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00');
  link('bus/pci/devices/0000:00:02.0', 'pci0000:00/0000:00:02.0');
  device('pci0000:00/0000:00:04.0/usb2/2-1/2-1:1.0', 'usb:v46F4p0001d0000dc00dsc00dp00ic08isc06ip50in00');
  link('bus/usb/devices/2-1:1.0', 'pci0000:00/0000:00:04.0/usb2/2-1/2-1:1.0');
  device('platform/i8042/serio0/input/input1', 'input:b0011v0001p0001eAB41-e0,1,4,11,14,k71,ramlsfw');
  link('class/input/input1', 'platform/i8042/serio0/input/input1');
  device('virtual/dmi/id', 'dmi:bvnSeaBIOS:svnQEMU:');
  link('class/dmi/id', 'virtual/dmi/id');
  device('system/cpu', 'cpu:type:x86,ven0002fam000Fmod006B:feature:,0000,0002');
  // A class device without a modalias, and a bus with no devices directory.
  device('virtual/net/lo');
  link('class/net/lo', 'virtual/net/lo');
  mkdirSync(join(sys, 'bus', 'event_source'), { recursive: true });
  return sys;
}

describe('collectModaliases', () => {
  const sys = fakeSys();
  afterAll(() => rmSync(sys, { recursive: true, force: true }));

  it('reads every bus device, every class device and the CPU, sorted and once each', () => {
    expect(collectModaliases(sys)).toEqual([
      'cpu:type:x86,ven0002fam000Fmod006B:feature:,0000,0002',
      'dmi:bvnSeaBIOS:svnQEMU:',
      'input:b0011v0001p0001eAB41-e0,1,4,11,14,k71,ramlsfw',
      'pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00',
      'usb:v46F4p0001d0000dc00dsc00dp00ic08isc06ip50in00',
    ]);
  });

  it('a missing /sys gives nothing, not an error', () => {
    expect(collectModaliases(join(sys, 'nowhere'))).toEqual([]);
  });
});

describe('configPathFirst', () => {
  it('puts the modules on the way to the config stick first: USB hosts, USB disks, floppy and SATA', () => {
    expect(
      configPathFirst([
        'ahci',
        'button',
        'evdev',
        'virtio_net',
        'xhci_pci',
        'usb_storage',
        'uas',
        'sd_mod',
        'nf_tables',
        'ehci_pci',
        'floppy',
      ]),
    ).toEqual([
      'xhci_pci',
      'ehci_pci',
      'usb_storage',
      'uas',
      'sd_mod',
      'ahci',
      'floppy',
      'button',
      'evdev',
      'virtio_net',
      'nf_tables',
    ]);
    expect(configPathFirst(['vfat', 'xhci_hcd_x'])).toEqual(['vfat', 'xhci_hcd_x']);
  });
});
