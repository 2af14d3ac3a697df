/**
 * The heartbeat pair, booted once (TCG): the active node holds the VIP, DRBD is primary there,
 * the replicated filesystem is mounted and the record service answers from it; `pillarsctl
 * status` on both nodes agrees. Then one poweroff drill: a client writes a numbered record every
 * 50 ms through the service, the active node loses power, the other node takes over and every
 * acknowledged record is readable there afterwards (zero lost), and the failover (power cut → first
 * acknowledged write on the other node) is under the bar (5 s). CI's short drill of
 * the heartbeat, drbd and fencing roles: one shared boot of the pair for the whole file; the
 * longer scenarios (crash, LAN link down, partition with fencing, return of the failed node) are
 * in test/lab/heartbeat-drill.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import { startHeartbeatLab, type HeartbeatLab } from '../../builder/drill/heartbeat-lab.js';
import { LAB_ADDRESSES } from '../../builder/drill/lab-config.js';
import { RECORDS_PORT } from '../../builder/drill/heartbeat-config.js';
import { guestExec } from '../../builder/vm/guest.js';
import type { LabVm } from '../../builder/vm/lab.js';
import { createLogger } from '../../builder/log.js';
import { activeNode, startRecordWriter, storedRecords } from '../../builder/drill/heartbeat-drill.js';
import { BAR_MS } from '../../builder/drill/bar.js';
import { imagePath, requireImage } from './image.js';
import { until } from '../helpers/wait.js';

const VIP = LAB_ADDRESSES.lanVip;
const BASE = `http://${VIP}:${RECORDS_PORT}`;
/** How long the test waits for the other node's first acknowledged write (the bar is asserted after). */
const TAKEOVER_WAIT_MS = 180_000;

describe('heartbeat pair', () => {
  let hl: HeartbeatLab | undefined;
  const pair = () => {
    if (!hl) throw new Error('the heartbeat pair did not boot (see beforeAll)');
    return hl;
  };
  const active = (): LabVm => {
    const a = activeNode(pair().nodes);
    if (!a) throw new Error('no node holds the records group');
    return a;
  };
  const other = (n: LabVm) => pair().nodes.find((x) => x !== n)!;
  const sh = async (n: LabVm, command: string) => (await guestExec(n.vm, command, 60_000)).output;

  beforeAll(async () => {
    requireImage('heartbeat');
    hl = await startHeartbeatLab({
      imageDir: dirname(imagePath('heartbeat', 'initrd.img')),
      timers: 'fast',
      log: (m) => createLogger().info(`lab: ${m}`),
    });
  }, 900_000);
  afterAll(async () => {
    const lab = hl?.lab;
    await hl?.dispose();
    if (lab) expect(await lab.listLeftovers()).toEqual([]);
  }, 120_000);

  it('the active node holds the VIP, DRBD primary, the filesystem, and the service answers from it', async () => {
    const a = active();
    expect(await sh(a, `ip -4 -o addr show dev lan`)).toContain(`${VIP}/24`);
    expect(await sh(a, 'cat /proc/drbd')).toMatch(/cs:Connected ro:Primary\/Secondary ds:UpToDate\/UpToDate/);
    expect(await sh(a, 'grep " /srv/data " /proc/mounts')).toMatch(/^\/dev\/drbd0 \/srv\/data ext4/);
    const r = await pair().client.run(process.execPath, [
      '-e',
      `fetch('${BASE}/').then(r => r.text()).then(t => process.stdout.write(t))`,
    ]);
    expect(r.stdout.trim()).toBe(a.name);
    const b = other(a);
    expect(await sh(b, `ip -4 -o addr show dev lan`)).not.toContain(`${VIP}/`);
    expect(await sh(b, 'cat /proc/drbd')).toMatch(/ro:Secondary\/Primary/);
  });

  it('pillarsctl status on both nodes agrees on who holds the group, the links and DRBD', async () => {
    const a = active();
    const b = other(a);
    const sa = await sh(a, 'pillarsctl status');
    const sb = await sh(b, 'pillarsctl status');
    expect(sa).toMatch(new RegExp(`group records: held by ${a.name} since`));
    expect(sb).not.toMatch(/group records: held by/);
    for (const s of [sa, sb]) {
      expect(s).toMatch(new RegExp(`node ${a.name}: active`));
      expect(s).toMatch(new RegExp(`node ${b.name}: active`));
      expect(s).toMatch(/link \/dev\/ttyS1: up/);
      expect(s).toMatch(/link lan: up/);
    }
    expect(sa).toMatch(/drbd0: Connected Primary\/Secondary UpToDate\/UpToDate/);
    expect(sb).toMatch(/drbd0: Connected Secondary\/Primary UpToDate\/UpToDate/);
  });

  it('poweroff of the active node: the other node takes over and every acknowledged record survives', async () => {
    const a = active();
    const b = other(a);
    const writer = startRecordWriter(pair().client, 1200);
    // Writes flow through the active node first.
    const deadline = Date.now() + 30_000;
    while (writer.acks().length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(writer.acks().length).toBeGreaterThanOrEqual(20);
    const cut = Date.now();
    a.kill(); // SIGKILL of QEMU: the power cord
    // Bounded far above the bar, so a slow takeover is measured and shown rather than cut off.
    const takeoverEnd = Date.now() + TAKEOVER_WAIT_MS;
    while (!writer.acks().some((x) => x.node === b.name) && Date.now() < takeoverEnd)
      await new Promise((r) => setTimeout(r, 50));
    const first = writer.acks().find((x) => x.node === b.name);
    if (!first) {
      await writer.stop();
      const logs = await sh(b, 'pillarsctl logs heartbeat -n 60; cat /proc/drbd');
      expect.fail(`no write acknowledged by ${b.name} within ${TAKEOVER_WAIT_MS} ms of the power cut:\n${logs}`);
    }
    const failoverMs = first.acked - cut;
    // A few more writes on the new node, then stop the writer and read everything back.
    await new Promise((r) => setTimeout(r, 1000));
    const acked = (await writer.stop()).map((x) => x.n);
    const stored = await storedRecords(pair().client);
    const lost = acked.filter((n) => !stored.has(n));
    expect(lost, `acknowledged records lost: ${lost.join(', ')}`).toEqual([]);
    // The new primary listens for the fenced node, so it resyncs when it comes back (drbddisk
    // reconnects in the background after the promotion, behind the takeover: bounded wait).
    const listening = /cs:WFConnection ro:Primary\/Unknown ds:UpToDate\/(Outdated|DUnknown)/;
    let drbd = '';
    await until(
      'the new primary listening for its peer',
      45_000,
      async () => listening.test((drbd = await sh(b, 'cat /proc/drbd'))),
      500,
    ).catch(() => undefined);
    expect(drbd).toMatch(listening);
    // The mission's bar, as for the router pair: the benchmark measured p50 1.9 s, max 2.3 s
    // under TCG at the fast timers on a quiet host (README, "The heartbeat pair").
    createLogger().info(`heartbeat poweroff failover: ${failoverMs} ms (bar ${BAR_MS} ms)`);
    expect(failoverMs).toBeLessThan(BAR_MS);
  });
});
