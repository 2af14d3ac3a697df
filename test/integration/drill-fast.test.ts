/**
 * The fast timers in CI: the router pair with 20 ms VRRP adverts (`--timers fast`), three power
 * losses of the master, each answered through the pair by the backup under the bar; the report
 * says where the time went (detection, VIPs up, first answer). The distribution against stock
 * keepalived and the sub-100 ms intervals are the benchmark's (`npm run bench -- --only drill`).
 */
import { describe, expect, it } from 'vitest';
import { drillScenario } from '../../builder/drill/drill.js';
import { BAR_MS } from '../../builder/drill/bar.js';
import { formatReport } from '../../builder/drill/report.js';
import { expectOneMaster, expectTakeoverParts, log, useDrillLab } from './drill-lab.js';

const pair = useDrillLab({ profile: 'router', timers: 'fast' });

describe('failover drill (router pair, fast timers: 20 ms adverts)', () => {
  it(`poweroff: 3 runs, each under ${BAR_MS} ms, detected before the VIPs went up, one MASTER afterwards`, async () => {
    const report = await drillScenario(pair(), 'poweroff', 3, log);
    console.log(formatReport(report));
    expect(report.runs).toHaveLength(3);
    for (const r of report.runs) {
      expect(r.failover_ms).toBeLessThan(BAR_MS);
      expect(r.to, 'the backup answered').not.toBe(r.from);
    }
    expectTakeoverParts(report);
    await expectOneMaster(pair());
  }, 900_000);
});
