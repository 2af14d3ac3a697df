/**
 * What hardware is present: modaliases of every device (for module loading) and the MAC
 * addresses of the NICs (for choosing the node). Pure helpers plus thin readers of /sys.
 */
import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/** Every `modalias` file under /sys/devices (bounded depth, symlinks not followed). */
export function collectModaliases(root = '/sys/devices', maxDepth = 12): string[] {
  const out = new Set<string>();
  const walk = (dir: string, depth: number) => {
    if (depth > maxDepth) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'modalias' && e.isFile()) {
        try {
          const a = readFileSync(join(dir, e.name), 'utf8').trim();
          if (a) out.add(a);
        } catch {
          /* unreadable attribute */
        }
      } else if (e.isDirectory() && !e.isSymbolicLink()) {
        walk(join(dir, e.name), depth + 1);
      }
    }
  };
  walk(root, 0);
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
