/**
 * The mission's acceptance, as a test: a router pair in the lab, every fault scenario three times,
 * every failover under 5 s, exactly one MASTER afterwards.
 */
import { describe, expect, it } from 'vitest';
import { drillScenario } from '../../builder/drill/drill.js';
import { BAR_MS } from '../../builder/drill/bar.js';
import { formatReport } from '../../builder/drill/report.js';
import { expectOneMaster, expectTakeoverParts, log, useDrillLab } from './drill-lab.js';

const pair = useDrillLab({ profile: 'router', timers: 'default' });

describe('failover drill (router pair, default timers)', () => {
  for (const scenario of ['crash', 'linkdown', 'partition', 'poweroff'] as const) {
    it(`${scenario}: 3 runs, each under ${BAR_MS} ms, one MASTER afterwards`, async () => {
      const report = await drillScenario(pair(), scenario, 3, log);
      console.log(JSON.stringify(report));
      expect(report.runs).toHaveLength(3);
      for (const r of report.runs) expect(r.failover_ms).toBeLessThan(BAR_MS);
      if (scenario === 'partition')
        for (const r of report.runs) expect(r.failover_ms, 'one master within 1 s of healing').toBeLessThan(1000);
      // A takeover's parts, read from the new master's console: the report says where the time went.
      if (scenario === 'poweroff' || scenario === 'linkdown') {
        console.log(formatReport(report));
        expectTakeoverParts(report);
      }
      // settles into exactly one MASTER and one BACKUP again
      await expectOneMaster(pair());
    }, 900_000);
  }
});
