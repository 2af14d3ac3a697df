/**
 * The image boots the ways a user boots it, under QEMU TCG, and reaches the ready line: kernel +
 * initrd, the ISO as a CD with SeaBIOS and with OVMF (UEFI), network boot through iPXE with
 * SeaBIOS and with OVMF, and the ISO written to a USB stick with SeaBIOS and with OVMF.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import { Vm, type VmSpec } from '../../builder/vm/qemu.js';
import { BOOT_TIMEOUT_MS, imagePath, requireImage } from './image.js';

const READY = /pillars: ready in (\d+\.\d+)s/;
const vms: Vm[] = [];
afterEach(async () => {
  await Promise.all(vms.splice(0).map((vm) => vm.stop()));
});

async function bootToReady(spec: VmSpec): Promise<number> {
  requireImage('director');
  const vm = Vm.start(spec);
  vms.push(vm);
  const line = await vm.waitFor(READY, BOOT_TIMEOUT_MS);
  const seconds = Number(READY.exec(line.text)![1]);
  console.log(`${spec.name}: ready line after ${(line.t / 1000).toFixed(1)}s wall clock, kernel says ${seconds}s`);
  return seconds;
}

describe('boot to ready (director image, TCG)', () => {
  it('kernel + initrd directly', async () => {
    const s = await bootToReady({
      name: 'direct',
      boot: {
        kind: 'kernel',
        kernel: imagePath('director', 'vmlinuz'),
        initrd: imagePath('director', 'initrd.img'),
        append: 'console=ttyS0,115200n8 quiet panic=-1',
      },
    });
    expect(s).toBeGreaterThan(0);
  });

  it('ISO as a CD with SeaBIOS (BIOS)', async () => {
    expect(
      await bootToReady({ name: 'cd-bios', boot: { kind: 'cdrom', iso: imagePath('director', 'pillars.iso') } }),
    ).toBeGreaterThan(0);
  });

  it('ISO as a CD with OVMF (UEFI)', async () => {
    expect(
      await bootToReady({
        name: 'cd-uefi',
        firmware: 'uefi',
        boot: { kind: 'cdrom', iso: imagePath('director', 'pillars.iso') },
      }),
    ).toBeGreaterThan(0);
  });

  // Network boot as the admin's boot server would do it: the NIC's iPXE gets pxe/boot.ipxe from
  // the build's output over DHCP/TFTP (QEMU's own, on a private net) and loads kernel + initrd.
  for (const firmware of ['bios', 'uefi'] as const)
    it(`network boot with the iPXE script (PXE, ${firmware === 'bios' ? 'SeaBIOS' : 'OVMF (UEFI)'})`, async () => {
      expect(
        await bootToReady({
          name: `pxe-${firmware}`,
          firmware,
          boot: { kind: 'pxe', tftpRoot: dirname(imagePath('director', 'vmlinuz')), bootfile: 'pxe/boot.ipxe' },
        }),
      ).toBeGreaterThan(0);
    });

  it('ISO written to a USB stick (BIOS)', async () => {
    expect(
      await bootToReady({ name: 'usb-bios', boot: { kind: 'usb-disk', image: imagePath('director', 'pillars.iso') } }),
    ).toBeGreaterThan(0);
  });

  it('ISO written to a USB stick (OVMF, UEFI)', async () => {
    expect(
      await bootToReady({
        name: 'usb-uefi',
        firmware: 'uefi',
        boot: { kind: 'usb-disk', image: imagePath('director', 'pillars.iso') },
      }),
    ).toBeGreaterThan(0);
  });
});

// Every other profile's image boots too: kernel + initrd with no stick, so each reaches its ready
// line in the closed safe state (its supervisor, Node and the pruned libraries all run).
describe('every profile image boots (kernel + initrd, no stick: safe state)', () => {
  for (const profile of ['router', 'realserver', 'firewall', 'heartbeat']) {
    it(profile, async () => {
      requireImage(profile);
      const vm = Vm.start({
        name: `boot-${profile}`,
        // The heartbeat image unpacks perl and python3 as well: it needs more than 512 MiB.
        ...(profile === 'heartbeat' ? { memoryMiB: 1024 } : {}),
        boot: {
          kind: 'kernel',
          kernel: imagePath(profile, 'vmlinuz'),
          initrd: imagePath(profile, 'initrd.img'),
          append: 'console=ttyS0,115200n8 quiet panic=-1 pillars.stickwait=1',
        },
      });
      vms.push(vm);
      const line = await vm.waitFor(READY, BOOT_TIMEOUT_MS);
      expect(line.text).toContain('UNCONFIGURED');
      console.log(`${profile}: ${line.text.trim()} after ${(line.t / 1000).toFixed(1)}s wall clock`);
    });
  }
});
