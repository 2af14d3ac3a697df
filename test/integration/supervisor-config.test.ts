/**
 * The supervisor finds its config at boot: a stick as USB disk and as floppy (provider line,
 * ready line with the node), and the safe state for no stick, an invalid config and two sticks
 * (UNCONFIGURED with the reason, each validation error with file:line:column, nftables dropping
 * everything but loopback).
 */
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Vm } from '../../builder/vm/qemu.js';
import { BOOT_TIMEOUT_MS } from './image.js';
import { bootVm, guest, makeStick, READY, status, tempDir, writeRawConfig } from './supervisor-harness.js';

const tmp = tempDir('pillars-sup-config-');
afterAll(() => tmp.cleanup());

/** Boots a VM that is stopped when the test ends (tests run two at a time: each its own hook). */
function boot(ctx: TestContext, o: Parameters<typeof bootVm>[0]): Vm {
  const vm = bootVm(o);
  ctx.onTestFinished(() => vm.stop());
  return vm;
}

// The console's em dash may arrive split across two reads of QEMU's output and then shows up as
// replacement characters, so the patterns accept any non-blank run in its place.
const UNCONFIGURED = /pillars: UNCONFIGURED \S+ (.*)/;

async function expectSafeState(vm: Vm): Promise<void> {
  await vm.waitFor(READY, BOOT_TIMEOUT_MS);
  const rules = await guest(vm, 'nft list ruleset');
  expect(rules.code).toBe(0);
  expect(rules.output).toMatch(/table inet pillars_safe/);
  expect(rules.output).toMatch(/policy drop/);
  expect(rules.output).toMatch(/iifname "lo" accept/);
  const st = await status(vm);
  expect(st.config.state).toBe('unconfigured');
  expect(st.services).toEqual([]);
}

describe.concurrent('config discovery at boot (director image, TCG)', () => {
  let usb: string;
  let floppy: string;
  beforeAll(async () => {
    usb = await makeStick(`${tmp.dir}/usb.img`, 'usb');
    floppy = await makeStick(`${tmp.dir}/floppy.img`, 'floppy');
  });

  it('stick as a USB disk: provider line, node by MAC, ready line with node and roles', async (ctx) => {
    const vm = boot(ctx, { name: 'sup-usb', sticks: [{ image: usb, as: 'usb' }] });
    const provider = await vm.waitFor(
      /pillars: config from usb-sata: \/dev\/sd\w+ \(usb, vfat, label PILLARS/,
      BOOT_TIMEOUT_MS,
    );
    expect(provider.text).toMatch(/generation 1, sha256 [0-9a-f]{12}/);
    await vm.waitFor(/pillars: {3}floppy: skipped \S+ /, 30_000);
    await vm.waitFor(/pillars: node lb1 \(matched by MAC address on wan, lan\)/, 30_000);
    const ready = await vm.waitFor(READY, BOOT_TIMEOUT_MS);
    expect(ready.text).toMatch(/^pillars: ready in \d+\.\d\ds \(node lb1, roles: network, vrrp, director\)$/);
    // The stick is mounted read-only; the network is configured from the config.
    expect((await guest(vm, 'grep " /mnt/stick " /proc/mounts')).output).toMatch(/vfat ro[, ]/);
    const addrs = await guest(vm, 'ip -o addr show');
    expect(addrs.output).toMatch(/\d+: wan\s+inet 192\.0\.2\.2\/24/);
    expect(addrs.output).toMatch(/\d+: lan\s+inet 10\.0\.0\.2\/24/);
    expect((await guest(vm, 'ip route show default')).output).toMatch(/default via 192\.0\.2\.1 dev wan/);
    expect((await guest(vm, 'cat /proc/sys/net/ipv4/ip_forward')).output.trim()).toBe('1');
    expect((await guest(vm, 'cat /proc/sys/kernel/hostname')).output.trim()).toBe('lb1');
    // Every module kmod resolves for a modalias anywhere under /sys/devices (the exhaustive walk
    // the boot no longer makes) is loaded or built in. sr_mod is for the VM's empty CD drive, whose
    // SCSI device appears only after its controller's driver has loaded (a box running from RAM
    // never reads it).
    const needed = await guest(
      vm,
      [
        'sed "s|.*/||; s|\\.ko.*$||; s|-|_|g" /lib/modules/$(uname -r)/modules.builtin > /tmp/builtin',
        'find /sys/devices -name modalias -type f 2>/dev/null | while read -r f; do modprobe -R -q "$(cat "$f")" 2>/dev/null; done | tr - _ | sort -u | while read -r m; do',
        '  grep -q "^$m " /proc/modules || grep -qx "$m" /tmp/builtin || echo "not loaded: $m"',
        'done',
      ].join('\n'),
      180_000,
    );
    expect(needed.output.split('\n').filter((l) => l && l !== 'not loaded: sr_mod')).toEqual([]);
    expect(needed.code).toBe(0);
    const st = await status(vm);
    expect(st.config).toMatchObject({ state: 'configured', node: 'lb1', roles: ['network', 'vrrp', 'director'] });
    const states = Object.fromEntries(st.services.map((s) => [s.name, s.state]));
    // ipvs-sync: the kernel's IPVS sync daemons, started once before keepalived (a director with VRRP);
    // keepalived runs split: VRRP (keepalived) and the health checks (keepalived-lvs).
    expect(Object.keys(states).sort()).toEqual([
      'ipvs-sync',
      'keepalived',
      'keepalived-lvs',
      'netmon',
      'network',
      'nofirewall',
    ]);
    expect(states).toMatchObject({ network: 'done', netmon: 'ready', nofirewall: 'done', 'ipvs-sync': 'done' });
    // No firewall section: no packet filter, and the status says so.
    expect(st.config).toMatchObject({
      notes: ['firewall: none configured (the config has no firewall section: no packet filter)'],
    });
    // keepalived is ready once its first VRRP state arrives on the event FIFO
    expect(['started', 'ready']).toContain(states.keepalived);
    // The firewall of the safe state is gone once the config is applied (the nofirewall role's nft -f).
    expect((await guest(vm, 'nft list ruleset')).output).not.toMatch(/pillars_safe/);
    expect(vm.lines.some((l) => /pillars: firewall: none configured/.test(l.text))).toBe(true);
  });

  it('stick as a floppy', async (ctx) => {
    const vm = boot(ctx, { name: 'sup-floppy', sticks: [{ image: floppy, as: 'floppy' }] });
    await vm.waitFor(
      /pillars: config from floppy: \/dev\/fd0 \(floppy, vfat, label PILLARS(, 1\.4 MiB)?\), pillars\.yaml, generation 1/,
      BOOT_TIMEOUT_MS,
    );
    await vm.waitFor(/pillars: {3}usb-sata: skipped \S+ no FAT device labelled PILLARS/, 30_000);
    const ready = await vm.waitFor(READY, BOOT_TIMEOUT_MS);
    expect(ready.text).toMatch(/\(node lb1, roles: network, vrrp, director\)$/);
  });

  it('no stick: UNCONFIGURED, firewall closed', async (ctx) => {
    const vm = boot(ctx, { name: 'sup-nostick', append: 'pillars.stickwait=2' });
    const line = await vm.waitFor(UNCONFIGURED, BOOT_TIMEOUT_MS);
    expect(UNCONFIGURED.exec(line.text)![1]).toBe('no config medium (no FAT device labelled PILLARS)');
    await expectSafeState(vm);
  });

  it('invalid config: UNCONFIGURED with every error as file:line:column', async (ctx) => {
    const bad = await makeStick(`${tmp.dir}/bad.img`, 'usb');
    await writeRawConfig(
      bad,
      tmp.dir,
      [
        'version: 1',
        'profile: director',
        'nodes:',
        '  lb1:',
        '    interfaces:',
        '      wan:',
        '        mac: "52:54:00:00:01:01"',
        '        adresses: [192.0.2.2/24]',
        'sysctl:',
        '  net.ipv4.ip_forward: [1]',
        '',
      ].join('\n'),
    );
    const vm = boot(ctx, { name: 'sup-invalid', sticks: [{ image: bad, as: 'usb' }] });
    const line = await vm.waitFor(UNCONFIGURED, BOOT_TIMEOUT_MS);
    expect(line.text).toMatch(/invalid config on \/dev\/sd\w+ \(\d+ errors?\)/);
    await vm.waitFor(/pillars: {3}pillars\.yaml:8:9: nodes\.lb1\.interfaces\.wan\.adresses: /, 2000);
    await vm.waitFor(/pillars: {3}pillars\.yaml:10:\d+: sysctl\.net\.ipv4\.ip_forward: /, 2000);
    await expectSafeState(vm);
  });

  it('two sticks: UNCONFIGURED, never a guess', async (ctx) => {
    // Sticks of its own: QEMU locks an image, and the USB test may still be running.
    const first = await makeStick(`${tmp.dir}/first.img`, 'usb');
    const second = await makeStick(`${tmp.dir}/second.img`, 'usb');
    const vm = boot(ctx, {
      name: 'sup-two',
      sticks: [
        { image: first, as: 'usb' },
        { image: second, as: 'usb' },
      ],
    });
    const line = await vm.waitFor(UNCONFIGURED, BOOT_TIMEOUT_MS);
    expect(line.text).toMatch(/2 media labelled PILLARS: \/dev\/sd\w+ .*, \/dev\/sd\w+ .* \S+ remove all but one/);
    await expectSafeState(vm);
  });
});
