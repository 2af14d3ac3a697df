/**
 * What the appliance holds between requests: the running config (or why there is none), the
 * supervisor of its services, the supervisor's own log ring. One object, created by main.ts and
 * handed to the boot, configure, reload, save and control modules, which own the transitions.
 */
import type { RolePlan } from '../roles/index.js';
import type { ConfigOutcome } from '../supervisor/config-source.js';
import { createLogRing, type LogRing } from '../supervisor/ring.js';
import type { ConfigIssue } from '../supervisor/safe-state.js';
import type { ApplianceView, SyncView } from '../supervisor/status-view.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Say } from './ports.js';
import type { ConfirmView } from '../supervisor/confirm-view.js';

/** A config whose roles are applied and whose services run. */
export interface Configured {
  outcome: Extract<ConfigOutcome, { ok: true }>;
  plan: RolePlan;
  /** What the admin should read about how the config is enforced (`firewall: none configured`). */
  notes: string[];
}

/** The running services: the supervisor and the tailer feeding it their log lines. */
export interface RunningServices {
  supervisor: Supervisor;
  stopTailing(): void;
  /** Print the ready line if every service is up and it was not printed yet. */
  checkReady(): void;
}

export interface ApplianceState {
  running: Configured | undefined;
  unconfigured: { reason: string; issues: ConfigIssue[] } | undefined;
  services: RunningServices | undefined;
  /** The stick's versions and the last config sync with the peer (config-sync.ts keeps it). */
  sync: SyncView | undefined;
  /** The event FIFO is open (once per boot). */
  listening: boolean;
  /** The ready line was printed for the running config. */
  announced: boolean;
  /** Seconds from kernel start to the first ready line. */
  readySeconds: number | undefined;
  shuttingDown: boolean;
  /** A config on probation, or the last rollback (confirm.ts keeps it). */
  confirm: ConfirmView | undefined;
  readonly startedAt: number;
  readonly bootLog: LogRing;
  /** Console line, also kept in bootLog (`pillarsctl logs supervisor`). */
  readonly say: Say;
  /** Lines only with pillars.debug on the kernel command line. */
  readonly debug: Say;
}

export function createApplianceState(opts: { console: Say; debug: boolean; now?: () => number }): ApplianceState {
  const now = opts.now ?? Date.now;
  const bootLog = createLogRing(500);
  const say: Say = (line) => {
    opts.console(line);
    bootLog.push({ at: now(), stream: 'supervisor', text: line });
  };
  return {
    running: undefined,
    unconfigured: undefined,
    services: undefined,
    sync: undefined,
    listening: false,
    announced: false,
    readySeconds: undefined,
    shuttingDown: false,
    confirm: undefined,
    startedAt: now(),
    bootLog,
    say,
    debug: opts.debug ? (line) => say(`pillars: debug: ${line}`) : () => undefined,
  };
}

/** What status shows (status-view.ts renders it). */
export function applianceView(s: ApplianceState, uptime: number, now = Date.now()): ApplianceView {
  return {
    supervisor: { pid: process.pid, startedAt: s.startedAt, uptime },
    ...(s.running ? { running: s.running } : {}),
    ...(s.confirm && s.running ? { confirm: s.confirm } : {}),
    ...(s.unconfigured ? { unconfigured: s.unconfigured } : {}),
    ...(s.services ? { services: s.services.supervisor.status() } : {}),
    ...(s.sync ? { sync: s.sync } : {}),
    at: now,
  };
}
