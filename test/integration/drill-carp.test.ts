/**
 * The same failover expressed as CARP: a router pair running ucarp (1 s advbase) in the lab,
 * the master's LAN link cut and the master powered off; the backup takes the VIP and serves within
 * CARP's expected time, and the pair settles into one MASTER again.
 */
import { describe, expect, it } from 'vitest';
import { drillScenario, masterAndBackup } from '../../builder/drill/drill.js';
import { guestExec } from '../../builder/vm/guest.js';
import { log, useDrillLab } from './drill-lab.js';

const pair = useDrillLab({ profile: 'router', timers: 'default', failover: 'carp' });

/**
 * CARP's timers are whole seconds: a backup takes over after dead_ratio (2) adverts of 1 s, and an
 * idle ucarp looks at the clock only once per advbase, so up to 3 s, plus the emulated guest's
 * up script, gratuitous ARP and first answer. Measured 2.4–4.5 s here; the mission's 5 s bar is
 * the VRRP drill's (drill.test.ts), and this bound says CARP stays in its own expected range.
 */
const CARP_BOUND_MS = 7000;

describe('failover drill (router pair over CARP)', () => {
  it('the master holds both VIPs and status shows the CARP state', async () => {
    const { master, backup } = masterAndBackup(pair().nodes, pair().instance)!;
    const m = await guestExec(master.vm, 'ip -4 -o addr show; pillarsctl status', 60_000);
    expect(m.output).toMatch(/lan\s+inet 192\.0\.2\.10\/24/);
    expect(m.output).toMatch(/internal\s+inet 198\.51\.100\.1\/24/);
    expect(m.output).toMatch(/carp\.lan\/51=MASTER for \d/);
    const b = await guestExec(backup.vm, 'ip -4 -o addr show', 60_000);
    expect(b.output).not.toContain('192.0.2.10/');
  });

  // One run each in CI (a poweroff run costs a reboot of the old master, about 45 s); `pillars
  // drill --failover carp --runs N` and the benchmark's CARP rows run more.
  for (const [scenario, runs] of [
    ['linkdown', 1],
    ['poweroff', 1],
  ] as const) {
    it(`${scenario}: ${runs} run(s), each under ${CARP_BOUND_MS} ms, one MASTER afterwards`, async () => {
      const report = await drillScenario(pair(), scenario, runs, log);
      console.log(JSON.stringify(report));
      expect(report.runs).toHaveLength(runs);
      for (const r of report.runs) expect(r.failover_ms).toBeLessThan(CARP_BOUND_MS);
      const end = Date.now() + 120_000;
      while (!masterAndBackup(pair().nodes, pair().instance) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 200));
      expect(masterAndBackup(pair().nodes, pair().instance)).toBeDefined();
    }, 900_000);
  }
});
