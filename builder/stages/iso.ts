/**
 * The hybrid ISO: GRUB for BIOS (El Torito + an MBR for USB sticks) and UEFI (an EFI system
 * partition image), with only the GRUB modules pillars needs embedded in each core image.
 * Burn it to a CD or `dd` it to a USB stick. Reproducible: fixed dates, fixed FAT serial.
 */
import { copyFile, mkdir, utimes, writeFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { KERNEL_ARGS } from './kernel-args.js';

export const GRUB_BIOS_DIR = '/usr/lib/grub/i386-pc';
export const GRUB_EFI_DIR = '/usr/lib/grub/x86_64-efi';
const COMMON_MODULES = [
  'part_msdos',
  'part_gpt',
  'iso9660',
  'fat',
  'normal',
  'search',
  'search_fs_file',
  'configfile',
  'linux',
  'echo',
  'test',
  'serial',
  'terminal',
  'sleep',
  'boot',
];
export const GRUB_BIOS_MODULES = [...COMMON_MODULES, 'biosdisk'];
export const GRUB_EFI_MODULES = [...COMMON_MODULES, 'efi_gop'];

export interface BootEntry {
  title: string;
  args: string;
}

/** Kernel command lines of the boot menu (ISO and netboot share them). Pure. */
export function bootEntries(profile: string): BootEntry[] {
  const base = KERNEL_ARGS;
  return [
    { title: `pillars ${profile} (VGA + serial console)`, args: `${base} console=tty0 console=ttyS0,115200n8` },
    { title: `pillars ${profile} (serial console only)`, args: `${base} console=ttyS0,115200n8` },
    {
      title: `pillars ${profile} (slow config stick: wait up to 30 s)`,
      args: `${base} console=tty0 console=ttyS0,115200n8 pillars.stickwait=30`,
    },
  ];
}

/** The embedded early config: find the medium by its build-unique marker file. Pure. */
export function grubEarlyConfig(marker: string): string {
  return [`search --no-floppy --set=root --file /${marker}`, 'set prefix=($root)/boot/grub', ''].join('\n');
}

/** /boot/grub/grub.cfg. Pure. */
export function grubConfig(profile: string, timeoutSeconds = 3): string {
  const lines = [
    'serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1',
    'terminal_input serial console',
    'terminal_output serial console',
    `set timeout=${timeoutSeconds}`,
    'set default=0',
    '',
  ];
  for (const e of bootEntries(profile)) {
    lines.push(`menuentry "${e.title}" {`, `  linux /boot/vmlinuz ${e.args}`, '  initrd /boot/initrd.img', '}', '');
  }
  return lines.join('\n');
}

/** `--modification-date` wants YYYYMMDDhhmmsscc in UTC. Pure. */
export function isoDate(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + '00';
}

export function volumeId(profile: string): string {
  return `PILLARS_${profile.toUpperCase()}`.replace(/[^A-Z0-9_]/g, '_').slice(0, 32);
}

/** xorriso's argument list (mkisofs emulation), as grub-mkrescue would run it. Pure. */
export function xorrisoArgs(opts: { tree: string; output: string; profile: string; epoch: number }): string[] {
  return [
    '-as',
    'mkisofs',
    '-iso-level',
    '3',
    '-r',
    '-V',
    volumeId(opts.profile),
    '--modification-date=' + isoDate(opts.epoch),
    '-b',
    'boot/grub/i386-pc/eltorito.img',
    '-no-emul-boot',
    '-boot-load-size',
    '4',
    '-boot-info-table',
    '--grub2-boot-info',
    '--grub2-mbr',
    `${GRUB_BIOS_DIR}/boot_hybrid.img`,
    '-apm-block-size',
    '2048',
    '--efi-boot',
    'efi.img',
    '-efi-boot-part',
    '--efi-boot-image',
    '--protective-msdos-label',
    // No 300 KiB tail: that padding guards Linux reading the end of a CD written track-at-once,
    // but only firmware and GRUB read this medium, and the files they read are at its start
    // (the sort weights below); the box runs from RAM and never mounts it.
    '-no-pad',
    '-o',
    opts.output,
    opts.tree,
    '--sort-weight',
    '0',
    '/',
    '--sort-weight',
    '1',
    '/boot',
  ];
}

async function setTreeTimes(dir: string, epoch: number): Promise<void> {
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    if ((await stat(p)).isDirectory()) await setTreeTimes(p, epoch);
    await utimes(p, epoch, epoch);
  }
  await utimes(dir, epoch, epoch);
}

/** Room in the EFI image besides the GRUB core: boot sector, two FATs, root and EFI/BOOT directories. */
export const EFI_IMAGE_SLACK_KIB = 64;

/** Size of the EFI system partition image in KiB (a multiple of 64) for a core of this many bytes. Pure. */
export function efiImageKib(coreBytes: number): number {
  return Math.ceil((coreBytes / 1024 + EFI_IMAGE_SLACK_KIB) / 64) * 64;
}

export interface IsoInputs {
  vmlinuz: string;
  initrd: string;
  /** A build-unique name for the marker file GRUB searches for. */
  marker: string;
  output: string;
}

export async function buildIso(ctx: BuildContext, inputs: IsoInputs): Promise<void> {
  const work = join(ctx.workDir, 'iso');
  const tree = join(work, 'tree');
  const profile = ctx.profile.name;
  await mkdir(join(tree, 'boot', 'grub', 'i386-pc'), { recursive: true });
  await copyFile(inputs.vmlinuz, join(tree, 'boot', 'vmlinuz'));
  await copyFile(inputs.initrd, join(tree, 'boot', 'initrd.img'));
  await writeFile(join(tree, inputs.marker), `pillars ${profile}\n`);
  await writeFile(join(tree, 'boot', 'grub', 'grub.cfg'), grubConfig(profile));
  const early = join(work, 'early.cfg');
  await writeFile(early, grubEarlyConfig(inputs.marker));

  await ctx.run('grub-mkimage', [
    '-O',
    'i386-pc-eltorito',
    '-d',
    GRUB_BIOS_DIR,
    '-p',
    '/boot/grub',
    '-c',
    early,
    '-o',
    join(tree, 'boot', 'grub', 'i386-pc', 'eltorito.img'),
    ...GRUB_BIOS_MODULES,
  ]);
  const efiCore = join(work, 'BOOTX64.EFI');
  await ctx.run('grub-mkimage', [
    '-O',
    'x86_64-efi',
    '-d',
    GRUB_EFI_DIR,
    '-p',
    '/boot/grub',
    '-c',
    early,
    '-o',
    efiCore,
    ...GRUB_EFI_MODULES,
  ]);

  // The EFI system partition image: FAT with a fixed serial, holding the GRUB EFI core. It is
  // sized to the core plus EFI_IMAGE_SLACK_KIB for the FAT's own tables and directories.
  const efiImg = join(tree, 'efi.img');
  const kib = efiImageKib((await stat(efiCore)).size);
  await ctx.run('mkfs.fat', ['-C', '--invariant', '-i', '50494c4c', '-n', 'PILLARSEFI', efiImg, String(kib)]);
  await utimes(efiCore, ctx.sourceDateEpoch, ctx.sourceDateEpoch);
  const env = { ...process.env, SOURCE_DATE_EPOCH: String(ctx.sourceDateEpoch) };
  await ctx.run('mmd', ['-i', efiImg, '::/EFI', '::/EFI/BOOT'], { env });
  await ctx.run('mcopy', ['-i', efiImg, '-m', efiCore, '::/EFI/BOOT/BOOTX64.EFI'], { env });

  await setTreeTimes(tree, ctx.sourceDateEpoch);
  await ctx.run('xorriso', xorrisoArgs({ tree, output: inputs.output, profile, epoch: ctx.sourceDateEpoch }), {
    env,
    hint: 'xorriso failed to write the ISO; is there enough free space in the output directory?',
  });
}
