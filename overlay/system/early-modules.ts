/**
 * The module load the early-boot script starts in the background before Node (see
 * builder/stages/early-boot.ts): one `modprobe -a` over the modaliases it reads from /sys and the
 * modules the appliance and its roles always want, which writes its exit status to
 * EARLY_MODULES_RC when it ends. Node's own start-up takes about 2 s under emulation; the kernel
 * loads the modules meanwhile, and a USB stick's settle second runs during it too.
 *
 * The supervisor's modules step still owns the result: it waits for this job to end, then loads
 * whatever of its own list is not loaded yet, and reports any module that cannot be loaded.
 */
import { readFileSync } from 'node:fs';

export const EARLY_MODULES_RC = '/run/pillars/early-modules.rc';
/** The background job's PID, written as it starts. */
export const EARLY_MODULES_PID = '/run/pillars/early-modules.pid';

export interface EarlyJob {
  /** No early job was started (an image without the script, or a second start of the supervisor). */
  started: boolean;
  /** modprobe's exit status, once it has ended; undefined when it did not end in time or died. */
  code?: number;
  waitedMs: number;
}

export interface EarlyJobIo {
  read(path: string): string | undefined;
  /** Whether the process is still running (not gone, not a zombie). */
  running(pid: number): boolean;
  now(): number;
  sleep(ms: number): Promise<void>;
}

const nodeIo: EarlyJobIo = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  running(pid) {
    const stat = this.read(`/proc/${pid}/stat`);
    // "pid (comm) S …": the state follows the last ')'.
    return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  },
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/**
 * Wait for the early module load to end (at most `timeoutMs`, polling every `pollMs`). Returns at
 * once when no job was started. The status file counts only when whole (its line ends); a job
 * that died before writing it ends the wait as well.
 */
export async function waitEarlyModules(
  opts: { timeoutMs?: number; pollMs?: number; io?: EarlyJobIo } = {},
): Promise<EarlyJob> {
  const io = opts.io ?? nodeIo;
  const t0 = io.now();
  const pidText = io.read(EARLY_MODULES_PID);
  const pid = Number(pidText?.trim());
  if (pidText === undefined) return { started: false, waitedMs: 0 };
  const end = t0 + (opts.timeoutMs ?? 60_000);
  const ended = (code: number | undefined): EarlyJob => ({
    started: true,
    ...(code === undefined ? {} : { code }),
    waitedMs: io.now() - t0,
  });
  /** modprobe's exit status once its line is whole. */
  const status = () => {
    const rc = io.read(EARLY_MODULES_RC);
    return rc !== undefined && /^\d+\n$/.test(rc) ? Number(rc) : undefined;
  };
  for (;;) {
    const code = status();
    if (code !== undefined) return ended(code);
    // It may have written its status just before it ended: one more look.
    if (!Number.isInteger(pid) || pid <= 1 || !io.running(pid) || io.now() >= end) return ended(status());
    await io.sleep(Math.max(1, Math.min(opts.pollMs ?? 20, end - io.now())));
  }
}
