/**
 * The failover drill's numbers: per-run results, percentiles, the JSON a script reads and the
 * table a person reads. Pure.
 */
import { BAR_MS } from './bar.js';

export type Scenario = 'poweroff' | 'crash' | 'linkdown' | 'partition';
export const SCENARIOS: readonly Scenario[] = ['poweroff', 'crash', 'linkdown', 'partition'];

export interface DrillRun {
  failover_ms: number;
  lost_probes: number;
  /** Which node was master before the fault and which answered after it. */
  from?: string;
  to?: string;
  /** Firewall pair: long-lived TCP connections through the pair that still carried data after the fault. */
  connections?: ConnectionCount;
  /** Fault → the new master's daemon noticed (its console; poweroff and linkdown). */
  detect_ms?: number;
  /** Fault → the new master set the VIPs (its console; poweroff and linkdown). */
  vip_up_ms?: number;
}

export interface ConnectionCount {
  survived: number;
  total: number;
  /** Connections that ended with a reset (ECONNRESET) instead of going quiet. */
  resets: number;
}

export interface DrillReport {
  scenario: Scenario;
  profile: string;
  runs: DrillRun[];
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  /** Medians of the takeover's parts, over the runs whose console showed them. */
  detect_p50_ms?: number;
  vip_up_p50_ms?: number;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1]!;
}

export function summarize(scenario: Scenario, profile: string, runs: readonly DrillRun[]): DrillReport {
  const ms = runs.map((r) => r.failover_ms);
  const round = (x: number) => Math.round(x);
  const median = (xs: (number | undefined)[]) => {
    const have = xs.filter((x): x is number => x !== undefined);
    return have.length > 0 ? round(percentile(have, 50)) : undefined;
  };
  const detect = median(runs.map((r) => r.detect_ms));
  const vipUp = median(runs.map((r) => r.vip_up_ms));
  return {
    scenario,
    profile,
    runs: [...runs],
    p50_ms: round(percentile(ms, 50)),
    p95_ms: round(percentile(ms, 95)),
    max_ms: round(Math.max(...ms)),
    ...(detect !== undefined ? { detect_p50_ms: detect } : {}),
    ...(vipUp !== undefined ? { vip_up_p50_ms: vipUp } : {}),
  };
}

export function formatReport(r: DrillReport): string {
  const lines = [
    `failover drill: profile ${r.profile}, scenario ${r.scenario}, ${r.runs.length} run(s)`,
    '',
    ' run  failover   lost probes  from → to',
  ];
  r.runs.forEach((x, i) =>
    lines.push(
      `${String(i + 1).padStart(4)}  ${`${Math.round(x.failover_ms)} ms`.padStart(8)}  ${String(x.lost_probes).padStart(12)}  ${x.from ?? '?'} → ${x.to ?? '?'}` +
        (x.connections
          ? `  connections survived ${x.connections.survived}/${x.connections.total} (${x.connections.resets} reset)`
          : ''),
    ),
  );
  lines.push(
    '',
    `p50 ${r.p50_ms} ms · p95 ${r.p95_ms} ms · max ${r.max_ms} ms (the bar: every failover < ${BAR_MS} ms)`,
  );
  const parts = r.runs.filter((x) => x.detect_ms !== undefined || x.vip_up_ms !== undefined);
  if (parts.length > 0) {
    const ms = (x: number | undefined) => (x === undefined ? '?' : `${x} ms`).padStart(9);
    lines.push(
      '',
      "where the time went (from the fault; the new master's console):",
      ' run   detected   VIPs up  answered',
    );
    r.runs.forEach((x, i) => {
      if (x.detect_ms !== undefined || x.vip_up_ms !== undefined)
        lines.push(
          `${String(i + 1).padStart(4)}  ${ms(x.detect_ms)} ${ms(x.vip_up_ms)} ${ms(Math.round(x.failover_ms))}`,
        );
    });
    lines.push(
      `p50 detected ${r.detect_p50_ms ?? '?'} ms · VIPs up ${r.vip_up_p50_ms ?? '?'} ms · answered ${r.p50_ms} ms`,
    );
  }
  return lines.join('\n');
}

/** Ours against a baseline measured in the same run: each distribution and ours ÷ baseline. */
export interface BaselineComparison {
  baseline: DrillReport & { settings: string };
  ours: DrillReport & { settings: string };
  /** ours ÷ baseline of p50, p95 and max (0.1: ours takes a tenth of the time). */
  ratio: { p50: number; p95: number; max: number };
}

/** Put a baseline and ours side by side. Pure. */
export function compareToBaseline(
  baseline: DrillReport,
  baselineSettings: string,
  ours: DrillReport,
  oursSettings: string,
): BaselineComparison {
  const r = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : NaN);
  return {
    baseline: { ...baseline, settings: baselineSettings },
    ours: { ...ours, settings: oursSettings },
    ratio: {
      p50: r(ours.p50_ms, baseline.p50_ms),
      p95: r(ours.p95_ms, baseline.p95_ms),
      max: r(ours.max_ms, baseline.max_ms),
    },
  };
}

/** `0.12 (8.3× faster)`: a ratio of ours to a baseline as a person reads it. Pure. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '?';
  if (ratio === 0) return '0';
  const times = ratio < 1 ? `${round1(1 / ratio)}× faster` : ratio > 1 ? `${round1(ratio)}× slower` : 'the same';
  return `${ratio} (${times})`;
}

function round1(x: number): string {
  return x >= 10 ? String(Math.round(x)) : x.toFixed(1);
}

export function formatComparison(c: BaselineComparison): string {
  const row = (label: string, r: DrillReport) =>
    `${label.padEnd(10)} ${`${r.p50_ms} ms`.padStart(9)} ${`${r.p95_ms} ms`.padStart(9)} ${`${r.max_ms} ms`.padStart(9)}  n=${r.runs.length}  ${r.runs.map((x) => Math.round(x.failover_ms)).join(', ')}`;
  return [
    formatReport(c.baseline),
    '',
    formatReport(c.ours),
    '',
    `baseline and ours, the same lab and run (scenario ${c.ours.scenario}):`,
    `  baseline: ${c.baseline.settings}`,
    `  ours:     ${c.ours.settings}`,
    '',
    '                 p50       p95       max',
    row('baseline', c.baseline),
    row('ours', c.ours),
    `ours ÷ baseline: p50 ${formatRatio(c.ratio.p50)}, p95 ${formatRatio(c.ratio.p95)}, max ${formatRatio(c.ratio.max)}`,
  ].join('\n');
}
