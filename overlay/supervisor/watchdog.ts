/**
 * The watchdog's pure parts: which services it watches, whether a tick feeds the device, how often
 * it ticks, and what status shows. The appliance's controller (appliance/watchdog.ts) runs the
 * ticks on the supervisor's own event loop, so a loop that no longer runs (a hang, a SIGSTOP, an
 * endless loop) feeds nothing and the device resets the box after its timeout.
 */
import type { PillarsConfig } from '../config/index.js';
import type { RolePlan } from '../roles/index.js';
import { roleRow } from '../roles/table.js';
import type { ServiceState } from '../service/index.js';
import { formatDuration } from './status-format.js';

/** admin.watchdog of a config, in the units the controller uses. */
export interface WatchdogSettings {
  device: string;
  timeoutS: number;
  graceMs: number;
}

export function watchdogSettings(config: PillarsConfig): WatchdogSettings | undefined {
  const w = config.admin.watchdog;
  return w ? { device: w.device, timeoutS: w.timeout, graceMs: w.grace * 1000 } : undefined;
}

export const sameSettings = (a: WatchdogSettings | undefined, b: WatchdogSettings | undefined): boolean =>
  a?.device === b?.device && a?.timeoutS === b?.timeoutS && a?.graceMs === b?.graceMs;

/**
 * The services whose health the watchdog requires: the long-running daemons of the failover
 * roles (keepalived when it runs VRRP, ucarp, heartbeat), which decide whether this box holds the
 * pair's addresses. A box without them (a single realserver, a director without VRRP) is
 * watched for its supervisor's event loop only. Pure.
 */
export function watchedServices(plan: Pick<RolePlan, 'services' | 'owners'>): string[] {
  return plan.services
    .filter((s) => {
      const owner = plan.owners?.[s.name];
      return s.type === 'longrun' && owner !== undefined && roleRow(owner).phase === 'failover';
    })
    .map((s) => s.name);
}

/** none: running; stopping: a clean poweroff/reboot is stopping the services; final: about to power off. */
export type ShutdownPhase = 'none' | 'stopping' | 'final';

export interface WatchedService {
  name: string;
  state: ServiceState;
  /** When it entered that state (ms). */
  since: number;
  reason?: string;
}

export interface PetInput {
  shutdown: ShutdownPhase;
  now: number;
  /** When the device was armed: a daemon that has not been up yet gets its grace from here. */
  armedAt: number;
  graceMs: number;
  /** The watched services as the supervisor reports them (one not listed is not judged: a reload swaps them). */
  watched: readonly WatchedService[];
}

export type PetDecision = { action: 'pet' } | { action: 'hold'; reason: string } | { action: 'close' };

const isUp = (s: ServiceState) => s === 'ready' || s === 'done';

/**
 * One tick: feed the device, hold back (the device resets the box once holding lasts its
 * timeout), or close it with the magic character (a clean poweroff or reboot is under way).
 * While a clean shutdown stops the services, the loop still runs and the device is fed: services
 * going down on purpose are not a fault. Pure.
 */
export function petDecision(i: PetInput): PetDecision {
  if (i.shutdown === 'final') return { action: 'close' };
  if (i.shutdown === 'stopping') return { action: 'pet' };
  for (const s of i.watched) {
    if (s.state === 'failed')
      return { action: 'hold', reason: `${s.name} failed${s.reason ? ` (${s.reason})` : ''}, the supervisor gave up` };
    if (isUp(s.state)) continue;
    const down = i.now - Math.max(s.since, i.armedAt);
    if (down >= i.graceMs)
      return {
        action: 'hold',
        reason: `${s.name} not up for ${formatDuration(down)} (${s.state}${s.reason ? `: ${s.reason}` : ''})`,
      };
  }
  return { action: 'pet' };
}

/** How often the controller ticks: a tenth of the timeout, between 1 and 5 s. Pure. */
export function petIntervalMs(timeoutS: number): number {
  return Math.min(5000, Math.max(1000, Math.round((timeoutS * 1000) / 10)));
}

/** What `pillarsctl status --json` carries under `watchdog`. */
export interface WatchdogStatus {
  state: 'off' | 'armed' | 'holding' | 'disarmed';
  device?: string;
  /** What the driver calls itself (/sys/class/watchdog/…/identity). */
  identity?: string;
  timeoutS?: number;
  /** Epoch ms of the last feed. */
  lastPet?: number;
  /** Why the device is not fed (state holding). */
  holding?: string;
  /** The services whose health it requires. */
  watched?: string[];
  /** The device says this boot followed a reset by it. */
  resetByWatchdog?: boolean;
}

/** The status line: `watchdog  /dev/watchdog (i6300ESB timer), timeout 15s, fed 1s ago, watching keepalived`. Pure. */
export function formatWatchdog(w: WatchdogStatus | undefined, now: number): string {
  if (!w || w.state === 'off') return 'watchdog  off';
  if (w.state === 'disarmed') return `watchdog  disarmed (${w.device ?? '?'}: clean shutdown)`;
  const parts = [
    `${w.device}${w.identity ? ` (${w.identity})` : ''}`,
    `timeout ${w.timeoutS}s`,
    w.lastPet !== undefined ? `fed ${formatDuration(now - w.lastPet)} ago` : 'not fed yet',
  ];
  if (w.watched?.length) parts.push(`watching ${w.watched.join(', ')}`);
  if (w.state === 'holding') parts.push(`NOT FED: ${w.holding ?? '?'}`);
  return `watchdog  ${parts.join(', ')}`;
}
