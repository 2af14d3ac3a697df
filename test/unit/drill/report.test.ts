import { describe, expect, it } from 'vitest';
import {
  compareToBaseline,
  formatComparison,
  formatRatio,
  formatReport,
  percentile,
  summarize,
} from '../../../builder/drill/report.js';

describe('drill report', () => {
  it('nearest-rank percentiles', () => {
    const xs = [300, 100, 200, 400, 1000];
    expect(percentile(xs, 50)).toBe(300);
    expect(percentile(xs, 95)).toBe(1000);
    expect(percentile([42], 95)).toBe(42);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(
      percentile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(19);
  });

  it('summarizes into the JSON shape scripts read', () => {
    const r = summarize('poweroff', 'router', [
      { failover_ms: 340.4, lost_probes: 16, from: 'lb1', to: 'lb2' },
      { failover_ms: 290.6, lost_probes: 14 },
      { failover_ms: 390, lost_probes: 19 },
    ]);
    expect(r).toMatchObject({ scenario: 'poweroff', profile: 'router', p50_ms: 340, p95_ms: 390, max_ms: 390 });
    expect(r.runs).toHaveLength(3);
    expect(JSON.parse(JSON.stringify(r)).runs[0]).toEqual({
      failover_ms: 340.4,
      lost_probes: 16,
      from: 'lb1',
      to: 'lb2',
    });
  });

  it('prints a readable table', () => {
    const t = formatReport(
      summarize('crash', 'director', [{ failover_ms: 1200, lost_probes: 60, from: 'lb1', to: 'lb2' }]),
    );
    expect(t).toContain('scenario crash');
    expect(t).toMatch(/1\s+1200 ms\s+60\s+lb1 → lb2/);
    expect(t).toContain('p50 1200 ms · p95 1200 ms · max 1200 ms');
  });

  it('carries the parts of each takeover and their medians, and shows them under the table', () => {
    const r = summarize('poweroff', 'router', [
      { failover_ms: 402, lost_probes: 19, from: 'node1', to: 'node2', detect_ms: 352, vip_up_ms: 358 },
      { failover_ms: 421, lost_probes: 20, from: 'node2', to: 'node1', detect_ms: 371, vip_up_ms: 380 },
      { failover_ms: 411, lost_probes: 20, from: 'node1', to: 'node2' },
    ]);
    expect(r).toMatchObject({ p50_ms: 411, detect_p50_ms: 352, vip_up_p50_ms: 358 });
    const t = formatReport(r);
    expect(t).toMatch(/detected\s+VIPs up\s+answered/);
    expect(t).toMatch(/1\s+352 ms\s+358 ms\s+402 ms/);
    expect(t).not.toMatch(/\n\s+3\s+\S+ ms\s+\S+ ms\s+411 ms/);
    expect(t).toContain('p50 detected 352 ms · VIPs up 358 ms · answered 411 ms');
  });

  it('reports no parts when no run has them', () => {
    const r = summarize('crash', 'router', [{ failover_ms: 450, lost_probes: 21 }]);
    expect(r).not.toHaveProperty('detect_p50_ms');
    expect(formatReport(r)).not.toContain('where the time went');
  });

  it('compares ours to a baseline of the same run: both distributions and ours ÷ baseline', () => {
    const base = summarize(
      'poweroff',
      'router',
      [3600, 3410, 3820].map((failover_ms) => ({ failover_ms, lost_probes: 170 })),
    );
    const ours = summarize(
      'poweroff',
      'router',
      [121, 160, 98].map((failover_ms) => ({ failover_ms, lost_probes: 6 })),
    );
    const c = compareToBaseline(base, 'stock keepalived (VRRPv2, 1 s adverts)', ours, 'pillars VRRPv3, 20 ms adverts');
    expect(c.ratio).toEqual({ p50: 0.034, p95: 0.042, max: 0.042 });
    expect(JSON.parse(JSON.stringify(c))).toMatchObject({
      baseline: { settings: 'stock keepalived (VRRPv2, 1 s adverts)', p50_ms: 3600 },
      ours: { settings: 'pillars VRRPv3, 20 ms adverts', p50_ms: 121 },
    });
    const text = formatComparison(c);
    expect(text).toMatch(/^baseline +3600 ms +3820 ms +3820 ms {2}n=3 {2}3600, 3410, 3820$/m);
    expect(text).toMatch(/^ours +121 ms +160 ms +160 ms {2}n=3/m);
    expect(text).toContain('ours ÷ baseline: p50 0.034 (29× faster), p95 0.042 (24× faster), max 0.042 (24× faster)');
  });

  it('writes a ratio the way a person reads it', () => {
    expect(formatRatio(0.5)).toBe('0.5 (2.0× faster)');
    expect(formatRatio(2.5)).toBe('2.5 (2.5× slower)');
    expect(formatRatio(1)).toBe('1 (the same)');
    expect(formatRatio(NaN)).toBe('?');
  });
});
