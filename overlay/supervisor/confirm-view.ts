/**
 * Commit-confirm as `pillarsctl status` shows it: a config on probation with its deadline, or the
 * last rollback. Pure; the appliance (appliance/confirm.ts) fills it in.
 */
import { formatDuration } from './status-format.js';

export interface ConfirmView {
  /** pending: waiting for `pillarsctl confirm`; rolled-back: the last confirmed config runs again. */
  state: 'pending' | 'rolled-back' | 'rollback-failed';
  /** The config on probation: `generation 7` or the file it came from. */
  config: string;
  sha256: string;
  /** The last confirmed config, which a rollback applies again. */
  rollbackTo: string;
  rollbackSha256: string;
  /** The window `--confirm` gave (or the stick's mark), in seconds. */
  windowSeconds: number;
  /** When the probation began (ms since the epoch). */
  since: number;
  /** pending: when the rollback runs (ms since the epoch). */
  deadline?: number;
  /** rolled-back: when, and why (`not confirmed within 5 min`, `not confirmed before the reboot`). */
  at?: number;
  why?: string;
  /** What the stick holds about it, e.g. what a reboot would boot. */
  stick?: string;
}

/** `5 min`, or `20 s` for the test-only seconds form. */
export function formatWindow(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

const clock = (at: number) => `${new Date(at).toISOString().slice(11, 19)} UTC`;

/** The status text's `confirm` lines. Pure. */
export function confirmLines(c: ConfirmView, now: number): string[] {
  const pad = ' '.repeat(10);
  if (c.state === 'pending') {
    const d = c.deadline ?? now;
    return [
      `confirm   PENDING: ${c.config} runs on probation; rollback to ${c.rollbackTo} at ${clock(d)} (in ${formatDuration(d - now)}) unless \`pillarsctl confirm\``,
      ...(c.stick ? [`${pad}stick: ${c.stick}`] : []),
    ];
  }
  const at = c.at !== undefined ? ` at ${clock(c.at)}` : '';
  const what =
    c.state === 'rolled-back'
      ? `rolled back to ${c.rollbackTo}${at}`
      : `ROLLBACK to ${c.rollbackTo} FAILED${at}; ${c.config} still runs`;
  return [
    `confirm   ${c.config} ${c.why ?? 'not confirmed'}: ${what}`,
    ...(c.stick ? [`${pad}stick: ${c.stick}`] : []),
  ];
}
