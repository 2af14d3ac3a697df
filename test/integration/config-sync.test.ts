/**
 * Config sync between the two sticks of a router pair over the peer channel (one boot of the
 * pair for the whole file): a config reloaded on node1 and saved with `pillarsctl save --peer`
 * lands on node2's stick under the same generation; with the pair cut apart the save is kept on
 * node1 only (exit 4) and reaches node2 once the link is back; after a change saved on each node
 * alone, `save --peer` is a conflict on both consoles and in status (exit 5) and no stick
 * changes. At the end the VMs are stopped and both stick images are read back on the host.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LAB_ADDRESSES, labConfig } from '../../builder/drill/lab-config.js';
import type { LabVm } from '../../builder/vm/lab.js';
import { guestExec } from '../../builder/vm/guest.js';
import { useDrillLab } from './drill-lab.js';
import { root } from './image.js';
import { putGuestFile } from '../helpers/guest-file.js';

const pair = useDrillLab({ profile: 'router', timers: 'default' });

/** The lab's config with a comment that makes each text its own version. */
const variant = (mark: string) => `${labConfig({ profile: 'router', timers: 'default' })}# change ${mark}\n`;

async function sh(n: LabVm, command: string, timeoutMs = 120_000): Promise<string> {
  return (await guestExec(n.vm, command, timeoutMs)).output;
}

/** Write `text` to `path` in the VM (base64 over the serial test channel, in pieces). */
async function put(n: LabVm, path: string, text: string): Promise<void> {
  await putGuestFile((c) => sh(n, c), path, text);
}

/** Run `text` on the node (pillarsctl reload FILE). */
async function reload(n: LabVm, mark: string): Promise<void> {
  await put(n, `/tmp/${mark}.yaml`, variant(mark));
  const out = await sh(n, `pillarsctl reload /tmp/${mark}.yaml`, 240_000);
  expect(out, `${n.name}: ${out}`).toMatch(/^reloaded/m);
}

/** `pillarsctl ARGS` with its exit code appended as `exit=N`. */
const ctl = (n: LabVm, args: string) => sh(n, `pillarsctl ${args} 2>&1; echo "exit=$?"`, 240_000);

/** The generation and change mark of the config on the node's stick (its last lines). */
async function onStick(n: LabVm): Promise<string> {
  const tail = await sh(n, 'busybox tail -n 2 /mnt/stick/pillars.yaml');
  const mark = /# change (\w+)/.exec(tail)?.[1] ?? 'none';
  const gen = /pillars-generation: (\d+)/.exec(tail)?.[1];
  return `${gen} ${mark}`;
}

const since = (n: LabVm, re: RegExp, from: number, timeoutMs: number) => n.waitFor(re, timeoutMs, from);

/** The TCP sockets a node listens on, as address:port (from /proc/net/tcp and tcp6). */
async function listening(n: LabVm): Promise<string[]> {
  const text = await sh(n, 'cat /proc/net/tcp /proc/net/tcp6');
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[3] !== '0A') continue; // LISTEN
    const [hex, port] = f[1]!.split(':') as [string, string];
    const addr =
      hex.length === 8
        ? (hex.match(/../g) ?? [])
            .reverse()
            .map((b) => parseInt(b, 16))
            .join('.')
        : /^0+$/.test(hex)
          ? '[::]'
          : `[${hex}]`;
    out.add(`${addr}:${parseInt(port, 16)}`);
  }
  return [...out].sort();
}

/** The generation both lab sticks start with (`pillars stick init` writes the first one). */
let g0 = 0;
/** Generation g0 + i. */
const g = (i: number) => g0 + i;

describe('config sync between the sticks of a router pair', () => {
  it('save --peer: a config reloaded on node1 is on both sticks as the next generation; node2 runs its own until reload', async () => {
    const [n1, n2] = pair().nodes as [LabVm, LabVm];
    g0 = Number((await onStick(n1)).split(' ')[0]);
    expect(await onStick(n2)).toBe(`${g0} none`);
    await reload(n1, 'A');
    const from = n2.lines.length;
    const t0 = Date.now();
    const out = await ctl(n1, 'save --peer');
    const took = Date.now() - t0;
    expect(out).toMatch(new RegExp(`^saved as generation ${g(1)}; node2 saved it as generation ${g(1)}$`, 'm'));
    expect(out).toMatch(/exit=0/);
    await since(
      n2,
      new RegExp(
        `config sync: node1 sent generation ${g(1)} .*saved to the stick as generation ${g(1)}; this node runs generation ${g0} `,
      ),
      from,
      30_000,
    );
    expect(await onStick(n2)).toBe(`${g(1)} A`);
    expect(await ctl(n2, 'status')).toMatch(
      new RegExp(`^stick {5}generation ${g(1)}, sha256 [0-9a-f]{12}; NOT RUNNING`, 'm'),
    );
    expect(await ctl(n1, 'cluster status')).toMatch(
      new RegExp(`^config sync: both sticks hold generation ${g(1)} `, 'm'),
    );
    // Config sync rides on the peer channel: nothing listens but what the config names.
    expect(await listening(n1)).toEqual(['0.0.0.0:8080', `${LAB_ADDRESSES.syncNode(0)}:7411`]);
    console.log(`config sync: save --peer took ${(took / 1000).toFixed(1)} s (both sticks written)`);
  });

  it('node2 cut off during the save: saved on node1 only (exit 4), on node2 once the link is back', async () => {
    const [n1, n2] = pair().nodes as [LabVm, LabVm];
    await pair().lab.partition(n1, n2);
    try {
      await reload(n1, 'B');
      const out = await ctl(n1, 'save --peer');
      expect(out).toMatch(new RegExp(`saved as generation ${g(2)} on this stick only: node2 not reached`));
      expect(out).toMatch(/exit=4/);
      expect(await onStick(n1)).toBe(`${g(2)} B`);
      expect(await onStick(n2)).toBe(`${g(1)} A`);
      expect(await ctl(n1, 'status')).toMatch(
        /^sync {6}with node2 \(manual\): NOT SYNCED: node2 not reached.*; sent again when it answers$/m,
      );
    } finally {
      await pair().lab.heal();
    }
    const healed = Date.now();
    const from = n2.lines.length;
    // Retries pause 5 s, doubling to 30 s: the next one after the heal is at most 30 s away.
    await since(
      n2,
      new RegExp(`config sync: node1 sent generation ${g(2)} .*saved to the stick as generation ${g(2)}`),
      from,
      120_000,
    );
    console.log(`config sync: node2 had the save ${((Date.now() - healed) / 1000).toFixed(1)} s after the heal`);
    expect(await onStick(n2)).toBe(`${g(2)} B`);
    expect(await ctl(n1, 'status')).toMatch(
      new RegExp(
        `^sync {6}with node2 \\(manual\\): sent generation ${g(2)} .*: node2 saved it as generation ${g(2)}`,
        'm',
      ),
    );
  });

  it('both changed since the last sync: save --peer is a conflict on both consoles and in status, exit 5, no stick changed', async () => {
    const [n1, n2] = pair().nodes as [LabVm, LabVm];
    await reload(n1, 'C');
    expect(await ctl(n1, 'save')).toMatch(new RegExp(`^saved as generation ${g(3)}\nexit=0`, 'm'));
    await reload(n2, 'D');
    expect(await ctl(n2, 'save')).toMatch(new RegExp(`^saved as generation ${g(3)}\nexit=0`, 'm'));
    const from = n2.lines.length;
    const out = await ctl(n1, 'save --peer');
    expect(out).toMatch(
      new RegExp(
        `CONFLICT: both sticks changed since generation ${g(2)} .*: this node generation ${g(3)} .*, node2 generation ${g(3)} .*; nothing was overwritten`,
      ),
    );
    expect(out).toMatch(/exit=5/);
    await since(
      n2,
      new RegExp(`pillars: CONFIG CONFLICT with node1: node1 sent generation ${g(3)} .*nothing was overwritten`),
      from,
      30_000,
    );
    expect(await ctl(n1, 'status')).toMatch(/^sync {6}with node2 \(manual\): NOT SYNCED: CONFLICT/m);
    expect(await ctl(n2, 'status')).toMatch(/^sync {6}with node1 \(manual\): NOT SYNCED: CONFLICT/m);
    expect(await ctl(n2, 'cluster status')).toMatch(
      new RegExp(
        `^CONFIG CONFLICT: both sticks changed since generation ${g(2)}: node1 holds generation ${g(3)} .*, node2 holds generation ${g(3)} `,
        'm',
      ),
    );
    expect(await ctl(n2, 'save --peer')).toMatch(/exit=5/);
    expect([await onStick(n1), await onStick(n2)]).toEqual([`${g(3)} C`, `${g(3)} D`]);
  });

  it('read back on the host after the VMs stopped: each stick holds its own last generation, node2 the two from node1 in its history', async () => {
    const [n1, n2] = pair().nodes as [LabVm, LabVm];
    await Promise.all([n1.stop(), n2.stop()]);
    // QEMU holds a lock on each stick image until it has exited; mtools would wait for it.
    for (const n of [n1, n2]) expect(await n.waitExit(60_000), `${n.name} exited`).not.toBeUndefined();
    const stick = (image: string, ...args: string[]) => {
      const r = spawnSync(
        process.execPath,
        [join(root, 'bin', 'pillars.mjs'), 'stick', '-s', image, ...args, '--json'],
        {
          encoding: 'utf8',
        },
      );
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const [s1, s2] = pair().sticks;
    const show = (image: string) => {
      // --show-secrets: the text exactly as the stick holds it.
      const v = stick(image, 'show', '--show-secrets') as { generation: number; text: string };
      return `${v.generation} ${/# change (\w+)/.exec(v.text)?.[1]}`;
    };
    expect([show(s1!), show(s2!)]).toEqual([`${g(3)} C`, `${g(3)} D`]);
    const h = stick(s2!, 'history') as { generations: Array<{ generation: number }> };
    expect(h.generations.map((x) => x.generation)).toEqual([g0 - 1, g0, g(1), g(2), g(3)]);
    for (const s of [s1!, s2!]) expect(stick(s, 'validate')).toMatchObject({ ok: true });
  });
});
