import { describe, expect, it } from 'vitest';
import { drillRow, formatTable } from '../../../bench/run.js';
import { summarize } from '../../../builder/drill/report.js';

const report = (ms: number[]) =>
  summarize(
    'poweroff',
    'router',
    ms.map((failover_ms) => ({ failover_ms, lost_probes: 0 })),
  );

describe('benchmark drill rows', () => {
  it('keep every run in the JSON, and ours ÷ the stock baseline of the same run', () => {
    const stock = drillRow('stock keepalived', report([3512.4, 3390, 3700]));
    expect(stock).toMatchObject({ value: 3512, samples: [3512, 3390, 3700] });
    expect(stock.baseline).toBeUndefined();
    const ours = drillRow('ours, fast', report([160, 121, 240]), 'p50 ≤ 80 ms', stock);
    expect(ours.baseline).toEqual({ metric: 'stock keepalived', ratio: { p50: 0.046, p95: 0.065, max: 0.065 } });
    expect(ours.detail).toBe(
      'p95 240 ms, max 240 ms, n=3; ours ÷ stock: p50 0.046 (22× faster), max 0.065 (15× faster)',
    );
    expect(formatTable([stock, ours])).toMatch(/\| ours, fast +\| 160 ms p50 +\| p50 ≤ 80 ms +\| p95 240 ms/);
  });
});
