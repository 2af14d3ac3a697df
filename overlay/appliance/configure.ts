/**
 * From a validated config to running roles, or to the safe state. Every role is applied the same
 * way, phase by phase: the link phase (the network role) first — its files written and checked,
 * its services started and up, so the NICs carry their logical names — then the files of every
 * later phase written and checked by the daemons' own checkers (keepalived -t looks for those
 * interface names), then all services, which the supervisor starts in dependency order (filter
 * before sync, failover and services). Nothing here names a role.
 *
 * The safe state: the ruleset that drops everything but loopback, loaded in one `nft -f`, no role
 * running, the console saying why. A cold boot starts behind it; the filter phase's oneshot
 * (firewall or nofirewall) replaces it in one transaction.
 */
import { admitConfig } from '../roles/enforce.js';
import { applyRolePlan, planRoles, selectRoles, type RolePlan } from '../roles/index.js';
import type { RoleContext } from '../roles/role.js';
import { roleRow } from '../roles/table.js';
import { ETC_DIR, STATE_DIR } from '../supervisor/boot-plan.js';
import type { ConfigOutcome } from '../supervisor/config-source.js';
import { renderSafeRuleset, renderUnconfiguredMessage, type ConfigIssue } from '../supervisor/safe-state.js';
import { watchdogSettings, watchedServices } from '../supervisor/watchdog.js';
import type { ApplianceSystem } from './ports.js';
import type { ApplianceState, Configured, RunningServices } from './state.js';
import { startAndWait, superviseServices, type SuperviseDeps } from './supervise.js';
import type { Watchdog } from './watchdog.js';

export { ETC_DIR };
export const EVENT_FIFO = `${STATE_DIR}/events`;

/** How long the link phase's services may take to come up (the network script under emulation). */
export const LINK_TIMEOUT_MS = 90_000;

export type Outcome = Extract<ConfigOutcome, { ok: true }>;

export interface ConfigureDeps extends SuperviseDeps {
  sys: Pick<ApplianceSystem, 'host' | 'filter' | 'roles' | 'services'>;
  /** ttyS0 carries the test channel: no login prompt there. */
  serialBusy: boolean;
  /** Called once a config runs (status page, peer channel). */
  configured(o: Outcome): void;
  /** The supervisor's watchdog (admin.watchdog), armed for the config that runs. */
  watchdog: Pick<Watchdog, 'apply'>;
}

export interface Refusal {
  reason: string;
  errors: { path?: string; message: string }[];
}

/** A config's roles, planned and split into the link phase and the rest. */
export interface Planned extends Configured {
  link: RolePlan;
  rest: RolePlan;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function roleContext(o: Outcome, serialBusy: boolean): RoleContext {
  return {
    config: o.config,
    nodeName: o.nodeName,
    node: o.node,
    etcDir: ETC_DIR,
    eventFifo: EVENT_FIFO,
    ...(serialBusy ? { serialBusy } : {}),
  };
}

/** Admit and plan the roles of a validated config. Pure but for reading the image's info. */
export function planConfig(
  o: Outcome,
  deps: Pick<ConfigureDeps, 'sys' | 'serialBusy'>,
  debug: (line: string) => void,
): Planned | Refusal {
  let image;
  try {
    image = deps.sys.host.image();
  } catch (err) {
    return { reason: `this image cannot say its profile: ${message(err)}`, errors: [] };
  }
  const admitted = admitConfig(o.config, image);
  if (!admitted.ok) return { reason: admitted.reason, errors: admitted.issues };
  const sel = selectRoles(o.config);
  if (sel.missing.length > 0) return failed(o, [`roles ${sel.missing.join(', ')} are not in this image`]);
  debug(`roles: ${sel.run.join(', ')}`);
  const ctx = roleContext(o, deps.serialBusy);
  try {
    const plan = planRoles(ctx, sel.run);
    const link = planRoles(
      ctx,
      sel.run.filter((r) => roleRow(r).phase === 'link'),
    );
    const rest: RolePlan = {
      ...plan,
      files: plan.files.filter((f) => !link.files.some((n) => n.path === f.path)),
      edits: (plan.edits ?? []).filter((f) => !(link.edits ?? []).some((n) => n.path === f.path)),
      checks: plan.checks.filter((c) => !link.checks.some((n) => n.what === c.what)),
      // Every sysctl again once the links exist (keys of a renamed interface only then).
      sysctls: plan.sysctls,
    };
    return { outcome: o, plan, notes: admitted.notes, link, rest };
  } catch (err) {
    return failed(o, [`rendering the roles failed: ${message(err)}`]);
  }
}

function failed(o: Outcome, errors: string[]): Refusal {
  return {
    reason: `the roles for node ${o.nodeName} failed their checks`,
    errors: errors.map((m) => ({ message: m })),
  };
}

/** The link phase's services that apply something (its oneshots): run again to converge a reload. */
export const linkOneshots = (p: Planned): string[] =>
  p.link.services.filter((s) => s.type === 'oneshot').map((s) => s.name);

/**
 * Apply a planned config and start its services: link phase first, then the rest; on a failure
 * every service started for it is stopped again and the reason returned (the files of the failed
 * step are back as they were).
 */
export async function bringUp(
  state: ApplianceState,
  p: Planned,
  deps: ConfigureDeps,
): Promise<{ services: RunningServices } | Refusal> {
  const log = (l: string) => state.debug(l);
  log('applying the link phase');
  const link = await applyRolePlan(p.link, deps.sys.roles, log);
  if (!link.ok) return failed(p.outcome, link.errors);
  const services = await superviseServices(state, p, deps);
  const stop = async () => {
    await services.supervisor.shutdown();
    services.stopTailing();
  };
  const linkDown = await startAndWait(
    services.supervisor,
    p.link.services.map((s) => s.name),
    LINK_TIMEOUT_MS,
  );
  if (linkDown !== undefined) {
    await stop();
    return failed(p.outcome, [linkDown]);
  }
  log(`link phase up: ${p.link.services.map((s) => s.name).join(', ')}`);
  log('applying the other phases');
  const rest = await applyRolePlan(p.rest, deps.sys.roles, log);
  if (!rest.ok) {
    await stop();
    return failed(p.outcome, rest.errors);
  }
  return { services };
}

/** The configured path at boot (or after a supervisor restart): apply and supervise, or the safe state. */
export async function configure(state: ApplianceState, o: ConfigOutcome, deps: ConfigureDeps): Promise<void> {
  if (!o.ok) return enterSafeState(state, o.reason, o.issues, deps);
  const hostname = o.node.hostname ?? o.nodeName;
  try {
    deps.sys.host.setHostname(hostname);
    state.say(`pillars: boot: ✓ set hostname to ${hostname}`);
  } catch (err) {
    state.say(`pillars: boot: ! set hostname to ${hostname}: ${message(err)} (optional, continuing)`);
  }
  const planned = planConfig(o, deps, state.debug);
  if ('errors' in planned) return enterSafeState(state, planned.reason, planned.errors, deps);
  // Armed before the services start, so a supervisor restart reopens the device early; a device
  // the config names but the box cannot arm is refused like any section it cannot enforce.
  const armed = await armWatchdog(planned, deps);
  if (armed) return enterSafeState(state, armed.reason, armed.errors, deps);
  const up = await bringUp(state, planned, deps);
  if ('errors' in up) return enterSafeState(state, up.reason, up.errors, deps);
  for (const note of planned.notes) state.say(`pillars: ${note}`);
  run(state, planned, up.services);
  deps.configured(o);
}

/** Arm the watchdog for a planned config (or disarm it when the config has none); why not, if it fails. */
export async function armWatchdog(p: Configured, deps: Pick<ConfigureDeps, 'watchdog'>): Promise<Refusal | undefined> {
  const settings = watchdogSettings(p.outcome.config);
  try {
    await deps.watchdog.apply(settings, watchedServices(p.plan));
    return undefined;
  } catch (err) {
    return {
      reason: `this box cannot arm the watchdog ${settings?.device ?? ''}`.trimEnd(),
      errors: [{ path: 'admin.watchdog', message: message(err) }],
    };
  }
}

/** The plan's services all started; the state says this config runs. */
export function run(state: ApplianceState, c: Configured, services: RunningServices): void {
  state.unconfigured = undefined;
  state.running = { outcome: c.outcome, plan: c.plan, notes: c.notes };
  state.services = services;
  services.supervisor.start();
  // Already up (a supervisor restart that adopted everything): the ready line now.
  services.checkReady();
}

/** Safe state: nothing of the config applied, all traffic dropped but loopback, the console says why. */
export async function enterSafeState(
  state: ApplianceState,
  reason: string,
  issues: ConfigIssue[],
  deps: Pick<ConfigureDeps, 'sys' | 'watchdog'>,
): Promise<void> {
  state.unconfigured = { reason, issues };
  state.running = undefined;
  // No config, no watchdog: nothing runs whose health it could watch.
  await deps.watchdog.apply(undefined, []).catch(() => undefined);
  try {
    await deps.sys.filter.load(renderSafeRuleset());
  } catch (err) {
    state.say(`pillars: WARNING: could not load the safe ruleset: ${message(err)}`);
  }
  for (const l of renderUnconfiguredMessage(reason, issues)) state.say(l);
  state.say(`pillars: ready in ${deps.sys.host.uptime().toFixed(2)}s (UNCONFIGURED: safe state, no roles)`);
}

/** Cold boot: the safe-state ruleset before anything of a config is known. */
export async function closeFilter(state: ApplianceState, deps: Pick<ConfigureDeps, 'sys'>): Promise<void> {
  try {
    await deps.sys.filter.load(renderSafeRuleset());
    state.say('pillars: firewall closed (all traffic dropped except loopback) until the config is applied');
  } catch (err) {
    state.say(`pillars: WARNING: could not close the firewall: ${message(err)}`);
  }
}
