import { describe, expect, it } from 'vitest';
import { startHostLateness } from '../../../builder/vm/host-latency.js';

describe('host wake-up lateness', () => {
  it('sleeps 1 ms at a time in a worker and reports what it measured', async () => {
    const meter = startHostLateness(5);
    // 0.3 s of sleeping from when the worker runs (a busy host can take longer than that to start it).
    await meter.running;
    await new Promise((r) => setTimeout(r, 300));
    const r = await meter.stop();
    // About 1 ms per sleep: even a busy host wakes the worker more than a few times in 0.3 s.
    expect(r.samples).toBeGreaterThan(10);
    expect(r.samples).toBeLessThan(1000);
    expect(r.late).toBe(r.worst.length);
    expect(r.worst.every((w) => w.ms > 5)).toBe(true);
  });
});
