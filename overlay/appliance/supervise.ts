/**
 * The services of a configured appliance: one supervisor for the plan's services, its state
 * changes on the console, role daemons' events (keepalived, ucarp) fed into it, and the one
 * `pillars: ready in N.NNs (node …, roles: …)` line once every service is up. Starting is in two
 * steps so the appliance can bring the link phase up first (startAndWait) and the rest after.
 */
import type { HandedOver, SupervisorEvent, Supervisor } from '../supervisor/supervisor.js';
import { eventEffects } from '../supervisor/role-events.js';
import { shownRoles } from '../supervisor/status-view.js';
import type { ServiceRuntime } from './ports.js';
import type { ApplianceState, Configured, RunningServices } from './state.js';

export interface SuperviseDeps {
  runtime: ServiceRuntime;
  uptime(): number;
  /** Every supervisor event, for the status timeline and metrics. */
  onEvent(ev: SupervisorEvent): void;
}

const isUp = (state: string | undefined) => state === 'ready' || state === 'done';

/**
 * The supervisor for a configured plan, created but not started: console lines for services that
 * fail or recover, the ready line when all are up. The event FIFO is opened once per boot, by the
 * first config whose roles report events.
 */
export async function superviseServices(
  state: ApplianceState,
  c: Configured,
  deps: SuperviseDeps,
  inherit?: readonly HandedOver[],
): Promise<RunningServices> {
  const say = state.say;
  if (!state.listening && shownRoles(c.plan).some((r) => r !== 'network')) {
    state.listening = true;
    await deps.runtime
      .listen((ev) => {
        const target = state.services?.supervisor;
        if (!target) return;
        const running = target.order();
        const fx = eventEffects(ev, running);
        if (!running.includes(fx.service)) return;
        if (fx.annotate) target.annotate(fx.service, fx.annotate.key, fx.annotate.value);
        if (fx.console) {
          say(fx.console);
          target.log(fx.service, 'supervisor', fx.console);
        }
        if (fx.ready) target.markReady(fx.service);
      }, say)
      .catch((err) => say(`pillars: WARNING: event FIFO: ${err instanceof Error ? err.message : String(err)}`));
  }

  const running = deps.runtime.create(c.plan.services, inherit);
  const sup = running.supervisor;
  const required = c.plan.services.map((s) => s.name);
  const roles = shownRoles(c.plan).join(', ');
  const check = () => {
    const st = sup.status();
    if (!state.announced && required.every((n) => isUp(st.services.find((s) => s.name === n)?.state))) {
      state.announced = true;
      const t = deps.uptime();
      state.readySeconds ??= t;
      say(`pillars: ready in ${t.toFixed(2)}s (node ${c.outcome.nodeName}, roles: ${roles})`);
      if (!c.outcome.config.admin?.console_password_hash)
        say('pillars: no console login (admin.console_password_hash is not set in the config)');
    }
  };
  sup.subscribe((ev) => deps.onEvent(ev));
  sup.subscribe((ev) => {
    if (ev.type === 'state') {
      if (ev.to === 'failed' || ev.to === 'backoff')
        say(`pillars: service ${ev.service}: ${ev.to}${ev.reason ? ` (${ev.reason})` : ''}`);
      if (ev.from === 'backoff' || (ev.from === 'ready' && ev.to !== 'stopping'))
        say(`pillars: service ${ev.service}: ${ev.from} → ${ev.to}`);
      check();
    }
  });
  return { ...running, checkReady: check };
}

/**
 * Start the named services (with their dependencies) and resolve once all of them are up
 * (undefined), or with why not: the first of them that failed or went into backoff, with the
 * last lines it wrote, or a timeout.
 */
export function startAndWait(
  sup: Supervisor,
  names: readonly string[],
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    let finished = false;
    let unsubscribe: () => void = () => undefined;
    const finish = (why: string | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      unsubscribe();
      resolve(why);
    };
    const timer = setTimeout(
      () => finish(`${names.join(', ')}: not up after ${Math.round(timeoutMs / 1000)}s`),
      timeoutMs,
    );
    const check = () => {
      const services = sup.status().services.filter((s) => names.includes(s.name));
      const bad = services.find((s) => s.state === 'failed' || s.state === 'backoff');
      if (bad) {
        const tail = sup
          .logs(bad.name, 5)
          .filter((l) => l.stream !== 'supervisor')
          .map((l) => l.text);
        return finish(`${bad.name}: ${bad.reason ?? bad.state}${tail.length ? `: ${tail.join(' / ')}` : ''}`);
      }
      if (services.length === names.length && services.every((s) => isUp(s.state))) finish(undefined);
    };
    unsubscribe = sup.subscribe((ev) => {
      if (ev.type === 'state') check();
    });
    sup.start([...names]);
    check();
  });
}
