/**
 * The parts of a takeover, read from the new master's console: when it noticed the old master was
 * gone (detection) and when it put the VIPs up, each counted from the fault. The first answer a
 * client got is the run's failover_ms; together they say where the time goes (the timers, the
 * daemon, or the path to the client). Times are when the lab read the console line, so each
 * carries the serial console's few milliseconds. Pure.
 */
import type { ConsoleLine } from '../vm/qemu.js';
import type { Failover } from './lab-config.js';

export interface TakeoverPhases {
  /** Fault → the backup's daemon decided the master is gone. */
  detect_ms?: number;
  /** Fault → the backup set the VIPs. */
  vip_up_ms?: number;
}

/** `s` as a literal inside a RegExp. Pure. */
export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * keepalived (`--log-detail`): `(VI_X) Receive advertisement timeout` of any instance of the sync
 * group, or the watched instance entering MASTER (a priority-0 advert skips the timeout line);
 * then `(VI_LAN) setting VIPs.`. ucarp: `Switching to state: MASTER`, then the up script's report
 * once the VIPs are on (`pillars: carp lan/51 MASTER`).
 */
export function phaseMarkers(failover: Failover, instance: string): { detect: RegExp; vipUp: RegExp } {
  const i = escapeRe(instance);
  return failover === 'carp'
    ? { detect: /Switching to state: MASTER/, vipUp: new RegExp(`pillars: carp ${i} MASTER\\b`) }
    : {
        detect: new RegExp(`\\(\\S+\\) Receive advertisement timeout|\\(${i}\\) Entering MASTER STATE`),
        vipUp: new RegExp(`\\(${i}\\) setting VIPs`),
      };
}

/**
 * The takeover phases on a console whose line times count from `startedAt` (epoch ms), for a
 * fault at `faultAt` (epoch ms). A marker that never shows is left out.
 */
export function takeoverPhases(
  lines: readonly ConsoleLine[],
  startedAt: number,
  faultAt: number,
  failover: Failover,
  instance: string,
): TakeoverPhases {
  const { detect, vipUp } = phaseMarkers(failover, instance);
  const since = (re: RegExp): number | undefined => {
    const l = lines.find((x) => startedAt + x.t >= faultAt && re.test(x.text));
    return l ? Math.round(startedAt + l.t - faultAt) : undefined;
  };
  const out: TakeoverPhases = {};
  const d = since(detect);
  const v = since(vipUp);
  if (d !== undefined) out.detect_ms = d;
  if (v !== undefined) out.vip_up_ms = v;
  return out;
}
