/**
 * The one place that spawns host tools. A failure names the full command, its exit code and the
 * tail of its stderr, so the user sees what went wrong without a stack trace.
 */
import { $, type ProcessOutput } from 'zx';
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { UserError } from './errors.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Stream the tool's stderr to ours (long builds); it is still kept for the error tail. */
  inheritStderr?: boolean;
  /** Called for every stderr line (progress parsing). */
  onStderrLine?: (line: string) => void;
  hint?: string;
  allowFailure?: boolean;
  timeoutMs?: number;
  /** Give the tool our terminal (an interactive $EDITOR); stdout/stderr are then not captured. */
  interactive?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Runner = (cmd: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

export function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map(quoteArg).join(' ');
}

export function tail(text: string, lines = 15): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

export class CommandError extends UserError {
  constructor(
    readonly command: string,
    readonly code: number,
    readonly stderr: string,
    hint?: string,
  ) {
    super(
      `command failed (exit ${code}): ${command}` +
        (stderr.trim() ? `\n--- last lines of its stderr ---\n${tail(stderr)}` : ''),
      { hint },
    );
    this.name = 'CommandError';
  }
}

export const run: Runner = async (cmd, args, opts = {}) => {
  const shell = $({
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    nothrow: true,
    quiet: true,
    timeout: opts.timeoutMs,
    timeoutSignal: 'SIGKILL',
    ...(opts.interactive ? { stdio: 'inherit' as const } : {}),
  });
  const child = shell`${cmd} ${args}`;
  let partial = '';
  if (opts.inheritStderr || opts.onStderrLine) {
    child.stderr.on('data', (d: Buffer) => {
      if (opts.inheritStderr) process.stderr.write(d);
      if (opts.onStderrLine) {
        partial += d.toString();
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) opts.onStderrLine(l);
      }
    });
  }
  let out: ProcessOutput;
  try {
    out = await child;
  } catch (e) {
    throw new UserError(`cannot run ${cmd}: ${(e as Error).message}`, { hint: opts.hint, cause: e });
  }
  const code = out.exitCode ?? (out.signal ? 128 : 1);
  if (code === 127 && /not found|ENOENT/.test(out.stderr)) {
    throw new UserError(`cannot run ${cmd}: not installed`, {
      hint:
        opts.hint ??
        `install the Debian package that provides ${cmd} (or run as root: pillars installs host tools itself)`,
    });
  }
  const result = { code, stdout: out.stdout, stderr: out.stderr };
  if (code !== 0 && !opts.allowFailure) throw new CommandError(formatCommand(cmd, args), code, out.stderr, opts.hint);
  return result;
};

export interface Daemon {
  readonly pid: number;
  readonly child: import('node:child_process').ChildProcess;
  /** Resolves with the exit code (or 128+signal) when the process ends. */
  readonly exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Start a long-running process (a VM, a test server) in its own process group, so that it and
 * everything it started can be stopped together by PID.
 */
export function spawnDaemon(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Daemon {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
    child.on('error', () => resolve(127));
  });
  return {
    get pid() {
      return child.pid ?? -1;
    },
    child,
    exited,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        try {
          child.kill(signal);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
