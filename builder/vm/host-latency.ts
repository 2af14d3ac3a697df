/**
 * How late the host wakes a sleeping thread: a worker sleeps 1 ms at a time and notes each wake-up
 * later than the threshold. Under emulation a guest only runs when its QEMU thread does, so a
 * host that wakes threads 20 ms late delays a VM's adverts by as much; the benchmark's idle runs
 * put these next to the gaps between adverts on the wire.
 */
import { Worker } from 'node:worker_threads';

export interface HostLateness {
  /** Sleeps measured. */
  samples: number;
  /** Wake-ups later than the threshold. */
  late: number;
  maxMs: number;
  /** The latest wake-ups (at most 1000 kept, longest first): ms late, and epoch ms of the wake-up. */
  worst: Array<{ ms: number; at: number }>;
}

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const flag = new Int32Array(workerData.sab);
const keep = 1000;
let samples = 0, late = 0, maxMs = 0;
const worst = [];
while (Atomics.load(flag, 0) === 0) {
  const t0 = performance.now();
  Atomics.wait(flag, 1, 0, 1);
  const ms = performance.now() - t0 - 1;
  samples++;
  if (ms > maxMs) maxMs = ms;
  if (ms > workerData.thresholdMs) {
    late++;
    if (worst.length < keep || ms > worst[worst.length - 1].ms) {
      worst.push({ ms, at: Date.now() });
      worst.sort((a, b) => b.ms - a.ms);
      if (worst.length > keep) worst.pop();
    }
  }
}
parentPort.postMessage({ samples, late, maxMs, worst });
`;

/**
 * Starts measuring; `running` resolves once the worker runs (starting a thread can take a while on
 * a busy host), `stop()` ends it and gives the result (times rounded to 0.1 ms).
 */
export function startHostLateness(thresholdMs = 5): { running: Promise<void>; stop(): Promise<HostLateness> } {
  const sab = new SharedArrayBuffer(8);
  const flag = new Int32Array(sab);
  const worker = new Worker(WORKER, { eval: true, workerData: { sab, thresholdMs } });
  const result = new Promise<HostLateness>((resolve, reject) => {
    worker.once('message', (m: HostLateness) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`host lateness meter exited (${code}) before reporting`)));
  });
  // Also settled by an exit, so a worker that never starts does not leave a waiter hanging (stop()
  // then reports the failure).
  const running = new Promise<void>((resolve) => {
    worker.once('online', () => resolve());
    worker.once('exit', () => resolve());
  });
  return {
    running,
    async stop() {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 1);
      const r = await result.finally(() => void worker.terminate());
      const round = (x: number) => Math.round(x * 10) / 10;
      return { ...r, maxMs: round(r.maxMs), worst: r.worst.map((w) => ({ ms: round(w.ms), at: w.at })) };
    },
  };
}
