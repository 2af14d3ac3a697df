/**
 * The one place in the image that runs other programs synchronously or asynchronously for the
 * supervisor's own work (mount, modprobe, nft, ip…). Every failure names the full command, the
 * exit status and the tail of its error output.
 */
import { spawn } from 'node:child_process';

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
export async function execOk(argv: readonly string[], opts?: { input?: string; timeoutMs?: number }, run: Exec = exec): Promise<ExecResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new Error(describeFailure(argv, r));
  return r;
}

export const BUSYBOX = '/usr/bin/busybox';
export const bb = (applet: string, ...args: string[]): string[] => [BUSYBOX, applet, ...args];
