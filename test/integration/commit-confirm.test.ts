/**
 * Commit-confirm on the director image (USB stick, node lb1), one boot plus one power cycle:
 * a confirmed change stays; a change that drops all input (the admin's SSH with it) is rolled
 * back by itself when its window ends; a change saved to the stick on probation and then cut off
 * by a power loss boots the last confirmed generation. Windows use the seconds form, which only a
 * box booted with pillars.test=ctlserial (as here) accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../builder/exec.js';
import type { Vm } from '../../builder/vm/qemu.js';
import { sha256 } from '../../overlay/config/hash.js';
import { BOOT_TIMEOUT_MS, root } from './image.js';
import { bootVm, guest, makeStick, READY, status, tempDir, type StatusJson } from './supervisor-harness.js';
import { putGuestFile } from '../helpers/guest-file.js';

const starter = readFileSync(join(root, 'profiles', 'director.starter.yaml'), 'utf8');
/** A harmless change: one real server's weight. */
const A = starter.replace('weight: 1', 'weight: 3');
/** A change that cuts the admin off: every packet to the box dropped. */
const B = `${A}firewall:\n  input_policy: drop\n  forward_policy: drop\n  zones:\n    wan: { interfaces: [wan] }\n    lan: { interfaces: [lan] }\n`;
/** The change saved to the stick on probation before the power cut. */
const C = starter.replace('weight: 1', 'weight: 5');

const tmp = tempDir('pillars-confirm-');
let vm: Vm | undefined;
let stick: string;

interface Confirm {
  state: string;
  deadline?: number;
  rollbackTo: string;
  why?: string;
}
const confirmOf = (s: StatusJson) => (s.config as { confirm?: Confirm }).confirm;

async function sh(command: string, code = 0): Promise<string> {
  const r = await guest(vm!, command);
  expect(r.code, `${command}: ${r.output}`).toBe(code);
  return r.output;
}

/** Put `text` into a file in the guest, in pieces (the serial line holds 4095 bytes). */
async function put(path: string, text: string): Promise<void> {
  await putGuestFile((c) => sh(c), path, text);
  expect(await sh(`sha256sum ${path}`)).toContain(sha256(text));
}

beforeAll(async () => {
  stick = await makeStick(`${tmp.dir}/usb.img`, 'usb');
  vm = bootVm({ name: 'confirm1', sticks: [{ image: stick, as: 'usb' }] });
  await vm.waitFor(READY, BOOT_TIMEOUT_MS);
}, BOOT_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await vm?.stop();
  tmp.cleanup();
});

describe('commit-confirm (director image, TCG)', () => {
  it('a confirmed change stays; a plain reload is refused while it awaits confirmation', async () => {
    await put('/tmp/a.yaml', A);
    await put('/tmp/b.yaml', B);
    expect(await sh('pillarsctl reload /tmp/a.yaml --confirm 0', 2)).toMatch(/--confirm MINUTES must be from 1 to 60/);
    const r = await sh('pillarsctl reload /tmp/a.yaml --confirm 100s');
    expect(r).toMatch(/^\/tmp\/a\.yaml \(sha256 \w+\) runs on probation: rolled back to generation 1 .* \(in 100 s\)/);
    const text = await sh('pillarsctl status');
    expect(text).toMatch(
      /^confirm {3}PENDING: \/tmp\/a\.yaml .* rollback to generation 1 .* unless `pillarsctl confirm`$/m,
    );
    const pending = confirmOf(await status(vm!));
    expect(pending).toMatchObject({ state: 'pending', rollbackTo: expect.stringMatching(/^generation 1 /) });
    expect(pending!.deadline).toBeGreaterThan(Date.now() - 100_000);
    expect(await sh('pillarsctl reload /tmp/b.yaml', 1)).toMatch(
      /reload refused: \/tmp\/a\.yaml .* awaits confirmation/,
    );
    expect(await sh('pillarsctl confirm')).toMatch(/^confirmed: \/tmp\/a\.yaml .* stays/);
    const after = await status(vm!);
    expect(confirmOf(after)).toBeUndefined();
    expect(after.config.source?.checksum).toBe(sha256(A));
  });

  it('a change that drops all input is rolled back by itself when its window ends', async () => {
    const window = 20;
    const from = vm!.lines.length;
    const r = await sh(`pillarsctl reload /tmp/b.yaml --confirm ${window}s`);
    const applied = (await vm!.waitFor(/pillars: \/tmp\/b\.yaml .* runs on probation/, 10_000, from)).t;
    // The rollback target is the confirmed change, not the stick's generation 1.
    expect(r).toMatch(/rolled back to \/tmp\/a\.yaml \(sha256 \w+\) at .* \(in 20 s\)/);
    expect(await sh('nft list chain inet pillars input')).toMatch(/policy drop;/);
    const back = await vm!.waitFor(
      /pillars: \/tmp\/b\.yaml \(sha256 \w+\) not confirmed within 20 s: rolled back to \/tmp\/a\.yaml/,
      window * 1000 * 3 + 60_000,
      from,
    );
    console.log(
      `rolled back ${((back.t - applied) / 1000).toFixed(1)} s after the change was applied (window ${window} s)`,
    );
    const s = await status(vm!);
    expect(s.config.source?.checksum).toBe(sha256(A));
    expect(confirmOf(s)).toMatchObject({ state: 'rolled-back', why: `not confirmed within ${window} s` });
    expect(s.services.every((x) => x.state === 'ready' || x.state === 'done')).toBe(true);
    // No packet filter again (A has no firewall section): nothing drops the admin.
    expect(await sh('nft list ruleset')).not.toMatch(/policy drop/);
    expect(await sh('pillarsctl confirm', 1)).toMatch(/nothing awaits confirmation/);
  });

  it(
    'a power cut during the window: the box boots the last confirmed generation',
    async () => {
      await put('/tmp/c.yaml', C);
      await sh('pillarsctl reload /tmp/c.yaml --confirm 10');
      expect(await sh('pillarsctl save')).toMatch(/saved as generation 2/);
      expect(await sh('pillarsctl status')).toMatch(
        /^ {10}stick: marked: a reboot before confirmation boots generation 1$/m,
      );
      vm!.kill();
      await vm!.proc.exited;
      vm = undefined;

      const h = await run(process.execPath, [
        join(root, 'bin', 'pillars.mjs'),
        'stick',
        '-s',
        stick,
        'history',
        '--json',
      ]);
      expect(JSON.parse(h.stdout).pending).toMatchObject({ generation: 2, confirmed: 1, tried: true });

      vm = bootVm({ name: 'confirm2', sticks: [{ image: stick, as: 'usb' }] });
      await vm.waitFor(READY, BOOT_TIMEOUT_MS);
      expect(vm.lines.map((l) => l.text).join('\n')).toMatch(
        /pillars: generation 2 on the stick was not confirmed \(on probation since .*, pillarsctl save\): booting the last confirmed generation 1/,
      );
      const s = await status(vm);
      expect(s.config.source).toMatchObject({ generation: 1, checksum: sha256(starter) });
      expect(confirmOf(s)).toMatchObject({ state: 'rolled-back', why: 'not confirmed before the reboot' });
      expect(await sh('pillarsctl reload', 1)).toMatch(/reload refused: generation 2 on the stick awaits confirmation/);
    },
    BOOT_TIMEOUT_MS + 120_000,
  );
});
