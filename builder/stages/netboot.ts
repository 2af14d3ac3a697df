/**
 * PXE: the kernel and initrd are served as they are; pxe/ holds an iPXE script and GRUB and
 * pxelinux netboot configs with the same menu as the ISO. Serve the whole out/<profile>/ directory
 * (TFTP or HTTP root): every config refers to /vmlinuz and /initrd.img at that root.
 */
import { bootEntries } from './iso.js';

/** Files of pxe/ by relative path. Pure. */
export function netbootFiles(profile: string): Record<string, string> {
  const entries = bootEntries(profile);
  const first = entries[0]!;
  const ipxe = [
    '#!ipxe',
    `echo Booting pillars ${profile}`,
    `kernel ../vmlinuz ${first.args} initrd=initrd.img`,
    'initrd ../initrd.img',
    'boot',
    '',
  ].join('\n');
  const grub = [
    'set timeout=3',
    'set default=0',
    '',
    ...entries.flatMap((e) => [
      `menuentry "${e.title}" {`,
      `  linux /vmlinuz ${e.args}`,
      '  initrd /initrd.img',
      '}',
      '',
    ]),
  ].join('\n');
  const pxelinux = [
    'DEFAULT pillars0',
    'TIMEOUT 30',
    'PROMPT 1',
    'SERIAL 0 115200',
    '',
    ...entries.flatMap((e, i) => [
      `LABEL pillars${i}`,
      `  MENU LABEL ${e.title}`,
      '  KERNEL /vmlinuz',
      `  APPEND initrd=/initrd.img ${e.args}`,
      '',
    ]),
  ].join('\n');
  return { 'boot.ipxe': ipxe, 'grub.cfg': grub, 'pxelinux.cfg/default': pxelinux };
}
