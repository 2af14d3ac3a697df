/**
 * Power cut during `pillarsctl save`: QEMU is SIGKILLed at a random moment while the supervisor
 * writes the stick; afterwards the stick must still hold a valid config (the old generation or the
 * new one), on the host and for the next boot (which must come up configured, not UNCONFIGURED).
 * Each round is one boot under TCG (about 45 s). CI runs 3 rounds
 * (`supervisor-powercut.test.ts`), the lab suite 20 (`test/lab/powercut.test.ts`);
 * PILLARS_POWERCUT_ROUNDS=N runs another number in either.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../../builder/exec.js';
import type { Vm } from '../../builder/vm/qemu.js';
import { encodeRun } from '../../builder/vm/guest.js';
import { BOOT_TIMEOUT_MS, outRoot, root } from './image.js';
import { bootVm, makeStick, READY, tempDir } from './supervisor-harness.js';

async function validate(image: string): Promise<{ ok: boolean; generation: number; text: string }> {
  const r = await run(
    process.execPath,
    [join(root, 'bin', 'pillars.mjs'), 'stick', '-s', image, 'validate', '--json'],
    { allowFailure: true },
  );
  const gen = /"generation":\s*(\d+)/.exec(r.stdout);
  return { ok: r.code === 0, generation: gen ? Number(gen[1]) : -1, text: r.stdout + r.stderr };
}

/** Registers the power-cut test with `defaultRounds` rounds unless PILLARS_POWERCUT_ROUNDS says otherwise. */
export function powercutTest(defaultRounds: number): void {
  const ROUNDS = Number(process.env.PILLARS_POWERCUT_ROUNDS ?? defaultRounds);
  const tmp = tempDir('pillars-sup-cut-');
  let vm: Vm | undefined;
  afterAll(async () => {
    await vm?.stop();
    tmp.cleanup();
  });

  describe('power cut during save (TCG)', () => {
    it(
      `${ROUNDS} rounds: the stick always yields a valid config afterwards`,
      async () => {
        const stick = await makeStick(`${tmp.dir}/usb.img`, 'usb');
        let lastGen = 1;
        for (let round = 1; round <= ROUNDS; round++) {
          vm = bootVm({ name: `sup-cut${round}`, sticks: [{ image: stick, as: 'usb' }] });
          const ready = await vm.waitFor(READY, BOOT_TIMEOUT_MS);
          expect(ready.text, `round ${round}: boots configured from the stick`).toMatch(
            /\(node lb1, roles: network, vrrp, director\)$/,
          );
          const from = vm.lines.length;
          vm.proc.child.stdin!.write(encodeRun(`cut${round}`, 'pillarsctl save'));
          const writing = await vm.waitFor(/pillars: writing generation (\d+) to the stick/, 120_000, from);
          const next = Number(/generation (\d+)/.exec(writing.text)![1]);
          // The write takes about 0.5 s under TCG: most cuts land inside it.
          const delay = Math.floor(Math.random() * 800);
          await new Promise((r) => setTimeout(r, delay));
          vm.kill();
          await vm.proc.exited;
          const saved = vm.lines.slice(from).some((l) => /pillars: saved the running config/.test(l.text));
          vm = undefined;
          const v = await validate(stick);
          console.log(
            `round ${round}: cut ${delay} ms into the save (${saved ? 'after' : 'before'} it finished), stick holds generation ${v.generation} (old ${lastGen}, writing ${next})`,
          );
          if (!v.ok) {
            // Keep the broken stick for a post-mortem (mdir -i, fsck.fat -n).
            const kept = join(outRoot, 'test-failures', `powercut-round-${round}.img`);
            mkdirSync(dirname(kept), { recursive: true });
            copyFileSync(stick, kept);
            expect.fail(`round ${round}: no valid config on the stick after the cut (kept as ${kept}): ${v.text}`);
          }
          // The old generation or the one this save was writing; a cut save's number stays used
          // (its torn history file is skipped), so `next` may be more than lastGen + 1.
          expect([lastGen, next], `round ${round}`).toContain(v.generation);
          if (saved) expect(v.generation, `round ${round}: a finished save is on the stick`).toBe(next);
          lastGen = v.generation;
        }
      },
      ROUNDS * BOOT_TIMEOUT_MS,
    );
  });
}
