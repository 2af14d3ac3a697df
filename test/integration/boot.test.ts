/**
 * The image boots the ways a user boots it, under QEMU TCG, and reaches the ready line: kernel +
 * initrd, the ISO as a CD with SeaBIOS and with OVMF (UEFI), and the ISO written to a USB stick
 * with SeaBIOS and with OVMF. Network boot has its own test with a boot server (netboot.test.ts).
 * Two boots at a time (the integration project's maxConcurrency): a TCG guest keeps one host core
 * busy, and this machine has two.
 */
import { describe, it, type TestContext } from 'vitest';
import { Vm, type VmSpec } from '../../builder/vm/qemu.js';
import { BOOT_TIMEOUT_MS, imagePath, requireImage } from './image.js';
import { labKernelArgs } from '../../builder/stages/kernel-args.js';

const READY = /pillars: ready in (\d+\.\d+)s/;

/**
 * Boots `spec` to its ready line and returns that line; the VM is stopped when the test ends,
 * passed or failed. Concurrent tests take their hooks and `expect` from their own context.
 */
async function bootToReady(ctx: TestContext, profile: string, spec: VmSpec): Promise<string> {
  return (await bootVm(ctx, profile, spec)).line;
}

async function bootVm(ctx: TestContext, profile: string, spec: VmSpec): Promise<{ line: string; vm: Vm }> {
  requireImage(profile);
  const vm = Vm.start(spec);
  ctx.onTestFinished(() => vm.stop());
  const line = await vm.waitFor(READY, BOOT_TIMEOUT_MS);
  const seconds = Number(READY.exec(line.text)![1]);
  console.log(`${spec.name}: ${line.text.trim()} after ${(line.t / 1000).toFixed(1)}s wall clock`);
  ctx.expect(seconds).toBeGreaterThan(0);
  return { line: line.text, vm };
}

const iso = () => imagePath('director', 'pillars.iso');

describe.concurrent('boot to ready (director image, TCG)', () => {
  it('kernel + initrd directly; init mounts the early filesystems before the supervisor', async (ctx) => {
    const { vm } = await bootVm(ctx, 'director', {
      name: 'direct',
      boot: {
        kind: 'kernel',
        kernel: imagePath('director', 'vmlinuz'),
        initrd: imagePath('director', 'initrd.img'),
        append: labKernelArgs(),
      },
    });
    // The early-boot script (inittab sysinit) mounted them; the supervisor found each in place.
    const mountLines = vm.lines.map((l) => l.text).filter((t) => /pillars: boot: . mount /.test(t));
    ctx.expect(mountLines.length).toBeGreaterThanOrEqual(9);
    for (const t of mountLines) ctx.expect(t.trimEnd()).toMatch(/\(already mounted\)$/);
    // The same script started the module load before Node: the supervisor found most loaded.
    const modules = vm.lines
      .map((l) =>
        /pillars: boot: ✓ load modules .*: (\d+) modules, (\d+) loaded before the supervisor started/.exec(l.text),
      )
      .find((m) => m);
    ctx.expect(modules, 'the modules step names what the early load did').toBeTruthy();
    const [total, early] = [Number(modules![1]), Number(modules![2])];
    ctx.expect(early).toBeGreaterThan(total / 2);
    ctx.expect(early).toBeLessThanOrEqual(total);
  });

  it('ISO as a CD with SeaBIOS (BIOS)', async (ctx) => {
    await bootToReady(ctx, 'director', { name: 'cd-bios', boot: { kind: 'cdrom', iso: iso() } });
  });

  it('ISO as a CD with OVMF (UEFI)', async (ctx) => {
    await bootToReady(ctx, 'director', { name: 'cd-uefi', firmware: 'uefi', boot: { kind: 'cdrom', iso: iso() } });
  });

  it('ISO written to a USB stick (BIOS)', async (ctx) => {
    await bootToReady(ctx, 'director', { name: 'usb-bios', boot: { kind: 'usb-disk', image: iso() } });
  });

  it('ISO written to a USB stick (OVMF, UEFI)', async (ctx) => {
    await bootToReady(ctx, 'director', {
      name: 'usb-uefi',
      firmware: 'uefi',
      boot: { kind: 'usb-disk', image: iso() },
    });
  });
});

// Every other profile's image boots too: kernel + initrd with no stick, so each reaches its ready
// line in the closed safe state (its supervisor, Node and the pruned libraries all run).
describe.concurrent('every profile image boots (kernel + initrd, no stick: safe state)', () => {
  for (const profile of ['router', 'realserver', 'firewall', 'heartbeat']) {
    it(profile, async (ctx) => {
      const line = await bootToReady(ctx, profile, {
        name: `boot-${profile}`,
        // The heartbeat image unpacks perl and python3 as well: it needs more than 512 MiB.
        ...(profile === 'heartbeat' ? { memoryMiB: 1024 } : {}),
        boot: {
          kind: 'kernel',
          kernel: imagePath(profile, 'vmlinuz'),
          initrd: imagePath(profile, 'initrd.img'),
          append: labKernelArgs('pillars.stickwait=1'),
        },
      });
      ctx.expect(line).toContain('UNCONFIGURED');
    });
  }
});
