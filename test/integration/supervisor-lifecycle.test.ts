/**
 * One appliance (USB stick, node lb1) through its life: a service killed with -9 is restarted and
 * counted; the supervisor killed with -9 is respawned by init and re-adopts the running services
 * (same pids); logs and status over pillarsctl; a failed reload keeps the running config; save
 * writes a new generation to the stick; the ACPI power button shuts down cleanly within 10 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vm } from '../../builder/vm/qemu.js';
import { BOOT_TIMEOUT_MS } from './image.js';
import { bootVm, guest, makeStick, READY, status, stickText, tempDir, waitStatus } from './supervisor-harness.js';

const tmp = tempDir('pillars-sup-life-');
let vm: Vm;
let stick: string;

beforeAll(async () => {
  stick = await makeStick(`${tmp.dir}/usb.img`, 'usb');
  vm = bootVm({ name: 'sup-life', sticks: [{ image: stick, as: 'usb' }], monitorSocket: `${tmp.dir}/monitor.sock` });
  await vm.waitFor(READY, BOOT_TIMEOUT_MS);
}, BOOT_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await vm?.stop();
  tmp.cleanup();
});

const svc = (s: Awaited<ReturnType<typeof status>>, name: string) => s.services.find((x) => x.name === name)!;

describe('supervisor lifecycle (director image, TCG)', () => {
  it('kill -9 of a long-running service: restarted, counted in status', async () => {
    const before = svc(await status(vm), 'netmon');
    expect(before.state).toBe('ready');
    expect(before.restarts).toBe(0);
    expect((await guest(vm, `kill -9 ${before.pid}`)).code).toBe(0);
    const after = await waitStatus(
      vm,
      (s) => svc(s, 'netmon').state === 'ready' && svc(s, 'netmon').pid !== before.pid,
      60_000,
    );
    expect(svc(after, 'netmon').restarts).toBe(1);
    const text = await guest(vm, 'pillarsctl status');
    expect(text.output).toMatch(/^netmon\s+ready\s+.*1 restart/m);
  });

  it('kill -9 of the supervisor: init respawns it, services keep their pids', async () => {
    const before = await status(vm);
    const from = vm.lines.length;
    await guest(vm, `(sleep 1; kill -9 ${before.supervisor.pid}) </dev/null >/dev/null 2>&1 &`);
    await vm.waitFor(/pillars: supervisor restarted \(pid \d+\); re-adopting running services/, 120_000, from);
    await vm.waitFor(READY, 120_000, from);
    const after = await status(vm);
    expect(after.supervisor.pid).not.toBe(before.supervisor.pid);
    expect(svc(after, 'netmon')).toMatchObject({
      state: 'ready',
      pid: svc(before, 'netmon').pid,
      restarts: svc(before, 'netmon').restarts,
    });
    expect(svc(after, 'network').state).toBe('done');
    // Re-adopted, so the network was not set up a second time and the firewall was left alone.
    expect(vm.lines.slice(from).some((l) => /firewall closed/.test(l.text))).toBe(false);
  });

  it('logs of a service and of the supervisor', async () => {
    const sup = await guest(vm, 'pillarsctl logs');
    expect(sup.code).toBe(0);
    expect(sup.output).toMatch(/\* pillars: ready in/);
    const net = await guest(vm, 'pillarsctl logs network');
    expect(net.output).toMatch(/network: wan lan configured/);
    expect((await guest(vm, 'pillarsctl logs nosuch')).code).toBe(1);
  });

  it('reload with an invalid config: refused, the running config stays', async () => {
    const r = await guest(vm, `printf 'version: 1\\nnodes: {}\\n' > /tmp/bad.yaml; pillarsctl reload /tmp/bad.yaml`);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/reload refused, the running config stays: invalid config/);
    expect(r.output).toMatch(/bad\.yaml:2:\d+: nodes/);
    const st = await status(vm);
    expect(st.config).toMatchObject({ state: 'configured', node: 'lb1' });
    expect(svc(st, 'netmon').state).toBe('ready');
  });

  it('save: a new generation on the stick, mounted read-only again', async () => {
    const r = await guest(vm, 'pillarsctl save');
    expect(r.output).toMatch(/saved as generation 2/);
    expect(r.code).toBe(0);
    expect((await guest(vm, 'grep " /mnt/stick " /proc/mounts')).output).toMatch(/vfat ro[, ]/);
    expect((await status(vm)).config.source?.generation).toBe(2);
  });

  it('ACPI power button: services stopped in reverse order, QEMU exits within 10 s', async () => {
    const from = vm.lines.length;
    await vm.powerdown();
    const t0 = Date.now();
    const code = await Promise.race([
      vm.proc.exited,
      new Promise<string>((r) => setTimeout(() => r('timeout'), 10_000)),
    ]);
    const took = Date.now() - t0;
    console.log(`power button → QEMU exit in ${(took / 1000).toFixed(1)}s`);
    expect(code).not.toBe('timeout');
    const lines = vm.lines.slice(from).map((l) => l.text);
    expect(lines.some((l) => /pillars: poweroff requested \(power button\)/.test(l))).toBe(true);
    expect(lines.some((l) => /pillars: powering off/.test(l))).toBe(true);
    // The stick holds the saved generation after the clean shutdown.
    expect(await stickText(stick)).toMatch(/# pillars-generation: 2 /);
  });
});
