/** Host CPU time of the lab's QEMU processes, for the benchmark's idle runs. */
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) process `pid` has used so far, from /proc/<pid>/stat (USER_HZ 100). */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime
}

/**
 * Starts measuring the processes `pids()` names (asked again at the end, in the same order): the
 * returned function gives the CPU time they used since, in % of one core over the wall time, to
 * one decimal.
 */
export function startCpuMeter(pids: () => readonly number[]): () => number {
  const cpu0 = pids().map(cpuSeconds);
  const t0 = performance.now();
  return () => {
    const secs = (performance.now() - t0) / 1000;
    const used = pids().reduce((sum, pid, i) => sum + cpuSeconds(pid) - cpu0[i]!, 0);
    return Math.round((used / secs) * 1000) / 10;
  };
}
