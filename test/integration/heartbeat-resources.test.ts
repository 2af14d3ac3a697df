/**
 * The box's own heartbeat resource scripts (overlay/rootfs/etc/ha.d/resource.d: IPaddr2,
 * Filesystem, drbddisk) against the generic ones of the heartbeat image, run with chroot in a
 * throw-away network namespace: an address the box's IPaddr2 adds is one the OCF agent sees and
 * removes, the box's status agrees with the agent's, the forms the box does not handle itself go
 * to the OCF agent, and ResourceManager's reading of the status words is the same. Needs root,
 * not QEMU.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { imageRootfs, inImage, inImageWithKernelFs, withNetns } from '../helpers/image-tools.js';
import { run } from '../../builder/exec.js';

const asRoot = process.getuid?.() === 0;
const overlay = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'overlay',
  'rootfs',
  'etc',
  'ha.d',
  'resource.d',
);

/** ResourceManager's we_own_resource: how heartbeat reads a status answer. */
function owned(output: string): boolean {
  if (/[Nn][Oo][Tt] .*[Rr]unning/.test(output)) return false;
  return /[Rr]unning|OK/.test(output);
}

describe.skipIf(!asRoot)('heartbeat resource scripts of the box against the generic ones', () => {
  it('IPaddr2: start, status and stop agree with the OCF agent', { timeout: 1_200_000 }, async () => {
    const rootfs = await imageRootfs('heartbeat', 'heartbeat');
    const rel = `tmp/pillars-rsc-${randomBytes(4).toString('hex')}`;
    mkdirSync(join(rootfs, rel), { recursive: true });
    for (const f of ['IPaddr2', 'Filesystem', 'drbddisk']) copyFileSync(join(overlay, f), join(rootfs, rel, f));
    try {
      await withNetns({ interfaces: ['lan'] }, async (ns) => {
        // With the namespace's /proc and /sys in the chroot, as on the box (the box's IPaddr2 reads
        // the kernel's local routes and the interfaces' flags there).
        const sh = (argv: string[]) => inImageWithKernelFs(ns, rootfs, argv);
        const box = (...a: string[]) => sh([`/${rel}/IPaddr2`, ...a]);
        // An address on no interface: status and start know it from the kernel's routes, with no
        // `ip` run to list the addresses (a program start under emulation, in every takeover).
        const traced = await sh(['sh', '-x', `/${rel}/IPaddr2`, '192.0.2.99/24/lan', 'status']);
        expect(traced.code, traced.out).toBe(3);
        expect(traced.out).not.toMatch(/^\+ ip /m);
        const stock = (...a: string[]) => sh(['/etc/ha.d/resource.d/IPaddr2', ...a]);
        await sh(['ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'lan']);
        const vip = '192.0.2.100/24/lan';

        const before = await box(vip, 'status');
        expect(before.code).toBe(3);
        expect(owned(before.out)).toBe(false);
        expect(owned((await stock(vip, 'status')).out)).toBe(false);

        const started = await box(vip, 'start');
        expect(started.code, started.out).toBe(0);
        const addrs = (await sh(['ip', '-4', '-o', 'addr', 'show', 'dev', 'lan'])).out;
        expect(addrs).toMatch(/inet 192\.0\.2\.100\/24 brd 192\.0\.2\.255 /);
        expect(owned((await box(vip, 'status')).out)).toBe(true);
        expect(owned((await stock(vip, 'status')).out)).toBe(true);
        // A second start is a no-op that succeeds (heartbeat may run it on an address it holds).
        expect((await box(vip, 'start')).code).toBe(0);

        // stop goes to the OCF agent, which removes what the box's start added.
        const stopped = await box(vip, 'stop');
        expect(stopped.code, stopped.out).toBe(0);
        expect((await sh(['ip', '-4', '-o', 'addr', 'show', 'dev', 'lan'])).out).not.toContain('192.0.2.100/');
        expect(owned((await box(vip, 'status')).out)).toBe(false);

        // An interface label, as the generic script writes it.
        expect((await box('192.0.2.101/24/lan:web', 'start')).code).toBe(0);
        expect((await sh(['ip', '-4', '-o', 'addr', 'show', 'dev', 'lan'])).out).toMatch(
          /192\.0\.2\.101\/24 .* lan:web/,
        );

        // An address on an interface that is down has no local route: the box asks `ip`, as it
        // does whenever the kernel's routes cannot say the address is nowhere.
        await sh(['ip', 'addr', 'add', '192.0.2.103/24', 'dev', 'lan']);
        await sh(['ip', 'link', 'set', 'lan', 'down']);
        const downStatus = await box('192.0.2.103/24/lan', 'status');
        expect(owned(downStatus.out), downStatus.out).toBe(true);
        expect(owned((await stock('192.0.2.103/24/lan', 'status')).out)).toBe(true);
        const downStart = await box('192.0.2.103/24/lan', 'start');
        expect(downStart.code, downStart.out).toBe(0);
        expect((await sh(['ip', '-4', '-o', 'link', 'show', 'dev', 'lan'])).out).toMatch(/[<,]UP[,>]/);
        // On another interface: not this one's, for both.
        await sh(['ip', 'link', 'add', 'other', 'type', 'dummy']);
        await sh(['ip', 'link', 'set', 'other', 'up']);
        await sh(['ip', 'addr', 'add', '192.0.2.104/24', 'dev', 'other']);
        expect(owned((await box('192.0.2.104/24/lan', 'status')).out)).toBe(false);
        expect(owned((await stock('192.0.2.104/24/lan', 'status')).out)).toBe(false);

        // No prefix or interface: the OCF agent finds them by subnet, as with the generic script.
        const bare = await box('192.0.2.102', 'start');
        expect(bare.code, bare.out).toBe(0);
        expect(bare.out).toMatch(/INFO: .*Success/);
        expect((await sh(['ip', '-4', '-o', 'addr', 'show', 'dev', 'lan'])).out).toMatch(/192\.0\.2\.102\/24 /);
      });
    } finally {
      rmSync(join(rootfs, rel), { recursive: true, force: true });
    }
  });

  it('Filesystem and drbddisk: status words heartbeat reads as not running', { timeout: 1_200_000 }, async () => {
    const rootfs = await imageRootfs('heartbeat', 'heartbeat');
    const rel = `tmp/pillars-rsc-${randomBytes(4).toString('hex')}`;
    mkdirSync(join(rootfs, rel), { recursive: true });
    for (const f of ['Filesystem', 'drbddisk']) copyFileSync(join(overlay, f), join(rootfs, rel, f));
    try {
      await withNetns({ interfaces: [] }, async (ns) => {
        const sh = async (argv: string[]) => {
          const [cmd, args] = inImage(ns, rootfs, argv);
          const r = await run(cmd, args, { allowFailure: true, timeoutMs: 60_000 });
          return { code: r.code, out: r.stdout + r.stderr };
        };
        const fs = await sh([`/${rel}/Filesystem`, '/dev/drbd0', '/srv/data', 'ext4', 'status']);
        expect(fs.code).toBe(3);
        expect(owned(fs.out)).toBe(false);
        const stockFs = await sh(['/etc/ha.d/resource.d/Filesystem', '/dev/drbd0', '/srv/data', 'ext4', 'status']);
        expect(owned(stockFs.out)).toBe(false);
        // A missing device refuses to start, as the agent does (not installed).
        expect((await sh([`/${rel}/Filesystem`, '/dev/pillars-none', '/srv/data', 'ext4', 'start'])).code).toBe(5);
        // No DRBD here: unconfigured, which heartbeat reads as not running (so a takeover starts it).
        const dd = await sh([`/${rel}/drbddisk`, 'r0', 'status']);
        expect(owned(dd.out), dd.out).toBe(false);
      });
    } finally {
      rmSync(join(rootfs, rel), { recursive: true, force: true });
    }
  });
});
