/** The kernel log and clock of the boot's first moments, for `pillars.debug` (the benchmark's timeline). */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { uptime } from './host.js';

/** The kernel log so far (non-blocking read of /dev/kmsg: one record per read). */
export function kmsgText(): string {
  const lines: string[] = [];
  let fd: number | undefined;
  try {
    fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(8192);
    for (let i = 0; i < 5000; i++) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      lines.push(buf.toString('utf8', 0, n).split('\n')[0]!);
    }
  } catch {
    /* EAGAIN: the end of the log */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return lines.join('\n');
}

/** Kernel-clock seconds of /init, node, the supervisor's start (`mainAt`, process seconds) and now. */
export function startupTimes(mainAt: number): string {
  const now = uptime();
  const node = now - process.uptime();
  const init = /^\d+,\d+,(\d+),[^;]*;Run \/init as init process/m.exec(kmsgText());
  const initAt = init ? (Number(init[1]) / 1e6).toFixed(2) : '?';
  return `timeline: /init ${initAt}s, node ${node.toFixed(2)}s, supervisor ${(node + mainAt).toFixed(2)}s, early boot done ${now.toFixed(2)}s`;
}
