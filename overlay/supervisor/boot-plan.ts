/**
 * Early boot as data (u-root style): every step is a value with a printable description, so a
 * failure names what was being done ("mount devtmpfs on /dev: EBUSY"). The planner is pure; the
 * runner executes steps through an injected executor and never stops at an optional step.
 *
 * Node cannot call mount(2) itself, so each mount step also carries the busybox `mount` argv the
 * executor can run; an executor with another way to mount may ignore it.
 */

export interface MountSpec {
  source: string;
  target: string;
  fstype: string;
  options: string[];
}

interface StepBase {
  /** Stable id, e.g. "mount:/proc". */
  id: string;
  required: boolean;
  /** Already satisfied (e.g. mounted by a previous supervisor); the runner skips it. */
  already?: string;
  describe(): string;
}

export type BootStep =
  | (StepBase & { kind: 'mkdir'; path: string; mode: number })
  | (StepBase & { kind: 'mount'; mount: MountSpec; command: string[] })
  | (StepBase & { kind: 'symlink'; path: string; target: string })
  | (StepBase & { kind: 'hostname'; name: string })
  | (StepBase & { kind: 'modules' });

/** One line of /proc/self/mounts. */
export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  options: string[];
}

/** Parse /proc/self/mounts (octal escapes like \040 for spaces are decoded). */
export function parseMounts(text: string): MountEntry[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    out.push({ source: unescape(f[0]!), target: unescape(f[1]!), fstype: f[2]!, options: f[3]!.split(',') });
  }
  return out;
}

function mountStep(source: string, target: string, fstype: string, options: string[], required: boolean): BootStep {
  const opts = options.join(',');
  return {
    kind: 'mount',
    id: `mount:${target}`,
    required,
    mount: { source, target, fstype, options: [...options] },
    command: ['mount', '-t', fstype, ...(opts ? ['-o', opts] : []), source, target],
    describe: () => `mount ${fstype} on ${target}${opts ? ` (${opts})` : ''}`,
  };
}

function mkdirStep(path: string, mode: number, required: boolean): BootStep {
  return { kind: 'mkdir', id: `mkdir:${path}`, path, mode, required, describe: () => `create directory ${path}` };
}

function symlinkStep(path: string, target: string): BootStep {
  return {
    kind: 'symlink',
    id: `symlink:${path}`,
    path,
    target,
    required: false,
    describe: () => `link ${path} → ${target}`,
  };
}

export interface EarlyBootOptions {
  /** Current mounts (parsed /proc/self/mounts), empty on a cold boot. */
  mounted?: MountEntry[];
  /** Mount cgroup2 on /sys/fs/cgroup (optional step). Default true. */
  cgroup?: boolean;
  /** Set the hostname (optional step) — usually known only after the config is read. */
  hostname?: string;
  /** Load modules for present hardware (optional step). Default true. */
  modules?: boolean;
  /** Directory for the supervisor's state files. */
  stateDir?: string;
}

export const STATE_DIR = '/run/pillars';
/** Where the roles' rendered files go (daemon configs, scripts): what status readers pass to the daemons too. */
export const ETC_DIR = `${STATE_DIR}/etc`;

/** The ordered early-boot steps. Pure: the same options give the same plan. */
export function planEarlyBoot(opts: EarlyBootOptions = {}): BootStep[] {
  const steps: BootStep[] = [
    mountStep('proc', '/proc', 'proc', ['nosuid', 'nodev', 'noexec'], true),
    mountStep('sysfs', '/sys', 'sysfs', ['nosuid', 'nodev', 'noexec'], true),
    mountStep('devtmpfs', '/dev', 'devtmpfs', ['nosuid', 'mode=0755'], true),
    mkdirStep('/dev/pts', 0o755, false),
    mountStep('devpts', '/dev/pts', 'devpts', ['nosuid', 'noexec', 'gid=5', 'mode=0620', 'ptmxmode=0666'], false),
    mkdirStep('/dev/shm', 0o1777, false),
    mountStep('tmpfs', '/dev/shm', 'tmpfs', ['nosuid', 'nodev', 'mode=1777'], false),
    symlinkStep('/dev/fd', '/proc/self/fd'),
    symlinkStep('/dev/stdin', '/proc/self/fd/0'),
    symlinkStep('/dev/stdout', '/proc/self/fd/1'),
    symlinkStep('/dev/stderr', '/proc/self/fd/2'),
    mountStep('tmpfs', '/run', 'tmpfs', ['nosuid', 'nodev', 'mode=0755'], true),
    mkdirStep(opts.stateDir ?? STATE_DIR, 0o700, true),
    // /var/lock is /run/lock on Debian: lock files of drbdadm/drbdmeta and heartbeat's resource agents.
    mkdirStep('/run/lock', 0o755, false),
    mountStep('tmpfs', '/run/lock', 'tmpfs', ['nosuid', 'nodev', 'noexec', 'size=5120k', 'mode=1777'], false),
    mountStep('tmpfs', '/tmp', 'tmpfs', ['nosuid', 'nodev', 'mode=1777'], true),
  ];
  if (opts.cgroup ?? true) {
    steps.push(mountStep('cgroup2', '/sys/fs/cgroup', 'cgroup2', ['nosuid', 'nodev', 'noexec'], false));
  }
  if (opts.modules ?? true) {
    steps.push({
      kind: 'modules',
      id: 'modules',
      required: false,
      describe: () => 'load modules for present hardware (modalias)',
    });
  }
  if (opts.hostname) {
    const name = opts.hostname;
    steps.push({ kind: 'hostname', id: 'hostname', name, required: false, describe: () => `set hostname to ${name}` });
  }
  const mounted = opts.mounted ?? [];
  return steps.map((s) => {
    if (s.kind !== 'mount') return s;
    const m = mounted.find((e) => e.target === s.mount.target && e.fstype === s.mount.fstype);
    return m ? { ...s, already: 'already mounted' } : s;
  });
}

export interface BootExecutor {
  /**
   * Carry out one step; throw (with a message naming the cause) if it fails. May return a short
   * note for the step's line (what it found or did).
   */
  run(step: BootStep): Promise<string | void>;
}

export type StepOutcome = 'ok' | 'skipped' | 'failed' | 'warned';

export interface StepResult {
  step: BootStep;
  outcome: StepOutcome;
  error?: string;
  /** The executor's note on a successful step. */
  note?: string;
  ms: number;
}

export interface BootReport {
  /** False when any required step failed: the caller enters the safe state. */
  ok: boolean;
  results: StepResult[];
  /** Descriptions of failed required steps with their errors. */
  failures: string[];
  /** Descriptions of failed optional steps with their errors. */
  warnings: string[];
}

/** One console line per step; `withTime` adds how long a successful step took. */
export function formatStepResult(r: StepResult, withTime = false): string {
  const d = r.step.describe();
  switch (r.outcome) {
    case 'ok': {
      const line = r.note ? `✓ ${d}: ${r.note}` : `✓ ${d}`;
      return withTime ? `${line} (${r.ms} ms)` : line;
    }
    case 'skipped':
      return `- ${d} (${r.step.already ?? 'skipped'})`;
    case 'failed':
      return `✗ ${d}: ${r.error} (required)`;
    case 'warned':
      return `! ${d}: ${r.error} (optional, continuing)`;
  }
}

/**
 * Run every step in order. A failed required step makes the report not ok but the remaining
 * steps still run (the safe state needs as much of the system as can be had).
 */
export async function runBootPlan(
  steps: readonly BootStep[],
  exec: BootExecutor,
  opts: { log?: (line: string) => void; now?: () => number } = {},
): Promise<BootReport> {
  const now = opts.now ?? (() => Date.now());
  const results: StepResult[] = [];
  for (const step of steps) {
    const t0 = now();
    let r: StepResult;
    if (step.already) {
      r = { step, outcome: 'skipped', ms: 0 };
    } else {
      try {
        const note = await exec.run(step);
        r = { step, outcome: 'ok', ms: now() - t0, ...(note ? { note } : {}) };
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        r = { step, outcome: step.required ? 'failed' : 'warned', error, ms: now() - t0 };
      }
    }
    results.push(r);
    opts.log?.(formatStepResult(r));
  }
  const failures = results.filter((r) => r.outcome === 'failed').map((r) => `${r.step.describe()}: ${r.error}`);
  const warnings = results.filter((r) => r.outcome === 'warned').map((r) => `${r.step.describe()}: ${r.error}`);
  return { ok: failures.length === 0, results, failures, warnings };
}
