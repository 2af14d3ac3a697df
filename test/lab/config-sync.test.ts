/**
 * Config sync in auto mode (admin.cluster.config_sync: auto), in the lab (one boot of a router
 * pair, node2 powered off and booted again twice): every `pillarsctl save` goes to the peer; a
 * save while the peer is powered off stays on this stick (exit 4) and reaches the peer's stick
 * once it has booted again, and the peer boots that generation the time after; saves on both
 * nodes at the same moment never overwrite a saved config with the other's.
 */
import { describe, expect, it } from 'vitest';
import { LAB_CLUSTER_KEY, labConfig } from '../../builder/drill/lab-config.js';
import { BOOT_TIMEOUT_MS, READY_LINE } from '../../builder/drill/drill.js';
import type { LabVm } from '../../builder/vm/lab.js';
import { guestExec } from '../../builder/vm/guest.js';
import { useDrillLab } from '../integration/drill-lab.js';

const base = labConfig({ profile: 'router', timers: 'default' });
const auto = base.replace(`key: "${LAB_CLUSTER_KEY}" }`, `key: "${LAB_CLUSTER_KEY}", config_sync: auto }`);
const variant = (mark: string) => `${auto}# change ${mark}\n`;

const pair = useDrillLab({ profile: 'router', timers: 'default', configText: auto });

const sh = async (n: LabVm, command: string, timeoutMs = 240_000) => (await guestExec(n.vm, command, timeoutMs)).output;

async function reload(n: LabVm, mark: string): Promise<void> {
  const b64 = Buffer.from(variant(mark), 'utf8').toString('base64');
  await sh(n, 'rm -f /tmp/put.b64');
  for (let i = 0; i < b64.length; i += 1500) await sh(n, `printf %s '${b64.slice(i, i + 1500)}' >> /tmp/put.b64`);
  const out = await sh(n, `base64 -d /tmp/put.b64 > /tmp/${mark}.yaml && pillarsctl reload /tmp/${mark}.yaml`);
  expect(out, `${n.name}: ${out}`).toMatch(/^reloaded/m);
}

const ctl = (n: LabVm, args: string) => sh(n, `pillarsctl ${args} 2>&1; echo "exit=$?"`);

async function onStick(n: LabVm): Promise<string> {
  const tail = await sh(n, 'busybox tail -n 2 /mnt/stick/pillars.yaml');
  return `${/pillars-generation: (\d+)/.exec(tail)?.[1]} ${/# change (\w+)/.exec(tail)?.[1] ?? 'none'}`;
}

/** The generation both lab sticks start with (`pillars stick init` writes the first one). */
let g0 = 0;

describe('config sync in auto mode (router pair)', () => {
  it('auto: a plain save goes to the peer', async () => {
    const [n1, n2] = pair().nodes as [LabVm, LabVm];
    expect(auto).not.toBe(base);
    g0 = Number((await onStick(n1)).split(' ')[0]);
    await reload(n1, 'A');
    const out = await ctl(n1, 'save');
    expect(out).toMatch(
      new RegExp(`^saved as generation ${g0 + 1}; node2 saved it as generation ${g0 + 1}\nexit=0`, 'm'),
    );
    expect(await onStick(n2)).toBe(`${g0 + 1} A`);
  });

  it('node2 powered off: the save stays on node1 (exit 4); node2 has it once booted, and boots it the time after', async () => {
    const [n1, n2] = pair().nodes as [LabVm, LabVm];
    await n2.stop();
    await reload(n1, 'B');
    const out = await ctl(n1, 'save');
    expect(out).toMatch(new RegExp(`saved as generation ${g0 + 2} on this stick only: node2 not reached`));
    expect(out).toMatch(/exit=4/);
    const t = Date.now();
    await n2.restart();
    await n2.waitFor(READY_LINE, BOOT_TIMEOUT_MS);
    await n2.waitFor(
      new RegExp(`config sync: node1 sent generation ${g0 + 2} .*saved to the stick as generation ${g0 + 2}`),
      120_000,
    );
    console.log(`config sync: node2 had the save ${((Date.now() - t) / 1000).toFixed(1)} s after its power-on`);
    expect(await onStick(n2)).toBe(`${g0 + 2} B`);
    // The next boot runs it.
    await n2.stop();
    await n2.restart();
    await n2.waitFor(READY_LINE, BOOT_TIMEOUT_MS);
    expect(await ctl(n2, 'status')).toMatch(new RegExp(`^config {4}\\S+ \\S+, generation ${g0 + 2}, `, 'm'));
  });

  it('saves on both nodes at the same moment: no saved config is replaced by the other', async () => {
    const [n1, n2] = pair().nodes as [LabVm, LabVm];
    await reload(n1, 'C');
    await reload(n2, 'D');
    const [a, b] = await Promise.all([ctl(n1, 'save'), ctl(n2, 'save')]);
    console.log(`config sync, simultaneous saves:\nnode1: ${a}\nnode2: ${b}`);
    expect(`${a}\n${b}`).toMatch(/CONFLICT/);
    for (const [n, out, own, other] of [
      [n1, a, 'C', 'D'],
      [n2, b, 'D', 'C'],
    ] as const) {
      const [, mark] = (await onStick(n)).split(' ');
      if (/saved as generation \d+/.test(out) && !/nothing was written/.test(out)) expect(mark).toBe(own);
      else expect(['B', other]).toContain(mark);
    }
  });
});
