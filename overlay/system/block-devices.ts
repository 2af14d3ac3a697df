/**
 * BlockDevices over /sys/block and blkid: what discovery.ts scans for the config stick.
 * The parsing is pure (unit-tested); `sysBlockDevices()` reads the real system.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { exec, type Exec } from './exec.js';

export type Bus = 'usb' | 'ata' | 'scsi' | 'floppy' | 'virtio' | 'mmc' | 'nvme' | 'unknown';

export interface BlockDevice {
  /** Kernel name: sdb1, fd0. */
  name: string;
  /** Device node: /dev/sdb1. */
  path: string;
  /** Other names of the node (/dev/disk/by-label/PILLARS…), if known. */
  links?: string[];
  removable: boolean;
  bus: Bus;
  type: 'disk' | 'part' | 'rom' | 'loop' | 'ram';
  /** Name of the whole disk for a partition (sdb for sdb1). */
  parent?: string;
  /** As blkid reports it: vfat, ext4, iso9660… (absent: nothing recognised / no medium). */
  fsType?: string;
  label?: string;
  uuid?: string;
  /** Bytes. */
  size: number;
  /**
   * When the kernel made its device node (ms since the epoch: devtmpfs's change time, which only
   * ever moves later), for USB disks: when the stick appeared, which may be well before anyone
   * looked. Absent where the node says nothing about the medium (a floppy drive's node is there
   * from boot, whatever disk is in it).
   */
  appearedAt?: number;
}

export interface BlockDevices {
  /** The block devices present right now (a fresh look each call). */
  list(): Promise<BlockDevice[]>;
  /**
   * Whether a storage device is still enumerating (a USB mass-storage interface without its
   * disk yet). With it, the settle look after a first stick ends as soon as nothing is pending
   * instead of waiting the whole settle time.
   */
  enumerating?(): Promise<boolean>;
}

/** `/dev/sda1: LABEL="PILLARS" UUID="1234-ABCD" TYPE="vfat"` (blkid's default output) → fields. */
export function parseBlkidLine(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const colon = line.indexOf(': ');
  const rest = colon >= 0 ? line.slice(colon + 2) : line;
  const re = /([A-Z_]+)="((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest))) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return out;
}

/** Which bus a block device hangs off, from the resolved /sys/block/NAME/device path. */
export function busOf(name: string, devicePath: string | undefined): Bus {
  if (/^fd\d+$/.test(name)) return 'floppy';
  const p = devicePath ?? '';
  if (/\/usb\d*\//.test(p)) return 'usb';
  if (/^vd[a-z]+$/.test(name) || /virtio/.test(p)) return 'virtio';
  if (/^mmcblk/.test(name)) return 'mmc';
  if (/^nvme/.test(name)) return 'nvme';
  if (/\/ata\d+\//.test(p)) return 'ata';
  if (/^sd[a-z]+$/.test(name) || /^sr\d+$/.test(name)) return 'scsi';
  return 'unknown';
}

export interface SysReader {
  list(dir: string): string[];
  read(path: string): string | undefined;
  realpath(path: string): string | undefined;
}

export const realSys: SysReader = {
  list: (d) => {
    try {
      return readdirSync(d).sort();
    } catch {
      return [];
    }
  },
  read: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  realpath: (p) => {
    try {
      return realpathSync(p);
    } catch {
      return undefined;
    }
  },
};

interface RawDev {
  name: string;
  type: BlockDevice['type'];
  parent?: string;
  removable: boolean;
  bus: Bus;
  size: number;
}

/** The disks and partitions under /sys/block (loop and ram devices left out). */
export function listSysBlock(sys: SysReader = realSys): RawDev[] {
  const out: RawDev[] = [];
  for (const name of sys.list('/sys/block')) {
    if (/^(loop|ram|zram|dm-|md)/.test(name)) continue;
    const base = `/sys/block/${name}`;
    const removable = (sys.read(`${base}/removable`) ?? '0').trim() === '1';
    const bus = busOf(name, sys.realpath(`${base}/device`));
    const size = Number((sys.read(`${base}/size`) ?? '0').trim()) * 512;
    const type: BlockDevice['type'] = /^sr\d+$/.test(name) ? 'rom' : 'disk';
    out.push({ name, type, removable, bus, size });
    for (const part of sys.list(base)) {
      if (!part.startsWith(name)) continue;
      if (sys.read(`${base}/${part}/partition`) === undefined) continue;
      const psize = Number((sys.read(`${base}/${part}/size`) ?? '0').trim()) * 512;
      out.push({ name: part, type: 'part', parent: name, removable, bus, size: psize });
    }
  }
  return out;
}

/**
 * USB mass-storage interfaces (class 08) whose disk has not appeared yet: usb-storage waits
 * `delay_use` before scanning, then the SCSI scan adds the disk. Pure over a SysReader.
 */
export function usbStoragePending(sys: SysReader = realSys): string[] {
  const pending: string[] = [];
  const root = '/sys/bus/usb/devices';
  for (const iface of sys.list(root)) {
    if (!/:\d+\.\d+$/.test(iface)) continue;
    if ((sys.read(`${root}/${iface}/bInterfaceClass`) ?? '').trim() !== '08') continue;
    const dir = `${root}/${iface}`;
    const hasDisk = sys
      .list(dir)
      .filter((h) => /^host\d+$/.test(h))
      .some((h) =>
        sys
          .list(`${dir}/${h}`)
          .filter((t) => t.startsWith('target'))
          .some((t) =>
            sys
              .list(`${dir}/${h}/${t}`)
              .some((lun) => /^\d+:\d+:\d+:\d+$/.test(lun) && sys.list(`${dir}/${h}/${t}/${lun}/block`).length > 0),
          ),
      );
    if (!hasDisk) pending.push(iface);
  }
  return pending;
}

/** devtmpfs's change time of a device node, or undefined. */
function nodeChangedAt(path: string): number | undefined {
  try {
    return statSync(path).ctimeMs;
  } catch {
    return undefined;
  }
}

/**
 * The block devices of /sys/block, each probed with blkid (all at once: a CD drive's probe waits
 * on the drive). One instance serves one discovery: a device whose node and size have not changed
 * since its last successful probe keeps that probe's result (the look after the settle time
 * re-probed the stick and the CD drive, about 0.4 s of the boot under emulation); a floppy drive
 * is probed at every look, as its node says nothing about the disk in it. Optical drives are not
 * probed unless `optical` is set (a kernel parameter naming a label or UUID): a config lives on a
 * medium the stick tool can write, and probing a drive (empty, or holding the boot CD) took
 * 0.1-0.3 s of each look under emulation.
 */
export function sysBlockDevices(
  opts: {
    sys?: SysReader;
    run?: Exec;
    blkid?: string[];
    nodeTime?: (path: string) => number | undefined;
    optical?: boolean;
  } = {},
): BlockDevices {
  const sys = opts.sys ?? realSys;
  const nodeTime = opts.nodeTime ?? nodeChangedAt;
  const run = opts.run ?? exec;
  const blkid = opts.blkid ?? ['/usr/sbin/blkid'];
  const probed = new Map<string, { key: string; fields: Record<string, string> }>();
  const probe = async (path: string, key: string | undefined): Promise<Record<string, string>> => {
    const known = key === undefined ? undefined : probed.get(path);
    if (known && known.key === key) return known.fields;
    const info = await run([...blkid, '-c', '/dev/null', path], { timeoutMs: 10_000 });
    if (info.code !== 0) return {}; // probed again at the next look: it may not have been ready
    const fields = parseBlkidLine(info.stdout.trim().split('\n')[0] ?? '');
    if (key !== undefined) probed.set(path, { key, fields });
    return fields;
  };
  return {
    enumerating: async () => usbStoragePending(sys).length > 0,
    async list() {
      const raw = listSysBlock(sys);
      return Promise.all(
        raw.map(async (d): Promise<BlockDevice> => {
          const path = `/dev/${d.name}`;
          // A drive with no medium (card reader) has size 0: nothing to probe. A floppy drive shows
          // its size only once opened, so it is always probed (and its size read again).
          const floppy = d.bus === 'floppy';
          const changed = floppy ? undefined : nodeTime(path);
          const f =
            (d.size > 0 || floppy) && (d.type !== 'rom' || opts.optical)
              ? await probe(path, changed === undefined ? undefined : `${d.size}@${changed}`)
              : {};
          const size =
            floppy && d.size === 0 ? Number((sys.read(`/sys/block/${d.name}/size`) ?? '0').trim()) * 512 : d.size;
          return {
            name: d.name,
            path,
            removable: d.removable,
            bus: d.bus,
            type: d.type,
            ...(d.parent ? { parent: d.parent } : {}),
            ...(f.TYPE ? { fsType: f.TYPE } : {}),
            ...(f.LABEL !== undefined ? { label: f.LABEL } : {}),
            ...(f.UUID ? { uuid: f.UUID } : {}),
            size,
            ...(d.bus === 'usb' ? appeared(changed) : {}),
          };
        }),
      );
    },
  };
}

const appeared = (at: number | undefined) => (at === undefined ? {} : { appearedAt: at });
