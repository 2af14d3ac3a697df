/** /proc/PID/stat: which process a pid is now, so a reused pid is never taken for a service. Pure. */

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z, T… */
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks since boot when the process started: with the pid, identifies the process. */
  startTime: string;
}

/** Parse /proc/PID/stat. The command name may contain spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); starttime is field 22.
  if (!Number.isSafeInteger(pid) || rest.length < 20) return undefined;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    startTime: rest[19]!,
  };
}

/**
 * Is the process described by /proc/PID/stat text the one recorded with `token` (its start
 * time), and still alive (not a zombie)? `statText` undefined means /proc/PID does not exist.
 */
export function isSameLiveProcess(statText: string | undefined, token: string | undefined): boolean {
  if (statText === undefined) return false;
  const st = parseProcStat(statText);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return token === undefined || st.startTime === token;
}
