/** What to do with each artifact, printed at the end of `pillars build`. Pure. */
import { join } from 'node:path';

export function nextSteps(outDir: string): string[] {
  const iso = join(outDir, 'pillars.iso');
  return [
    'next steps:',
    `  CD:        xorriso -as cdrecord -v dev=/dev/sr0 -eject ${iso}`,
    `  USB stick: dd if=${iso} of=/dev/sdX bs=4M conv=fsync status=progress`,
    '             (/dev/sdX is the whole stick as lsblk shows it, not a partition; everything on it is lost)',
    `  PXE:       serve ${outDir} as the TFTP root (pxe/dnsmasq.conf is a DHCP + TFTP server for it):`,
    '             pxe/undionly.kpxe (BIOS) and pxe/snponly.efi (UEFI) run pxe/boot.ipxe, pxe/pxelinux.0',
    '             (BIOS) reads pxe/pxelinux.cfg/default; both load /vmlinuz and /initrd.img from that root',
    '  config:    pillars stick init /dev/sdY (a removable FAT stick labelled PILLARS), then pillars stick edit',
  ];
}
