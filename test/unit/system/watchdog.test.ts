/**
 * The watchdog devices against a fake sysfs and a plain file standing in for the device: softdog
 * is loaded only when the box has no watchdog, the timeout is set with wdctl before the device is
 * opened, a feed writes a NUL byte (never 'V'), the close writes the magic 'V', and bootstatus
 * says whether this boot followed a reset by the device.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Exec } from '../../../overlay/system/exec.js';
import { createWatchdogDevices, sysfsName } from '../../../overlay/system/watchdog.js';
const tmp = mkdtempSync(join(tmpdir(), 'pillars-wd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let boxes = 0;

function box(opts: { watchdogs: Record<string, Record<string, string>>; wdctlExit?: number }) {
  const dir = join(tmp, `box${++boxes}`);
  const sysfs = join(dir, 'sys');
  mkdirSync(sysfs, { recursive: true });
  for (const [name, attrs] of Object.entries(opts.watchdogs)) {
    mkdirSync(join(sysfs, name));
    for (const [k, v] of Object.entries(attrs)) writeFileSync(join(sysfs, name, k), `${v}\n`);
  }
  const device = join(dir, 'watchdog');
  const ran: string[] = [];
  const run: Exec = async (argv) => {
    ran.push(argv.join(' '));
    if (argv[0] === 'modprobe') writeFileSync(device, '');
    if (argv[0] === 'wdctl' && opts.wdctlExit)
      return { code: opts.wdctlExit, stdout: '', stderr: 'cannot set timeout' };
    return { code: 0, stdout: '', stderr: '' };
  };
  return { devices: createWatchdogDevices({ sysfs, run, settleMs: 100 }), device, ran };
}

describe('watchdog devices (system)', () => {
  it('/dev/watchdog is watchdog0, /dev/watchdogN is watchdogN', () => {
    expect(['/dev/watchdog', '/dev/watchdog0', '/dev/watchdog1'].map(sysfsName)).toEqual([
      'watchdog0',
      'watchdog0',
      'watchdog1',
    ]);
  });

  it('a hardware watchdog: timeout set, opened, fed with NUL, closed with V; its bootstatus read', async () => {
    const b = box({ watchdogs: { watchdog0: { identity: 'i6300ESB timer', timeout: '15', bootstatus: '32' } } });
    writeFileSync(b.device, '');
    const dev = await b.devices.open(b.device, 15);
    expect(b.ran).toEqual([`wdctl --settimeout 15 ${b.device}`]);
    expect(dev).toMatchObject({ identity: 'i6300ESB timer', timeoutS: 15, resetByWatchdog: true });
    dev.pet();
    dev.pet();
    dev.close();
    expect(readFileSync(b.device)).toEqual(Buffer.from([0, 0, 0x56]));
  });

  it('no watchdog at all: softdog is loaded first', async () => {
    const b = box({ watchdogs: {} });
    const dev = await b.devices.open(b.device, 60);
    expect(b.ran).toEqual(['modprobe softdog', `wdctl --settimeout 60 ${b.device}`]);
    expect(dev.resetByWatchdog).toBe(false);
    dev.close();
  });

  it('says why it cannot arm: no such device, a timeout the driver refuses', async () => {
    const missing = box({ watchdogs: { watchdog0: {} } });
    await expect(missing.devices.open(`${missing.device}1`, 60)).rejects.toThrow(
      `${missing.device}1 does not exist (watchdogs on this box: watchdog0)`,
    );
    const refusing = box({ watchdogs: { watchdog0: {} }, wdctlExit: 1 });
    writeFileSync(refusing.device, '');
    await expect(refusing.devices.open(refusing.device, 600)).rejects.toThrow(
      `the device refuses timeout 600s: wdctl --settimeout 600 ${refusing.device}: exit 1: cannot set timeout`,
    );
  });
});
