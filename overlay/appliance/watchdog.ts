/**
 * The supervisor's watchdog (admin.watchdog): armed when a config with it runs, fed by a timer on
 * the supervisor's own event loop while the failover daemons are healthy (supervisor/watchdog.ts
 * decides each tick), fed on through a clean shutdown while the services stop, and closed with the
 * magic character just before the box powers off or reboots. A hung supervisor (a blocked loop,
 * SIGSTOP) feeds nothing, and the device resets the box after its timeout; so does a failover
 * daemon the supervisor gave up on, or one down for longer than the grace.
 */
import type { Clock, ServiceStatus, TimerHandle } from '../supervisor/supervisor.js';
import {
  formatWatchdog,
  petDecision,
  petIntervalMs,
  sameSettings,
  type ShutdownPhase,
  type WatchdogSettings,
  type WatchdogStatus,
} from '../supervisor/watchdog.js';
import type { OpenWatchdog, Say, WatchdogDevices } from './ports.js';

export interface Watchdog {
  /**
   * Arm for the config that is about to run (re-armed only when its settings changed), or disarm
   * when it has none. Throws when the device cannot be armed; the watchdog is then off.
   */
  apply(settings: WatchdogSettings | undefined, watched: readonly string[]): Promise<void>;
  /** A clean poweroff or reboot: `stopping` feeds on while services stop, `final` closes the device. */
  shutdown(phase: Exclude<ShutdownPhase, 'none'>, why: string): void;
  status(): WatchdogStatus;
  /** The status line of `pillarsctl status`. */
  line(now?: number): string;
}

export interface WatchdogDeps {
  devices: WatchdogDevices;
  clock: Clock;
  say: Say;
  /** The supervisor's view of the running services (undefined while none run). */
  services(): readonly ServiceStatus[] | undefined;
}

interface Armed {
  settings: WatchdogSettings;
  dev: OpenWatchdog;
  armedAt: number;
  watched: readonly string[];
  lastPet?: number;
  holding?: string;
  timer?: TimerHandle;
  writeError?: string;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function createWatchdog(deps: WatchdogDeps): Watchdog {
  let armed: Armed | undefined;
  let phase: ShutdownPhase = 'none';
  let closed: string | undefined;
  let toldReset = false;

  const tick = () => {
    const a = armed;
    if (!a) return;
    a.timer = undefined;
    const now = deps.clock.now();
    const services = deps.services() ?? [];
    const decision = petDecision({
      shutdown: phase,
      now,
      armedAt: a.armedAt,
      graceMs: a.settings.graceMs,
      watched: services.filter((s) => a.watched.includes(s.name)),
    });
    if (decision.action === 'close') return close('clean shutdown', true);
    if (decision.action === 'pet') {
      try {
        a.dev.pet();
        a.lastPet = now;
        a.writeError = undefined;
        if (a.holding) deps.say(`pillars: watchdog: fed again (${a.holding} is over)`);
        a.holding = undefined;
      } catch (err) {
        if (a.writeError === undefined)
          deps.say(`pillars: WARNING: watchdog: feeding ${a.settings.device} failed: ${message(err)}`);
        a.writeError = message(err);
      }
    } else if (a.holding !== decision.reason) {
      a.holding = decision.reason;
      deps.say(
        `pillars: WARNING: watchdog not fed: ${decision.reason}; ${a.settings.device} resets the box within ${a.dev.timeoutS}s`,
      );
    }
    a.timer = deps.clock.setTimer(petIntervalMs(a.dev.timeoutS), tick);
  };

  /** Magic close; `final`: for good (a clean shutdown), status says disarmed rather than off. */
  const close = (why: string, final = false) => {
    const a = armed;
    if (!a) return;
    armed = undefined;
    if (a.timer !== undefined) deps.clock.clearTimer(a.timer);
    try {
      a.dev.close();
      if (final) closed = a.settings.device;
      deps.say(`pillars: watchdog ${a.settings.device} disarmed (${why})`);
    } catch (err) {
      deps.say(`pillars: WARNING: watchdog: closing ${a.settings.device} failed: ${message(err)}`);
    }
  };

  return {
    async apply(settings, watched) {
      if (phase !== 'none') return;
      if (armed && sameSettings(armed.settings, settings)) {
        armed.watched = [...watched];
        return;
      }
      close(settings ? 'new settings' : 'the config has no watchdog');
      if (!settings) return;
      const dev = await deps.devices.open(settings.device, settings.timeoutS);
      armed = { settings, dev, armedAt: deps.clock.now(), watched: [...watched] };
      deps.say(
        `pillars: watchdog armed: ${settings.device} (${dev.identity}), timeout ${dev.timeoutS}s` +
          (watched.length ? `, fed while ${watched.join(', ')} ${watched.length === 1 ? 'is' : 'are'} up` : ''),
      );
      if (dev.resetByWatchdog && !toldReset)
        deps.say(`pillars: WARNING: watchdog: this boot follows a reset by ${settings.device}`);
      toldReset = true;
      tick();
    },
    shutdown(next, why) {
      if (next === 'final') {
        phase = 'final';
        close(why, true);
      } else if (phase === 'none') phase = 'stopping';
    },
    status,
    line: (now = deps.clock.now()) => formatWatchdog(status(), now),
  };

  function status(): WatchdogStatus {
    const a = armed;
    if (!a) return closed ? { state: 'disarmed', device: closed } : { state: 'off' };
    return {
      state: a.holding ? 'holding' : 'armed',
      device: a.settings.device,
      identity: a.dev.identity,
      timeoutS: a.dev.timeoutS,
      ...(a.lastPet !== undefined ? { lastPet: a.lastPet } : {}),
      ...(a.holding ? { holding: a.holding } : {}),
      watched: [...a.watched],
      resetByWatchdog: a.dev.resetByWatchdog,
    };
  }
}
