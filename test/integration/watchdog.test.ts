/**
 * The supervisor's watchdog on QEMU's i6300ESB (director image, node lb1, admin.watchdog with a
 * 15 s timeout), in one QEMU process whose resets boot it again: armed at boot and shown by
 * `pillarsctl status`; a supervisor killed with -9 is respawned by init and re-arms in time (no
 * reset); `pillarsctl reboot` closes the device with the magic character first, so the next boot
 * is a clean one; a supervisor stopped with SIGSTOP feeds nothing and the device resets the box
 * within its timeout, which the next boot reports from the device's boot status.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleLine, Vm } from '../../builder/vm/qemu.js';
import { BOOT_TIMEOUT_MS, root } from './image.js';
import { bootVm, guest, makeStick, READY, status, tempDir, writeRawConfig } from './supervisor-harness.js';

const TIMEOUT_S = 15;
const ARMED = new RegExp(
  `pillars: watchdog armed: /dev/watchdog \\((.+)\\), timeout ${TIMEOUT_S}s, fed while keepalived is up`,
);
const AFTER_RESET = /pillars: WARNING: watchdog: this boot follows a reset by \/dev\/watchdog/;
const CLEAN_REBOOT = /reboot: Restarting system|pillars: rebooting/;

const tmp = tempDir('pillars-watchdog-');
let vm: Vm;

beforeAll(async () => {
  const stick = await makeStick(`${tmp.dir}/usb.img`, 'usb');
  const starter = readFileSync(join(root, 'profiles', 'director.starter.yaml'), 'utf8');
  await writeRawConfig(stick, tmp.dir, starter.replace('admin:\n', `admin:\n  watchdog: { timeout: ${TIMEOUT_S} }\n`));
  vm = bootVm({
    name: 'watchdog',
    sticks: [{ image: stick, as: 'usb' }],
    watchdog: true,
    qmpSocket: `${tmp.dir}/qmp.sock`,
  });
  // QEMU's own word on resets: a WATCHDOG event when the device fires, RESET for any reset.
  await vm.watchEvents();
  await vm.waitFor(READY, BOOT_TIMEOUT_MS);
}, BOOT_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await vm?.stop();
  tmp.cleanup();
});

const index = (l: ConsoleLine) => vm.lines.indexOf(l);
const since = (from: number, re: RegExp) => vm.lines.slice(from).filter((l) => re.test(l.text));

interface WatchdogJson {
  state: string;
  device: string;
  identity: string;
  timeoutS: number;
  lastPet: number;
  watched: string[];
}

describe('supervisor watchdog (director image, i6300ESB, TCG)', () => {
  it('armed at boot; pillarsctl status shows the device, its timeout and the last feed', async () => {
    const armed = await vm.waitFor(ARMED, 60_000);
    expect(ARMED.exec(armed.text)![1]).toBe('i6300ESB timer');
    const text = await guest(vm, 'pillarsctl status');
    expect(text.output).toMatch(
      /^watchdog {2}\/dev\/watchdog \(i6300ESB timer\), timeout 15s, fed \ds ago, watching keepalived$/m,
    );
    const json = (await status(vm)) as unknown as { watchdog: WatchdogJson; at: number };
    expect(json.watchdog).toMatchObject({ state: 'armed', device: '/dev/watchdog', timeoutS: 15 });
    expect(json.at - json.watchdog.lastPet).toBeLessThan(5000);
  });

  it('kill -9 of the supervisor: init respawns it, it re-arms within the timeout, no reset', async () => {
    const before = await status(vm);
    const from = vm.lines.length;
    const events = vm.events.length;
    await guest(
      vm,
      `(sleep 1; kill -9 ${before.supervisor.pid}; echo pillars-test: supervisor killed >/dev/ttyS0) </dev/null >/dev/null 2>&1 &`,
    );
    const killed = await vm.waitFor(/pillars-test: supervisor killed/, 30_000, from);
    const armed = await vm.waitFor(ARMED, 60_000, index(killed));
    console.log(
      `watchdog: supervisor kill -9 → re-armed by the respawned one in ${((armed.t - killed.t) / 1000).toFixed(1)}s`,
    );
    await vm.waitFor(READY, 120_000, index(killed));
    // Longer than the timeout after the kill: still the same boot.
    await new Promise((r) => setTimeout(r, TIMEOUT_S * 1000));
    expect(since(from, AFTER_RESET)).toEqual([]);
    expect(vm.events.slice(events).map((e) => e.event)).toEqual([]);
    expect((await status(vm)).supervisor.pid).not.toBe(before.supervisor.pid);
  });

  it('pillarsctl reboot: the device is closed first, the next boot is clean', async () => {
    const from = vm.lines.length;
    expect((await guest(vm, 'pillarsctl reboot')).output).toMatch(/reboot in progress/);
    const events = vm.events.length;
    const disarmed = await vm.waitFor(/pillars: watchdog \/dev\/watchdog disarmed \(clean reboot\)/, 60_000, from);
    // Armed before the roles start, so before the ready line.
    await vm.waitFor(ARMED, BOOT_TIMEOUT_MS, index(disarmed));
    await vm.waitFor(READY, BOOT_TIMEOUT_MS, index(disarmed));
    expect(since(from, /pillars: rebooting/)).toHaveLength(1);
    expect(since(from, AFTER_RESET)).toEqual([]);
    expect(vm.events.slice(events).map((e) => e.event)).toContain('RESET');
    expect(vm.events.slice(events).filter((e) => e.event === 'WATCHDOG')).toEqual([]);
  });

  it('SIGSTOP of the supervisor: the i6300ESB resets the box within the timeout', async () => {
    const before = await status(vm);
    const from = vm.lines.length;
    const events = vm.events.length;
    await guest(
      vm,
      `(sleep 1; kill -STOP ${before.supervisor.pid}; echo pillars-test: supervisor stopped >/dev/ttyS0) </dev/null >/dev/null 2>&1 &`,
    );
    const stopped = await vm.waitFor(/pillars-test: supervisor stopped/, 30_000, from);
    const fired = await vm.waitForEvent('WATCHDOG', (TIMEOUT_S + 30) * 1000, events);
    expect(fired.data).toMatchObject({ action: 'reset' });
    const ready = await vm.waitFor(READY, BOOT_TIMEOUT_MS, index(stopped));
    const between = vm.lines.slice(index(stopped), index(ready));
    // No clean reboot: the device reset the machine, and the new boot says so.
    expect(between.filter((l) => CLEAN_REBOOT.test(l.text))).toEqual([]);
    await vm.waitFor(AFTER_RESET, 60_000, index(stopped));
    const resetS = (fired.t - stopped.t) / 1000;
    // The kernel of the second boot started `ready in` seconds before its ready line.
    const kernelStart = ready.t - Number(READY.exec(ready.text)![1]) * 1000;
    console.log(
      `watchdog: SIGSTOP → reset by the i6300ESB (QMP WATCHDOG) ${resetS.toFixed(1)}s, ` +
        `→ kernel start of the next boot ${((kernelStart - stopped.t) / 1000).toFixed(1)}s, ` +
        `→ ready again ${((ready.t - stopped.t) / 1000).toFixed(1)}s (timeout ${TIMEOUT_S}s)`,
    );
    // Fed last at most one tick (1.5 s) before the stop; the device fires one timeout after that.
    expect(resetS).toBeGreaterThan(TIMEOUT_S - 3);
    expect(resetS).toBeLessThanOrEqual(TIMEOUT_S + 3);
  });
});
