/**
 * The one place in the image that runs other programs: captured (`exec`, for the supervisor's own
 * work: mount, modprobe, nft, ip…, and pillarsctl's ipvsadm listings), on the caller's terminal
 * (`execInherit`, pillarsctl's pass-through) and detached as a supervised service
 * (`spawnDetached`, processes.ts). Every failure names the full command, the exit status and the
 * tail of its error output.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Exec = (argv: readonly string[], opts?: { input?: string; timeoutMs?: number }) => Promise<ExecResult>;

export function describeFailure(argv: readonly string[], r: ExecResult): string {
  const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' / ');
  return `${argv.join(' ')}: exit ${r.code}${tail ? `: ${tail}` : ''}`;
}

export const exec: Exec = (argv, opts = {}) =>
  new Promise((resolve) => {
    const [cmd, ...args] = argv;
    let stdout = '';
    let stderr = '';
    let settled = false;
    let child;
    try {
      // Its own process group, so a timeout ends the program and everything it started.
      child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    } catch (err) {
      resolve({ code: 127, stdout: '', stderr: err instanceof Error ? err.message : String(err) });
      return;
    }
    const finish = (r: ExecResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (linger) clearTimeout(linger);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(r);
    };
    let linger: ReturnType<typeof setTimeout> | undefined;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        }, opts.timeoutMs)
      : undefined;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (err) => finish({ code: 127, stdout, stderr: stderr + err.message }));
    // A daemon the program left behind may keep the pipes open: the exit decides, shortly after.
    child.on('exit', (code, signal) => {
      linger = setTimeout(() => finish({ code: code ?? (signal ? 128 : 1), stdout, stderr }), 2000);
    });
    child.on('close', (code, signal) => finish({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });

/** Run and throw (naming the command) unless it exits 0. */
export async function execOk(
  argv: readonly string[],
  opts?: { input?: string; timeoutMs?: number },
  run: Exec = exec,
): Promise<ExecResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new Error(describeFailure(argv, r));
  return r;
}

export const BUSYBOX = '/usr/bin/busybox';
export const bb = (applet: string, ...args: string[]): string[] => [BUSYBOX, applet, ...args];

/** Run with the caller's stdin/stdout/stderr; resolves with the exit code (127: cannot start). */
export function execInherit(
  argv: readonly string[],
  onError: (message: string) => void = () => undefined,
): Promise<number> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, { stdio: 'inherit' });
    child.on('error', (err) => {
      onError(`${cmd}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/**
 * Start a program as the leader of its own process group, its output going to open files, not
 * pipes (a daemon must outlive the supervisor). Throws when it cannot start.
 */
export function spawnDetached(
  argv: readonly string[],
  opts: { stdout: number; stderr: number; env?: Record<string, string>; cwd?: string },
): ChildProcess & { pid: number } {
  const [cmd, ...args] = argv;
  const child = spawn(cmd!, args, {
    detached: true,
    stdio: ['ignore', opts.stdout, opts.stderr],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...(opts.env ?? {}) },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  if (child.pid === undefined) {
    child.on('error', () => undefined);
    // spawn reports ENOENT asynchronously; name the cause now.
    throw new Error(`cannot start ${cmd}: no such program or not executable`);
  }
  return child as ChildProcess & { pid: number };
}
