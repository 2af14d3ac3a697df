/**
 * Commands inside a lab or test VM over its serial console. Works only when the VM booted with
 * the test-only kernel parameter `pillars.test=ctlserial` (labs, drills and tests add it; the
 * ISO's and PXE's boot entries never do): the host writes `@pt-run ID BASE64(command)` and the
 * supervisor answers `@pt-ret ID EXIT BASE64(output)`.
 */
import type { Vm } from './qemu.js';

export const TEST_CHANNEL_PARAM = 'pillars.test=ctlserial';

let nextId = 1;

export function encodeRun(id: string, command: string): string {
  return `@pt-run ${id} ${Buffer.from(command, 'utf8').toString('base64')}\n`;
}

export function returnPattern(id: string): RegExp {
  return new RegExp(`@pt-ret ${id} (\\d+) ([A-Za-z0-9+/=]*)`);
}

/** Run a shell command in the guest; resolves with its exit code and output (bounded by timeoutMs). */
export async function guestExec(
  vm: Vm,
  command: string,
  timeoutMs = 120_000,
): Promise<{ code: number; output: string }> {
  const id = `h${process.pid.toString(36)}x${nextId++}`;
  const from = vm.lines.length;
  const stdin = vm.proc.child.stdin;
  if (!stdin) throw new Error(`${vm.spec.name}: no serial input`);
  stdin.write(encodeRun(id, command));
  const re = returnPattern(id);
  const line = await vm.waitFor(re, timeoutMs, from);
  const m = re.exec(line.text)!;
  return { code: Number(m[1]), output: Buffer.from(m[2]!, 'base64').toString('utf8') };
}
