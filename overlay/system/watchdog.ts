/**
 * The kernel's watchdog devices: softdog loaded when the box has no hardware watchdog (the i6300ESB
 * of QEMU and some servers, Intel's iTCO are loaded at boot by their modalias), the timeout set
 * with util-linux wdctl (Node has no ioctl; wdctl opens the device, writes the magic character
 * and sets WDIOC_SETTIMEOUT, so the device is stopped again when it returns), then the device held
 * open by the supervisor: every write feeds it, 'V' before close stops it.
 */
import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { describeFailure, exec, type Exec } from './exec.js';

export const WATCHDOG_SYSFS = '/sys/class/watchdog';
/** WDIOF_CARDRESET in bootstatus: the last reboot was caused by this watchdog. */
const WDIOF_CARDRESET = 0x20;
const KEEPALIVE = Buffer.from([0]);
const MAGIC_CLOSE = Buffer.from('V');

/** /dev/watchdog is the misc device of the first watchdog the kernel registered, watchdog0. */
export function sysfsName(device: string): string {
  const m = /^\/dev\/watchdog(\d*)$/.exec(device);
  return `watchdog${m?.[1] || '0'}`;
}

export interface WatchdogSystemOptions {
  sysfs?: string;
  run?: Exec;
  /** How long to wait for /dev/watchdog after softdog loads (devtmpfs makes it at once). */
  settleMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createWatchdogDevices(opts: WatchdogSystemOptions = {}) {
  const sysfs = opts.sysfs ?? WATCHDOG_SYSFS;
  const run = opts.run ?? exec;
  const present = () => {
    try {
      return readdirSync(sysfs).filter((n) => /^watchdog\d+$/.test(n));
    } catch {
      return [];
    }
  };
  const attr = (name: string, key: string): string | undefined => {
    try {
      return readFileSync(`${sysfs}/${name}/${key}`, 'utf8').trim();
    } catch {
      return undefined;
    }
  };

  return {
    async open(device: string, timeoutS: number) {
      if (present().length === 0) {
        const r = await run(['modprobe', 'softdog'], { timeoutMs: 30_000 });
        if (r.code !== 0)
          throw new Error(
            `no watchdog on this box and softdog does not load: ${describeFailure(['modprobe', 'softdog'], r)}`,
          );
        for (let i = 0; i < 50 && !existsSync(device); i++) await sleep((opts.settleMs ?? 2000) / 50);
      }
      if (!existsSync(device))
        throw new Error(`${device} does not exist (watchdogs on this box: ${present().join(', ') || 'none'})`);
      const set = ['wdctl', '--settimeout', String(timeoutS), device];
      const r = await run(set, { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`the device refuses timeout ${timeoutS}s: ${describeFailure(set, r)}`);
      let fd: number;
      try {
        // libuv opens every file with O_CLOEXEC: the services the supervisor spawns never hold it.
        fd = openSync(device, constants.O_WRONLY);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new Error(
          code === 'EBUSY' ? `${device} is held open by another process` : `cannot open ${device}: ${String(err)}`,
          { cause: err },
        );
      }
      const name = sysfsName(device);
      const boot = Number(attr(name, 'bootstatus') ?? '0');
      return {
        identity: attr(name, 'identity') ?? name,
        timeoutS: Number(attr(name, 'timeout') ?? timeoutS) || timeoutS,
        resetByWatchdog: (boot & WDIOF_CARDRESET) !== 0,
        pet: () => void writeSync(fd, KEEPALIVE),
        close() {
          try {
            writeSync(fd, MAGIC_CLOSE);
          } finally {
            closeSync(fd);
          }
        },
      };
    },
  };
}
