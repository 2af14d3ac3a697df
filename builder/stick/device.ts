/**
 * What a stick target is, and whether it is safe to format: never the wrong disk. A block device
 * must be removable, not mounted, and empty or already a PILLARS stick, unless --force.
 */
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { UserError, EXIT } from '../errors.js';

export const LABEL = 'PILLARS';

export type Content = 'missing' | 'empty' | 'pillars' | 'fat' | 'other';

/** Classify the first bytes of a medium: all zero, a FAT filesystem labelled PILLARS, another FAT, or something else. */
export function classifyContent(head: Uint8Array): Content {
  if (head.length === 0 || head.every((b) => b === 0)) return 'empty';
  if (head.length < 512 || head[510] !== 0x55 || head[511] !== 0xaa) return 'other';
  const ascii = (from: number, len: number) => String.fromCharCode(...head.subarray(from, from + len));
  const fat16 = ascii(54, 8).startsWith('FAT');
  const fat32 = ascii(82, 8).startsWith('FAT32');
  if (!fat16 && !fat32) return 'other';
  const label = (fat32 ? ascii(71, 11) : ascii(43, 11)).trim();
  return label === LABEL ? 'pillars' : 'fat';
}

export async function readHead(path: string, bytes = 64 * 1024): Promise<Uint8Array> {
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface TargetInfo {
  path: string;
  kind: 'image' | 'device';
  content: Content;
}

export async function inspectTarget(path: string): Promise<TargetInfo> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { path, kind: 'image', content: 'missing' };
    throw new UserError(`cannot look at ${path}: ${(e as Error).message}`, { exitCode: EXIT.io, cause: e });
  }
  if (st.isDirectory())
    throw new UserError(`${path} is a directory, not a stick image or device`, { exitCode: EXIT.usage });
  // A character device, FIFO or socket is neither: writing a stick there would replace it (the
  // save renames a new file over the path) or block on reading it.
  if (!st.isFile() && !st.isBlockDevice())
    throw new UserError(`${path} is not a stick image file or a block device`, {
      exitCode: EXIT.usage,
      hint: 'name an image file (created if missing) or the whole USB stick as lsblk shows it, e.g. /dev/sdX',
    });
  const kind = st.isBlockDevice() ? 'device' : 'image';
  try {
    return { path, kind, content: st.size === 0 && kind === 'image' ? 'empty' : classifyContent(await readHead(path)) };
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as Error).message}`, {
      exitCode: EXIT.io,
      hint: kind === 'device' ? 'run as root, or add yourself to the disk group' : undefined,
      cause: e,
    });
  }
}

export interface DeviceFacts {
  removable: boolean | undefined;
  mounted: string[];
}

export interface SysReader {
  readFile(path: string): Promise<string>;
  realpath(path: string): Promise<string>;
}

const realSys: SysReader = {
  readFile: (p) => fsp.readFile(p, 'utf8'),
  realpath: (p) => fsp.realpath(p),
};

/** /sys/block/<disk>/removable (for a partition: its disk's) and the mounts of the device. */
export async function deviceFacts(device: string, sys: SysReader = realSys): Promise<DeviceFacts> {
  const real = await sys.realpath(device).catch(() => device);
  const name = basename(real);
  let removable: boolean | undefined;
  for (const p of [`/sys/class/block/${name}/removable`, `/sys/class/block/${name}/../removable`]) {
    try {
      removable = (await sys.readFile(p)).trim() === '1';
      break;
    } catch {
      /* try the parent disk */
    }
  }
  let mounts = '';
  try {
    mounts = await sys.readFile('/proc/mounts');
  } catch {
    /* no /proc: nothing known to be mounted */
  }
  const mounted = mounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter(([dev]) => dev === real || dev === device || (dev !== undefined && dev.startsWith(real) && /\d$/.test(dev)))
    .map(([dev, dir]) => `${dev} on ${dir}`);
  return { removable, mounted };
}

/** Throws unless it is safe to create a filesystem on `info` (pure decision over the facts). */
export function checkFormatSafe(info: TargetInfo, facts: DeviceFacts | undefined, force: boolean): void {
  if (info.kind === 'device' && facts) {
    if (facts.mounted.length > 0)
      throw new UserError(`${info.path} is mounted (${facts.mounted.join(', ')}); refusing to format it`, {
        exitCode: EXIT.io,
        hint: 'unmount it first',
      });
    if (facts.removable !== true && !force)
      throw new UserError(`${info.path} is not a removable device; refusing to format it`, {
        exitCode: EXIT.usage,
        hint: 'check the device name (lsblk); pass --force only if you are sure this is the stick',
      });
  }
  if (info.content === 'pillars' && !force)
    throw new UserError(`${info.path} is already a pillars stick`, {
      exitCode: EXIT.usage,
      hint: 'use `pillars stick set/edit` to change it, or --force to start over',
    });
  if ((info.content === 'fat' || info.content === 'other') && !force)
    throw new UserError(
      `${info.path} holds other data (${info.content === 'fat' ? 'a FAT filesystem not labelled ' + LABEL : 'a partition table or filesystem'}); refusing to overwrite it`,
      {
        exitCode: EXIT.usage,
        hint: 'pass --force to erase it',
      },
    );
}
