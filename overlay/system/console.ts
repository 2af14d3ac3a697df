/**
 * The appliance's console: every line goes to each active kernel console (VGA tty and serial), so
 * an admin sees it wherever they look, and to the supervisor's own stdout as a fallback.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

export interface Console {
  line(text: string): void;
}

/** `tty0 ttyS0` from /sys/class/tty/console/active → ['/dev/tty0', '/dev/ttyS0']. Pure. */
export function consoleDevices(active: string): string[] {
  return active
    .trim()
    .split(/\s+/)
    .filter((n) => /^[A-Za-z0-9]+$/.test(n))
    .map((n) => `/dev/${n}`);
}

export function systemConsole(): Console {
  let devices: string[] = [];
  const refresh = () => {
    try {
      devices = consoleDevices(readFileSync('/sys/class/tty/console/active', 'utf8'));
    } catch {
      devices = [];
    }
  };
  return {
    line(text) {
      if (devices.length === 0) refresh();
      const data = text.endsWith('\n') ? text.replace(/\n/g, '\r\n') : `${text}\r\n`;
      let shown = false;
      for (const dev of devices) {
        try {
          const fd = openSync(dev, 'w');
          try {
            writeSync(fd, data);
            shown = true;
          } finally {
            closeSync(fd);
          }
        } catch {
          /* a console that cannot be opened (no VGA) is skipped */
        }
      }
      if (!shown) process.stdout.write(text + '\n');
    },
  };
}
