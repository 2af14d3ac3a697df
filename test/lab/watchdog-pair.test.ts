/**
 * The supervisor's watchdog in a router pair (both nodes with QEMU's i6300ESB and admin.watchdog,
 * 15 s timeout; one boot of the pair): the master's supervisor stopped with SIGSTOP leaves its
 * keepalived holding the VIPs, feeds nothing, and the device resets the node within the timeout;
 * the backup takes over as after a power loss; the reset node boots again, says it was reset by
 * the watchdog, and the pair settles into one MASTER and one BACKUP.
 */
import { describe, expect, it } from 'vitest';
import { masterAndBackup, settledPair } from '../../builder/drill/drill.js';
import { guestExec } from '../../builder/vm/guest.js';
import { useDrillLab } from '../integration/drill-lab.js';

const TIMEOUT_S = 15;
const pair = useDrillLab({ profile: 'router', timers: 'default', watchdogS: TIMEOUT_S });

async function until<T>(what: string, timeoutMs: number, f: () => T | undefined | false): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

describe('watchdog in a router pair (i6300ESB, TCG)', () => {
  it("SIGSTOP of the master's supervisor: the node resets, the backup takes over, the pair settles again", async () => {
    const { nodes, instance } = pair();
    const p = masterAndBackup(nodes, instance)!;
    const st = await guestExec(p.master.vm, 'pillarsctl status --json');
    const pid = (JSON.parse(st.output) as { supervisor: { pid: number } }).supervisor.pid;
    const fromMaster = p.master.lines.length;
    const fromBackup = p.backup.lines.length;
    await guestExec(
      p.master.vm,
      `(sleep 1; kill -STOP ${pid}; echo pillars-test: supervisor stopped >/dev/ttyS0) </dev/null >/dev/null 2>&1 &`,
    );
    const stopped = await p.master.waitFor(/pillars-test: supervisor stopped/, 30_000, fromMaster);
    const master = new RegExp(`pillars: (?:vrrp|carp) ${instance} MASTER`);
    const took = await p.backup.waitFor(master, (TIMEOUT_S + 60) * 1000, fromBackup);
    const at = (vm: typeof p.master, t: number) => vm.vm.startedAt + t;
    const takeoverS = (at(p.backup, took.t) - at(p.master, stopped.t)) / 1000;
    console.log(`watchdog pair: SIGSTOP of the master's supervisor → backup MASTER after ${takeoverS.toFixed(1)}s`);
    // keepalived runs on while its supervisor is stopped: the takeover waits for the reset.
    expect(takeoverS).toBeGreaterThan(TIMEOUT_S - 3);
    expect(takeoverS).toBeLessThan(TIMEOUT_S + 10);
    await p.master.waitFor(
      /pillars: WARNING: watchdog: this boot follows a reset by \/dev\/watchdog/,
      300_000,
      fromMaster,
    );
    const settled = await until('one MASTER and one BACKUP again', 300_000, () => settledPair(nodes, instance));
    console.log(`watchdog pair: settled, ${settled.master.name} MASTER, ${settled.backup.name} BACKUP`);
  }, 900_000);
});
