import { describe, expect, it } from 'vitest';
import {
  EARLY_MODULES_PID,
  EARLY_MODULES_RC,
  waitEarlyModules,
  type EarlyJobIo,
} from '../../../overlay/system/early-modules.js';

/** Files and one process on a fake clock: `endsAt` is when the job writes its status and exits. */
function fakeJob(opts: { pid?: string; endsAt?: number; rc?: string; diesAt?: number }) {
  let t = 0;
  const io: EarlyJobIo = {
    read(path) {
      if (path === EARLY_MODULES_PID) return opts.pid;
      if (path === EARLY_MODULES_RC)
        return opts.endsAt !== undefined && t >= opts.endsAt ? (opts.rc ?? '0\n') : undefined;
      return undefined;
    },
    running: () => (opts.endsAt === undefined || t < opts.endsAt) && (opts.diesAt === undefined || t < opts.diesAt),
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
  return io;
}

describe('waiting for the module load the early-boot script started', () => {
  it('returns at once when no job was started (an image without the script)', async () => {
    expect(await waitEarlyModules({ io: fakeJob({}) })).toEqual({ started: false, waitedMs: 0 });
  });

  it('waits until the job has written its exit status', async () => {
    const r = await waitEarlyModules({ io: fakeJob({ pid: '210\n', endsAt: 1_500, rc: '1\n' }) });
    expect(r).toEqual({ started: true, code: 1, waitedMs: 1_500 });
  });

  it('does not wait for a job that has already ended (the supervisor restarted)', async () => {
    const io = fakeJob({ pid: '210\n', endsAt: 0 });
    expect(await waitEarlyModules({ io })).toEqual({ started: true, code: 0, waitedMs: 0 });
  });

  it('stops waiting when the job died without a status, or at the time limit', async () => {
    expect(await waitEarlyModules({ io: fakeJob({ pid: '210\n', diesAt: 300 }) })).toEqual({
      started: true,
      waitedMs: 300,
    });
    expect(await waitEarlyModules({ timeoutMs: 5_000, io: fakeJob({ pid: '210\n' }) })).toEqual({
      started: true,
      waitedMs: 5_000,
    });
  });

  it('reads a half-written status as not yet written, and a PID it cannot use as no job to wait for', async () => {
    const half = fakeJob({ pid: '210\n', endsAt: 0, rc: '' });
    expect((await waitEarlyModules({ timeoutMs: 100, io: half })).code).toBeUndefined();
    expect(await waitEarlyModules({ io: fakeJob({ pid: 'garbage' }) })).toEqual({ started: true, waitedMs: 0 });
  });
});
