import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../../builder/stages/next-steps.js';

describe('next steps after a build', () => {
  it('names the exact commands for a CD, a USB stick, PXE and the config stick', () => {
    const text = nextSteps('/srv/out/director').join('\n');
    expect(text).toContain('dd if=/srv/out/director/pillars.iso of=/dev/sdX bs=4M conv=fsync status=progress');
    expect(text).toContain('xorriso -as cdrecord -v dev=/dev/sr0 -eject /srv/out/director/pillars.iso');
    expect(text).toContain('serve /srv/out/director as the TFTP root (pxe/dnsmasq.conf');
    expect(text).toContain('pxe/undionly.kpxe (BIOS) and pxe/snponly.efi (UEFI)');
    expect(text).toContain('pillars stick init /dev/sdY');
  });
});
