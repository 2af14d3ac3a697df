/**
 * PXE: the kernel and initrd are served as they are; pxe/ holds the boot programs from Debian's
 * packages (iPXE for BIOS and UEFI, pxelinux for BIOS), an iPXE script and a pxelinux config with
 * the same menu as the ISO, and a dnsmasq config that hands each client the right program. Serve
 * the whole out/<profile>/ directory as the TFTP root: every config refers to /vmlinuz and
 * /initrd.img at that root.
 */
import { existsSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readlink, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { UserError } from '../errors.js';
import type { Runner } from '../exec.js';
import { bootEntries } from './iso.js';
import { withAptUpdate } from './preflight.js';

/** A boot program shipped in pxe/: which Debian package has it, and where. */
export interface NetbootProgram {
  /** Its name in pxe/. */
  file: string;
  pkg: string;
  /** Its path inside the package. */
  from: string;
  what: string;
}

export const NETBOOT_PROGRAMS: readonly NetbootProgram[] = [
  {
    file: 'undionly.kpxe',
    pkg: 'ipxe',
    from: 'usr/lib/ipxe/undionly.kpxe',
    what: "iPXE for BIOS machines: runs on the NIC's PXE ROM and loads boot.ipxe",
  },
  {
    file: 'snponly.efi',
    pkg: 'ipxe',
    from: 'usr/lib/ipxe/snponly.efi',
    what: "iPXE for UEFI machines (x86-64): uses the firmware's NIC driver and loads boot.ipxe",
  },
  {
    file: 'pxelinux.0',
    pkg: 'pxelinux',
    from: 'usr/lib/PXELINUX/pxelinux.0',
    what: 'pxelinux for BIOS machines: reads pxelinux.cfg/default',
  },
  {
    file: 'ldlinux.c32',
    pkg: 'syslinux-common',
    from: 'usr/lib/syslinux/modules/bios/ldlinux.c32',
    what: "pxelinux's core module, loaded from next to pxelinux.0",
  },
];

/** Text files of pxe/ by relative path. Pure. */
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
  const pxelinux = [
    'DEFAULT pillars0',
    'TIMEOUT 30',
    'PROMPT 1',
    'SERIAL 0 115200',
    '',
    ...entries.flatMap((e, i) => [
      `LABEL pillars${i}`,
      `  MENU LABEL ${e.title}`,
      // `::` asks the TFTP server for the name as it is (relative to its root), without the
      // directory pxelinux.0 came from; dnsmasq reads a leading / as a path on its own disk.
      '  KERNEL ::vmlinuz',
      `  APPEND initrd=::initrd.img ${e.args}`,
      '',
    ]),
  ].join('\n');
  return {
    'boot.ipxe': ipxe,
    'pxelinux.cfg/default': pxelinux,
    'dnsmasq.conf': dnsmasqConf({ profile }),
  };
}

export interface DnsmasqOptions {
  profile: string;
  /** The TFTP root: the build's out/<profile>/ as the boot server sees it. */
  root?: string;
  /** The interface dnsmasq serves (default: a placeholder the admin replaces). */
  iface?: string;
  /** First and last address handed out (default: a placeholder range). */
  range?: readonly [string, string];
  /** The program for BIOS machines: iPXE (default) or pxelinux. */
  bios?: 'ipxe' | 'pxelinux';
}

/**
 * A dnsmasq config for the boot server: DHCP and TFTP, no DNS. A BIOS machine's PXE ROM gets
 * undionly.kpxe (or pxelinux.0), a UEFI machine's firmware gets snponly.efi, and iPXE, which
 * marks its own DHCP requests with option 175, gets boot.ipxe, so it does not load itself again.
 * Shipped as pxe/dnsmasq.conf with placeholders; the network boot test runs the same text. Pure.
 */
export function dnsmasqConf(o: DnsmasqOptions): string {
  const root = o.root ?? `/srv/pillars/${o.profile}`;
  const [first, last] = o.range ?? ['192.168.1.100', '192.168.1.199'];
  const bios = o.bios ?? 'ipxe';
  return [
    `# dnsmasq as the network boot server of pillars ${o.profile}: DHCP and TFTP only (no DNS).`,
    '# Copy out/<profile>/ to the TFTP root below, set the interface and the address range of',
    '# your boot network, then: dnsmasq --conf-file=pxe/dnsmasq.conf --keep-in-foreground',
    'port=0',
    `interface=${o.iface ?? 'eth1'}`,
    'bind-interfaces',
    `dhcp-range=${first},${last},1h`,
    'enable-tftp',
    `tftp-root=${root}`,
    '# iPXE says so in its DHCP requests (option 175); UEFI x86-64 clients by their architecture.',
    'dhcp-match=set:ipxe,175',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
    'dhcp-boot=tag:efi64,tag:!ipxe,pxe/snponly.efi',
    ...(bios === 'pxelinux'
      ? [
          '# BIOS machines boot pxelinux (pxe/pxelinux.cfg/default), whatever their ROM.',
          'dhcp-boot=tag:!efi64,pxe/pxelinux.0',
          'dhcp-boot=tag:efi64,tag:ipxe,pxe/boot.ipxe',
        ]
      : [
          '# For pxelinux instead of iPXE on BIOS machines, replace the two lines below with',
          '# dhcp-boot=tag:!efi64,pxe/pxelinux.0 and dhcp-boot=tag:efi64,tag:ipxe,pxe/boot.ipxe',
          'dhcp-boot=tag:!efi64,tag:!ipxe,pxe/undionly.kpxe',
          'dhcp-boot=tag:ipxe,pxe/boot.ipxe',
        ]),
    '',
  ].join('\n');
}

/**
 * The boot programs, taken from Debian's packages: downloaded once with `apt-get download` (the
 * build host's sources; nothing is installed on it, so its own boot menu stays as it is) into
 * `<cache>/netboot/`, unpacked there, and copied into `pxeDir`.
 */
export async function copyNetbootPrograms(cacheDir: string, pxeDir: string, run: Runner): Promise<void> {
  const dir = join(cacheDir, 'netboot');
  await mkdir(dir, { recursive: true });
  for (const pkg of [...new Set(NETBOOT_PROGRAMS.map((p) => p.pkg))]) {
    const unpacked = join(dir, pkg);
    if (existsSync(unpacked)) continue;
    const debs = async () => (await readdir(dir)).filter((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if ((await debs()).length === 0) {
      const r = await withAptUpdate(run, (env) =>
        run('apt-get', ['download', '-q', pkg], { cwd: dir, env, allowFailure: true }),
      );
      if (r.code !== 0)
        throw new UserError(`could not download the Debian package ${pkg} (network boot programs)`, {
          hint: r.stderr.trim().split('\n').slice(-3).join('\n'),
        });
    }
    const deb = (await debs()).sort().at(-1)!;
    const tmp = `${unpacked}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    await run('dpkg-deb', ['-x', join(dir, deb), tmp]);
    await rename(tmp, unpacked);
  }
  await mkdir(pxeDir, { recursive: true });
  for (const p of NETBOOT_PROGRAMS) {
    const src = await insidePackage(join(dir, p.pkg), p.from);
    if (!src)
      throw new UserError(`the Debian package ${p.pkg} has no ${p.from} (${p.what})`, {
        hint: `remove ${join(dir, p.pkg)} and the ${p.pkg} .deb there to download it again`,
      });
    await copyFile(src, join(pxeDir, p.file));
  }
}

/**
 * The real file behind `rel` in an unpacked package, following the package's own symlinks (an
 * absolute link such as /usr/lib/ipxe/ipxe.efi -> /boot/ipxe.efi points into the package, not at
 * the build host), or undefined when there is none.
 */
async function insidePackage(root: string, rel: string, hops = 8): Promise<string | undefined> {
  const path = join(root, rel);
  const st = await lstat(path).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isSymbolicLink()) return st.isFile() ? path : undefined;
  if (hops === 0) return undefined;
  const target = await readlink(path);
  return insidePackage(root, isAbsolute(target) ? target.slice(1) : join(dirname(rel), target), hops - 1);
}
