import { describe, expect, it } from 'vitest';
import { cpuSeconds, startCpuMeter } from '../../../builder/vm/cpu.js';

describe('host CPU of lab processes', () => {
  it("reads a process's user + system seconds from /proc and meters them as % of one core", () => {
    const before = cpuSeconds(process.pid);
    expect(before).toBeGreaterThanOrEqual(0);
    const percent = startCpuMeter(() => [process.pid]);
    // Busy for a while (bounded in count): this process's CPU time grows by at least one tick.
    let x = 0;
    for (let i = 0; i < 50_000_000 && cpuSeconds(process.pid) < before + 0.02; i++) x += i % 7;
    expect(x).toBeGreaterThanOrEqual(0);
    expect(cpuSeconds(process.pid)).toBeGreaterThan(before);
    expect(percent()).toBeGreaterThan(0);
  });

  it('a process that is gone is an error, not a zero', () => {
    expect(() => cpuSeconds(2 ** 22 + 1)).toThrow();
  });
});
