import { describe, expect, it } from 'vitest';
import {
  bootEntries,
  grubConfig,
  grubEarlyConfig,
  isoDate,
  volumeId,
  xorrisoArgs,
  efiImageKib,
  GRUB_BIOS_MODULES,
  GRUB_EFI_MODULES,
} from '../../../builder/stages/iso.js';
import { KERNEL_ARGS, SKIPPED_INITCALLS, labKernelArgs } from '../../../builder/stages/kernel-args.js';
import { dnsmasqConf, NETBOOT_PROGRAMS, netbootFiles } from '../../../builder/stages/netboot.js';
import { qemuArgs } from '../../../builder/vm/qemu.js';
import { missingPackages, installCommand, BUILD_TOOLS } from '../../../builder/stages/preflight.js';
import { compareArtifacts } from '../../../builder/commands/verify.js';
import { imageSkeleton } from '../../../builder/stages/initramfs.js';
import { parseDpkgStatus } from '../../../builder/stages/rootfs.js';

describe('GRUB menu', () => {
  it('has the normal, serial-only and slow-stick entries, all with a serial console', () => {
    const e = bootEntries('director');
    expect(e.map((x) => x.title)).toEqual([
      'pillars director (VGA + serial console)',
      'pillars director (serial console only)',
      'pillars director (slow config stick: wait up to 30 s)',
    ]);
    expect(e.every((x) => x.args.includes('console=ttyS0,115200n8'))).toBe(true);
    expect(e[0]!.args).toContain('console=tty0');
    expect(e[1]!.args).not.toContain('console=tty0');
    expect(e[2]!.args).toContain('pillars.stickwait=30');
  });

  it('every entry and every lab boot carry the same boot-time parameters', () => {
    for (const x of bootEntries('director')) expect(x.args.startsWith(`${KERNEL_ARGS} `)).toBe(true);
    expect(KERNEL_ARGS).toBe(
      'quiet initcall_blacklist=init_encrypted,bpf_tcp_ca_kfunc_init,bpf_dummy_struct_ops_init cryptomgr.notests',
    );
    expect(SKIPPED_INITCALLS).not.toContain('');
    expect(labKernelArgs('pillars.debug')).toBe(`console=ttyS0,115200n8 ${KERNEL_ARGS} panic=-1 pillars.debug`);
    expect(labKernelArgs()).toBe(`console=ttyS0,115200n8 ${KERNEL_ARGS} panic=-1`);
  });

  it('grub.cfg boots /boot/vmlinuz with /boot/initrd.img on serial and screen', () => {
    const cfg = grubConfig('director');
    expect(cfg).toContain('terminal_output serial console');
    expect(cfg.match(/menuentry /g)).toHaveLength(3);
    expect(cfg).toContain(
      `  linux /boot/vmlinuz ${KERNEL_ARGS} console=tty0 console=ttyS0,115200n8\n  initrd /boot/initrd.img`,
    );
  });

  it('the embedded early config finds the medium by its marker file', () => {
    expect(grubEarlyConfig('.pillars-abc')).toBe(
      'search --no-floppy --set=root --file /.pillars-abc\nset prefix=($root)/boot/grub\n',
    );
  });

  it('embeds only the modules it needs', () => {
    expect(GRUB_BIOS_MODULES).toContain('biosdisk');
    expect(GRUB_EFI_MODULES).toContain('efi_gop');
    expect(GRUB_EFI_MODULES).not.toContain('biosdisk');
    expect(GRUB_BIOS_MODULES.length).toBeLessThan(20);
  });
});

describe('xorriso plan', () => {
  const args = xorrisoArgs({ tree: '/w/tree', output: '/w/p.iso', profile: 'director', epoch: 1754697600 });
  it('writes a hybrid BIOS (El Torito + MBR) and UEFI (ESP) image', () => {
    expect(args.slice(0, 2)).toEqual(['-as', 'mkisofs']);
    expect(args).toContain('--grub2-mbr');
    expect(args[args.indexOf('--grub2-mbr') + 1]).toBe('/usr/lib/grub/i386-pc/boot_hybrid.img');
    expect(args[args.indexOf('-b') + 1]).toBe('boot/grub/i386-pc/eltorito.img');
    expect(args[args.indexOf('--efi-boot') + 1]).toBe('efi.img');
    expect(args).toContain('-efi-boot-part');
    expect(args).toContain('-no-pad');
    expect(args[args.indexOf('-o') + 1]).toBe('/w/p.iso');
  });
  it('sizes the EFI image to the GRUB core plus 64 KiB for the FAT, in 64 KiB steps', () => {
    expect(efiImageKib(600 * 1024)).toBe(704);
    expect(efiImageKib(640 * 1024)).toBe(704);
    expect(efiImageKib(641 * 1024)).toBe(768);
  });
  it('fixes the volume dates for reproducibility', () => {
    expect(isoDate(1754697600)).toBe('2025080900000000');
    expect(args).toContain('--modification-date=2025080900000000');
    expect(volumeId('director')).toBe('PILLARS_DIRECTOR');
  });
});

describe('netboot files', () => {
  const f = netbootFiles('director');
  it('an iPXE script and a pxelinux config with the same kernel line, and a dnsmasq config', () => {
    expect(Object.keys(f).sort()).toEqual(['boot.ipxe', 'dnsmasq.conf', 'pxelinux.cfg/default']);
    expect(f['boot.ipxe']!.startsWith('#!ipxe\n')).toBe(true);
    expect(f['boot.ipxe']).toContain(`kernel ../vmlinuz ${KERNEL_ARGS} console=tty0 console=ttyS0,115200n8`);
    expect(f['pxelinux.cfg/default']).toContain(
      `  KERNEL ::vmlinuz\n  APPEND initrd=::initrd.img ${KERNEL_ARGS} console=tty0`,
    );
  });

  it('every program a config names is shipped, from a Debian package', () => {
    const shipped = new Set(NETBOOT_PROGRAMS.map((p) => `pxe/${p.file}`));
    const named = [...f['dnsmasq.conf']!.matchAll(/^dhcp-boot=.*,(pxe\/[^,\s]+)$/gm)].map((m) => m[1]!);
    expect(named.sort()).toEqual(['pxe/boot.ipxe', 'pxe/snponly.efi', 'pxe/undionly.kpxe']);
    for (const n of named) expect(shipped.has(n) || n === 'pxe/boot.ipxe').toBe(true);
    expect(shipped.has('pxe/pxelinux.0') && shipped.has('pxe/ldlinux.c32')).toBe(true);
    expect(new Set(NETBOOT_PROGRAMS.map((p) => p.pkg))).toEqual(new Set(['ipxe', 'pxelinux', 'syslinux-common']));
  });

  it('dnsmasq: iPXE gets the script, not itself again; pxelinux can take the BIOS machines', () => {
    const c = dnsmasqConf({ profile: 'router', root: '/srv/r', iface: 'eth9', range: ['192.0.2.150', '192.0.2.199'] });
    expect(c).toContain('\nport=0\ninterface=eth9\nbind-interfaces\ndhcp-range=192.0.2.150,192.0.2.199,1h\n');
    expect(c).toContain('tftp-root=/srv/r\n');
    expect(c).toContain('dhcp-boot=tag:!efi64,tag:!ipxe,pxe/undionly.kpxe\ndhcp-boot=tag:ipxe,pxe/boot.ipxe\n');
    const p = dnsmasqConf({ profile: 'router', bios: 'pxelinux' });
    expect(p).toContain('dhcp-boot=tag:!efi64,pxe/pxelinux.0\ndhcp-boot=tag:efi64,tag:ipxe,pxe/boot.ipxe\n');
    expect(p).not.toContain('undionly');
  });
});

describe('QEMU plan', () => {
  it('uses software emulation and a serial console on stdio', () => {
    const a = qemuArgs({ name: 'vm', boot: { kind: 'cdrom', iso: '/o/p.iso' } });
    expect(a.slice(a.indexOf('-accel'), a.indexOf('-accel') + 2)).toEqual(['-accel', 'tcg']);
    expect(a).toContain('-no-reboot');
    expect(a.join(' ')).toContain('-serial stdio');
    expect(a.join(' ')).toContain('media=cdrom,readonly=on,file=/o/p.iso');
    expect(a).not.toContain('-bios');
  });
  it('UEFI adds OVMF; USB boot and sticks add xhci once', () => {
    const a = qemuArgs({
      name: 'vm',
      firmware: 'uefi',
      boot: { kind: 'usb-disk', image: '/o/p.iso' },
      sticks: [
        { image: '/s.img', as: 'usb' },
        { image: '/f.img', as: 'floppy' },
      ],
    });
    expect(a[a.indexOf('-bios') + 1]).toBe('/usr/share/ovmf/OVMF.fd');
    expect(a.filter((x) => x.startsWith('qemu-xhci'))).toHaveLength(1);
    expect(a).toContain('if=floppy,index=1,format=raw,file=/f.img');
    expect(a.join(' ')).toContain('usb-storage,bus=xhci.0,drive=usbboot,bootindex=0');
  });
  it('NICs get their fixed MACs and taps', () => {
    const a = qemuArgs({
      name: 'vm',
      boot: { kind: 'kernel', kernel: 'k', initrd: 'i', append: 'x' },
      nics: [{ mac: '52:54:00:00:00:01', tap: 'tap0' }],
    });
    expect(a).toContain('tap,id=net0,ifname=tap0,script=no,downscript=no');
    expect(a).toContain('virtio-net-pci,netdev=net0,mac=52:54:00:00:00:01');
  });
});

describe('host tools', () => {
  it('names the Debian packages of missing tools once each, sorted', () => {
    const missing = missingPackages(BUILD_TOOLS, (p) => !['mkfs.fat', 'mcopy', 'xorriso'].includes(p));
    expect(missing).toEqual(['dosfstools', 'mtools', 'xorriso']);
    expect(installCommand(missing)).toBe(
      'apt-get update && apt-get install -y --no-install-recommends dosfstools mtools xorriso',
    );
  });
});

describe('image skeleton and manifest helpers', () => {
  it('has /init → busybox, a console device and mount points', () => {
    const s = imageSkeleton();
    expect(s.find((r) => r.path === 'init')).toMatchObject({ type: 'symlink', linkTarget: 'usr/bin/busybox' });
    expect(s.find((r) => r.path === 'dev/console')).toMatchObject({ type: 'char', devMajor: 5, devMinor: 1 });
    for (const d of ['proc', 'sys', 'run', 'tmp', 'mnt/stick'])
      expect(
        s.some((r) => r.path === d && r.type === 'dir'),
        d,
      ).toBe(true);
  });
  it('reads installed package versions from dpkg status', () => {
    const text =
      'Package: b\nStatus: install ok installed\nVersion: 2\n\nPackage: a\nStatus: install ok installed\nVersion: 1:1.0\n\nPackage: c\nStatus: deinstall ok config-files\nVersion: 3\n';
    expect(parseDpkgStatus(text)).toEqual({ a: '1:1.0', b: '2' });
  });
  it('compares artifacts by hash, listing differences and missing files', () => {
    const a = [
      { path: 'x', bytes: 1, sha256: 'aa' },
      { path: 'y', bytes: 1, sha256: 'bb' },
    ];
    const b = [
      { path: 'x', bytes: 1, sha256: 'aa' },
      { path: 'y', bytes: 1, sha256: 'cc' },
      { path: 'z', bytes: 1, sha256: 'dd' },
    ];
    expect(compareArtifacts(a, a)).toEqual([]);
    expect(compareArtifacts(a, b)).toEqual([
      { path: 'y', first: 'bb', second: 'cc' },
      { path: 'z', second: 'dd' },
    ]);
  });
});
