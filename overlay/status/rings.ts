/**
 * The last hour of every graphed metric, in RAM: one fixed-size ring of samples per metric (a
 * sample every `stepMs`, 360 of them for an hour at 10 s). Counters (packets, bytes, connections)
 * are stored as they are read; `rates` turns them into per-second rates for the graphs, and a
 * counter that went down (reset: keepalived restarted, a real server re-added) starts over
 * instead of giving a negative rate.
 */

export interface Sample {
  at: number;
  value: number;
}

export interface MetricRings {
  readonly capacity: number;
  push(metric: string, at: number, value: number): void;
  /** Oldest first. */
  samples(metric: string): Sample[];
  metrics(): string[];
  /** Forget metrics not pushed since `before` (a real server that left the config). */
  prune(before: number): void;
}

export const RING_STEP_MS = 10_000;
export const RING_CAPACITY = 360;
/** More metrics than this are not kept (hostile or runaway pools must not eat the RAM). */
export const MAX_METRICS = 2000;

export function createMetricRings(capacity = RING_CAPACITY, maxMetrics = MAX_METRICS): MetricRings {
  if (!Number.isInteger(capacity) || capacity < 2)
    throw new RangeError(`ring capacity must be an integer ≥ 2, got ${capacity}`);
  const rings = new Map<string, { slots: Sample[]; next: number; last: number }>();
  return {
    capacity,
    push(metric, at, value) {
      let r = rings.get(metric);
      if (!r) {
        if (rings.size >= maxMetrics) return;
        r = { slots: [], next: 0, last: at };
        rings.set(metric, r);
      }
      if (r.slots.length < capacity) r.slots.push({ at, value });
      else r.slots[r.next] = { at, value };
      r.next = (r.next + 1) % capacity;
      r.last = at;
    },
    samples(metric) {
      const r = rings.get(metric);
      if (!r) return [];
      return r.slots.length < capacity ? [...r.slots] : [...r.slots.slice(r.next), ...r.slots.slice(0, r.next)];
    },
    metrics: () => [...rings.keys()].sort(),
    prune(before) {
      for (const [k, r] of rings) if (r.last < before) rings.delete(k);
    },
  };
}

/** Per-second rates between consecutive counter samples; a reset (value went down) counts from 0. Pure. */
export function rates(samples: readonly Sample[]): Sample[] {
  const out: Sample[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = (b.at - a.at) / 1000;
    if (dt <= 0) continue;
    const delta = b.value >= a.value ? b.value - a.value : b.value;
    out.push({ at: b.at, value: delta / dt });
  }
  return out;
}
