/**
 * The full stateful failover of the firewall pair (`npm run test:lab`, not in CI): for each fault
 * (power loss of the master, keepalived crash, the master's LAN link down) 20 long-lived TCP
 * connections through masquerade and 20 through a port forward, a probe every 20 ms; every
 * connection must still carry data afterwards. Then the same pair without conntrackd, where a
 * power loss must cost connections: the sync is what saves them.
 */
import { describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import { drillScenario, startDrillLab } from '../../builder/drill/drill.js';
import { formatReport, type DrillReport, type Scenario } from '../../builder/drill/report.js';
import { createLogger } from '../../builder/log.js';
import { imagePath, requireImage } from '../integration/image.js';

const log = createLogger();
const imageDir = () => dirname(imagePath('firewall', 'initrd.img'));

async function drill(statesync: boolean, scenarios: readonly Scenario[]): Promise<DrillReport[]> {
  requireImage('firewall');
  const dl = await startDrillLab({ profile: 'firewall', timers: 'default', imageDir: imageDir(), log, statesync });
  try {
    const reports: DrillReport[] = [];
    for (const s of scenarios) {
      const r = await drillScenario(dl, s, 1, log);
      console.log(`${statesync ? 'with' : 'without'} conntrackd:\n${formatReport(r)}`);
      reports.push(r);
    }
    return reports;
  } finally {
    await dl.dispose();
  }
}

describe('firewall pair: stateful failover', () => {
  it('with conntrackd: every long-lived connection survives poweroff, crash and linkdown; new ones resume < 5 s', async () => {
    for (const r of await drill(true, ['poweroff', 'crash', 'linkdown'])) {
      const run = r.runs[0]!;
      expect(run.failover_ms, r.scenario).toBeLessThan(5000);
      expect(run.connections, r.scenario).toBeDefined();
      expect(run.connections!.resets, r.scenario).toBe(0);
      expect(run.connections!.survived, r.scenario).toBe(run.connections!.total);
    }
  }, 3_600_000);

  it('without conntrackd the same power loss costs connections (the sync is what saves them)', async () => {
    const [r] = await drill(false, ['poweroff']);
    const c = r!.runs[0]!.connections!;
    console.log(`without conntrackd: ${c.survived}/${c.total} survived, ${c.resets} reset`);
    expect(c.survived).toBeLessThan(c.total);
  }, 1_800_000);
});
