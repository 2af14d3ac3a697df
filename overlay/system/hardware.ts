/**
 * What hardware is present: modaliases of every device (for module loading) and the MAC
 * addresses of the NICs (for choosing the node). Pure helpers plus thin readers of /sys.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The modalias of every device a driver or handler can be loaded for: each device of each bus
 * (/sys/bus/BUS/devices/DEVICE: drivers bind to devices on a bus), each device of each class (input
 * devices for their handlers, the DMI identity for platform quirks) and the CPU's features. That
 * is where the kernel's uevents carry a MODALIAS, so it is what udev's coldplug loads for, found
 * by reading about a hundred directories: walking all of /sys/devices (about 800 under a lab VM)
 * for the same set took 0.7 s of the boot under emulation.
 */
export function collectModaliases(sys = '/sys'): string[] {
  const out = new Set<string>();
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  const read = (file: string) => {
    try {
      const a = readFileSync(file, 'utf8').trim();
      if (a) out.add(a);
    } catch {
      /* no modalias there */
    }
  };
  const deviceDirs = [
    ...list(join(sys, 'bus')).map((bus) => join(sys, 'bus', bus, 'devices')),
    ...list(join(sys, 'class')).map((cls) => join(sys, 'class', cls)),
  ];
  for (const dir of deviceDirs) for (const d of list(dir)) read(join(dir, d, 'modalias'));
  read(join(sys, 'devices', 'system', 'cpu', 'modalias'));
  return [...out].sort();
}

export interface Nic {
  name: string;
  mac: string;
}

/** Physical-looking NICs: those with a `device` link and a non-zero Ethernet address. */
export function listNics(root = '/sys/class/net'): Nic[] {
  let names: string[] = [];
  try {
    names = readdirSync(root).sort();
  } catch {
    return [];
  }
  const out: Nic[] = [];
  for (const name of names) {
    if (name === 'lo') continue;
    try {
      readdirSync(join(root, name, 'device'));
    } catch {
      continue;
    }
    try {
      const mac = readFileSync(join(root, name, 'address'), 'utf8')
        .trim()
        .toLowerCase();
      if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac) && mac !== '00:00:00:00:00:00') out.push({ name, mac });
    } catch {
      /* no address */
    }
  }
  return out;
}

/** Is there a floppy controller (ACPI PNP0700)? Only then is the floppy module worth loading. */
export function hasFloppyController(acpiDevices = '/sys/bus/acpi/devices'): boolean {
  try {
    return readdirSync(acpiDevices).some((n) => n.startsWith('PNP0700:'));
  } catch {
    return false;
  }
}

/**
 * Modules the appliance always wants even when no modalias names them yet: USB storage (a stick
 * enumerates only after its host controller's driver has loaded, so its modalias is not there to
 * read yet), FAT with its code pages and its default iocharset, input events for the power
 * button, nftables. The USB host controllers are not among them: each is a PCI device whose
 * modalias (class 0c03) names its driver, so only the controllers the box has are loaded (a lab
 * VM has one xhci; loading the ehci, uhci and ohci drivers as well cost module loads for hardware
 * that is not there).
 */
export const BASE_MODULES: readonly string[] = [
  'usb_storage',
  'uas',
  'sd_mod',
  'vfat',
  'nls_cp437',
  'nls_iso8859_1',
  'nls_utf8',
  // FAT's default iocharset: mounting the stick asked the kernel's usermode helper for it, one
  // more modprobe start on the config's path (about 70 ms under emulation).
  'nls_ascii',
  'evdev',
  'button',
  'nf_tables',
];

/**
 * The modules on the way to the config stick, in the order they load: the USB host controllers
 * and USB disk storage (a USB stick's disk appears only after its controller's driver has loaded
 * and usb-storage's settle delay, 1 s, has passed), then the floppy and SATA. Nothing is
 * configured before the stick is read, so these load first and the rest (NICs, input,
 * nftables…) while the stick enumerates.
 */
const CONFIG_PATH: readonly RegExp[] = [
  /^[xeou]hci_(?:pci|hcd|platform)$/,
  /^(?:usb_storage|uas|sd_mod)$/,
  /^(?:floppy|ahci)$/,
];

/** Is `m` one of the modules on the way to the config stick (see CONFIG_PATH)? Pure. */
export function onConfigPath(m: string): boolean {
  return CONFIG_PATH.some((re) => re.test(m));
}

/** `mods` with the config path's modules first (in CONFIG_PATH's order), the rest in their own. Pure. */
export function configPathFirst(mods: readonly string[]): string[] {
  const rank = (m: string) => {
    const i = CONFIG_PATH.findIndex((re) => re.test(m));
    return i < 0 ? CONFIG_PATH.length : i;
  };
  return mods
    .map((m, i) => ({ m, i, r: rank(m) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.m);
}
