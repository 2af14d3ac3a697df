/**
 * When a lab pair counts as settled: no failover transition for longer than a restored node may
 * still take to claim MASTER back. A node that boots again hears the current master's adverts and,
 * with preemption, takes over only when its own master-down timer runs out; with keepalived's stock
 * 1 s adverts that is about 3.6 s. A fixed 3 s window let the drill fault a master that was about
 * to step down, and a few stock runs "failed over" in 16 ms. Pure.
 */
import type { PillarsConfig } from '../../overlay/config/model.js';

/** The shortest quiet window (ms): enough for the fast and default timers and a restarted daemon. */
export const MIN_QUIET_MS = 3000;

/**
 * The longest master-down interval (ms) of the config's failover instances. VRRP (RFC 5798):
 * down_timer_adverts adverts (the RFCs' three) plus the skew, (256 − priority) / 256 of an advert,
 * at the lowest priority of the pair.
 * CARP (ucarp): dead_ratio advbases plus advskew / 256 s at the highest skew. 0 without either.
 */
export function masterDownMs(config: Pick<PillarsConfig, 'vrrp' | 'carp'>): number {
  let longest = 0;
  for (const i of config.vrrp?.instances ?? []) {
    const advert = i.advert_int ?? (i.version === 2 ? 1000 : 100);
    const lowest = Math.min(...Object.values(i.priority as Record<string, number>));
    longest = Math.max(longest, (i.down_timer_adverts ?? 3) * advert + ((256 - lowest) * advert) / 256);
  }
  for (const c of config.carp?.instances ?? []) {
    const skews = Object.values(c.advskew as Record<string, number>);
    longest = Math.max(longest, c.dead_ratio * c.advbase * 1000 + (Math.max(0, ...skews) * 1000) / 256);
  }
  return Math.round(longest);
}

/** The quiet window for a pair: twice its master-down interval, at least MIN_QUIET_MS. */
export function settleQuietMs(config: Pick<PillarsConfig, 'vrrp' | 'carp'>): number {
  return Math.max(MIN_QUIET_MS, 2 * masterDownMs(config));
}
