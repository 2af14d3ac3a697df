/**
 * Helpers for the supervisor's integration tests: config sticks made with the stick CLI (and
 * mtools for deliberately broken ones), VMs booted from the kernel + initrd with the test-only
 * control channel (`pillars.test=ctlserial`: shell commands in over the serial port, answers out),
 * so tests can run pillarsctl, nft and kill inside the guest.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../builder/exec.js';
import { guestExec, TEST_CHANNEL_PARAM } from '../../builder/vm/guest.js';
import { Vm, type StickDrive, type VmSpec } from '../../builder/vm/qemu.js';
import { imagePath, requireImage, root } from './image.js';
import { labKernelArgs } from '../../builder/stages/kernel-args.js';

export const READY = /pillars: ready in (\d+\.\d+)s/;
/** The MACs of node lb1 in the director starter config. */
export const LB1_NICS = [{ mac: '52:54:00:00:01:01' }, { mac: '52:54:00:00:01:02' }];

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const pillars = (args: string[]) => run(process.execPath, [join(root, 'bin', 'pillars.mjs'), ...args]);

/** A director starter stick: a floppy image or an 8 MiB USB image. */
export async function makeStick(path: string, as: 'usb' | 'floppy'): Promise<string> {
  await pillars([
    'stick',
    'init',
    path,
    '--profile',
    'director',
    ...(as === 'floppy' ? ['--floppy'] : ['--size', '8']),
  ]);
  return path;
}

/** Replace pillars.yaml on a stick image with `text` as it is (no validation, no trailer). */
export async function writeRawConfig(image: string, dir: string, text: string): Promise<void> {
  const f = join(dir, 'raw-pillars.yaml');
  writeFileSync(f, text);
  await run('mcopy', ['-o', '-i', image, f, '::pillars.yaml']);
}

export async function stickText(image: string): Promise<string> {
  return (await run('mtype', ['-i', image, '::pillars.yaml'])).stdout;
}

/** The kernel command line of a test boot: serial console and the test-only control channel. */
export function kernelAppend(extra = ''): string {
  return labKernelArgs(`${TEST_CHANNEL_PARAM} ${extra}`);
}

export interface BootOptions {
  name: string;
  sticks?: StickDrive[];
  nics?: VmSpec['nics'];
  append?: string;
  monitorSocket?: string;
  /** QEMU's i6300ESB watchdog, and a reset (the watchdog's or a reboot) boots the VM again. */
  watchdog?: boolean;
  /** QMP socket (for Vm.watchEvents). */
  qmpSocket?: string;
}

export function bootVm(o: BootOptions): Vm {
  requireImage('director');
  return Vm.start({
    name: o.name,
    boot: {
      kind: 'kernel',
      kernel: imagePath('director', 'vmlinuz'),
      initrd: imagePath('director', 'initrd.img'),
      append: kernelAppend(o.append),
    },
    sticks: o.sticks ?? [],
    nics: o.nics ?? LB1_NICS,
    ...(o.monitorSocket ? { monitorSocket: o.monitorSocket } : {}),
    ...(o.watchdog ? { watchdog: 'i6300esb' as const, onReset: 'reset' as const } : {}),
    ...(o.qmpSocket ? { qmpSocket: o.qmpSocket } : {}),
    ...(process.env.PILLARS_CONSOLE_LOG ? { consoleLog: `${process.env.PILLARS_CONSOLE_LOG}.${o.name}` } : {}),
  });
}

/** Run a shell command in the guest over the test channel; resolves with exit code and output. */
export const guest = guestExec;

export interface ServiceJson {
  name: string;
  state: string;
  pid?: number;
  restarts: number;
}

export interface StatusJson {
  supervisor: { pid: number };
  config: {
    state: string;
    node?: string;
    roles?: string[];
    reason?: string;
    source?: { generation: number; checksum: string; device: string };
  };
  services: ServiceJson[];
}

export async function status(vm: Vm): Promise<StatusJson> {
  const r = await guest(vm, 'pillarsctl status --json');
  if (r.code !== 0) throw new Error(`pillarsctl status failed (${r.code}): ${r.output}`);
  return JSON.parse(r.output) as StatusJson;
}

/** Poll `check` on the guest's status until it holds (bounded). */
export async function waitStatus(vm: Vm, check: (s: StatusJson) => boolean, timeoutMs: number): Promise<StatusJson> {
  const end = Date.now() + timeoutMs;
  let last: StatusJson | undefined;
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    last = await status(vm);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`status condition not met within ${timeoutMs / 1000}s; last: ${JSON.stringify(last)}`);
}
