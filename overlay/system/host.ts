/**
 * The host as the appliance layer sees it: kernel uptime, hostname, the image's build info, the
 * NICs' MACs, files, mounts and power. Thin wrappers over procfs, sysfs and busybox.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { bb, exec } from './exec.js';
import { listNics } from './hardware.js';
import { readImageInfo } from './image.js';

/** A file's text, or `fallback` when it cannot be read. */
export function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** Seconds since the kernel started. */
export const uptime = (): number => Number(readOr('/proc/uptime', '0').split(' ')[0]);

export function createHost() {
  return {
    uptime,
    setHostname: (name: string) => writeFileSync('/proc/sys/kernel/hostname', name),
    image: () => readImageInfo(),
    macs: () => listNics().map((n) => n.mac),
    readFile: (path: string) => readFile(path, 'utf8'),
    async power(kind: 'poweroff' | 'reboot') {
      await exec(bb('sync'));
      await exec(bb(kind, '-f'));
    },
  };
}
