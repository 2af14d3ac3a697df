/**
 * `pillarsctl reload`: validate → plan → apply phase by phase → swap the services; the running
 * config stays on any failure. With a config running, its link-phase oneshots (the network
 * script) run again with the new files so the later phases' checkers see the new interfaces; a
 * refused reload puts the files back and runs them once more, so the network is the running
 * config's again. Without one (the safe state) the new config comes up as at boot.
 *
 * Hitless: only what changed is touched (reload-plan.ts). A service whose spec and rendered
 * files are unchanged is handed to the new supervisor and runs on; keepalived with only a changed
 * keepalived.conf gets SIGHUP (VRRP states, VIPs and the IPVS table stay); a changed ruleset is
 * loaded in one `nft -f` by the firewall's oneshot; the rest is stopped and started.
 */
import { loadConfig } from '../config/index.js';
import { applyRolePlan } from '../roles/index.js';
import { loadFromMedium, type ConfigOutcome } from '../supervisor/config-source.js';
import { ControlError } from '../supervisor/control-protocol.js';
import { formatIssue } from '../supervisor/safe-state.js';
import {
  armWatchdog,
  bringUp,
  LINK_TIMEOUT_MS,
  linkOneshots,
  planConfig,
  run,
  type ConfigureDeps,
  type Outcome,
  type Planned,
  type Refusal,
} from './configure.js';
import type { Stick } from './ports.js';
import { describeReload, planReload } from './reload-plan.js';
import { superviseServices } from './supervise.js';
import type { ApplianceState, RunningServices } from './state.js';
import type { HandedOver } from '../supervisor/supervisor.js';
import type { Signal } from '../service/index.js';

export interface ReloadDeps extends ConfigureDeps {
  stick: Pick<Stick, 'load'>;
  /** pillars.node= from the kernel command line. */
  node: string | undefined;
  /** Called once the new config runs (the peer channel). */
  reloaded(o: Outcome): void;
  /** The status timeline marks the change as manual. */
  markManual(why: string): void;
}

/** The new config: from `file` (a path in the box) or the mounted stick. */
async function loadNew(state: ApplianceState, file: string | undefined, deps: ReloadDeps): Promise<ConfigOutcome> {
  const macs = () => deps.sys.host.macs();
  if (file) {
    return loadFromMedium(
      {
        macs,
        load: async () => {
          const body = await deps.sys.host.readFile(file);
          const name = file.slice(file.lastIndexOf('/') + 1);
          return {
            current: { body, gen: 0, source: file, handEdited: true, notes: [] },
            result: loadConfig(body, name),
          };
        },
      },
      { provider: 'kernel-parameter', device: file },
      deps.node,
    );
  }
  return loadFromMedium(
    { macs, load: () => deps.stick.load() },
    {
      provider: state.running?.outcome.source.provider ?? 'usb-sata',
      device: state.running?.outcome.source.device ?? '',
    },
    deps.node,
  );
}

const refused = (r: Refusal) =>
  new ControlError(
    `reload refused, the running config stays: ${r.reason}`,
    undefined,
    r.errors.map((e) => formatIssue(e)),
  );

/**
 * Bring the new config's link phase up under the running services, then check the rest. On
 * failure everything it wrote is back and the running config's link oneshots ran again.
 */
async function applyUnder(state: ApplianceState, old: RunningServices, p: Planned, deps: ReloadDeps) {
  const sys = deps.sys.roles;
  const log = (l: string) => state.debug(l);
  const before = new Map(
    await Promise.all(p.link.files.map(async (f) => [f.path, await sys.readFile(f.path)] as const)),
  );
  const converge = async () => {
    for (const name of linkOneshots(p).filter((n) => old.supervisor.order().includes(n))) {
      const why = await rerun(old, name);
      if (why) return why;
    }
    return undefined;
  };
  const link = await applyRolePlan(p.link, sys, log);
  if (!link.ok) return link.errors;
  const linkDown = await converge();
  const rest = linkDown === undefined ? await applyRolePlan(p.rest, sys, log) : { ok: false, errors: [linkDown] };
  if (rest.ok) return undefined;
  for (const [path, prev] of before) {
    if (prev === undefined) await sys.removeFile(path);
    else await sys.writeFile(path, prev.content, prev.mode);
  }
  const back = await converge();
  if (back) state.say(`pillars: WARNING: reload: the running config's network did not come back: ${back}`);
  return rest.errors;
}

/** Run a oneshot of the running supervisor again and wait until it is done. */
function rerun(s: RunningServices, name: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(`${name}: not done after ${LINK_TIMEOUT_MS / 1000}s`), LINK_TIMEOUT_MS);
    let unsubscribe: () => void = () => undefined;
    const finish = (why: string | undefined) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(why);
    };
    unsubscribe = s.supervisor.subscribe((ev) => {
      if (ev.type !== 'state' || ev.service !== name) return;
      if (ev.to === 'done') finish(undefined);
      else if (ev.to === 'failed' || ev.to === 'backoff') finish(`${name}: ${ev.reason ?? ev.to}`);
    });
    s.supervisor.restart(name);
  });
}

export async function reload(state: ApplianceState, file: string | undefined, deps: ReloadDeps): Promise<unknown> {
  return reloadConfig(state, await loadNew(state, file, deps), deps);
}

/** Run a loaded config (or refuse why it is not one) through the hitless path: a rollback's too. */
export async function reloadConfig(state: ApplianceState, o: ConfigOutcome, deps: ReloadDeps): Promise<unknown> {
  if (!o.ok)
    throw new ControlError(
      `reload refused, the running config stays: ${o.reason}`,
      undefined,
      o.issues.map((i) => formatIssue(i)),
    );
  if (state.running && o.source.checksum === state.running.outcome.source.checksum)
    return { message: 'config unchanged' };
  deps.markManual('pillarsctl reload');
  const planned = planConfig(o, deps, state.debug);
  if ('errors' in planned) throw refused(planned);
  // The new config's watchdog settings first (unchanged ones leave the device as it is); on any
  // refusal the running config's are put back.
  const running = state.running;
  const restoreWatchdog = async () => {
    if (!running) return deps.watchdog.apply(undefined, []).catch(() => undefined);
    const back = await armWatchdog(running, deps);
    if (back) state.say(`pillars: WARNING: reload: ${back.reason}: ${back.errors.map((e) => e.message).join('; ')}`);
  };
  const unarmed = await armWatchdog(planned, deps);
  if (unarmed) {
    await restoreWatchdog();
    throw refused(unarmed);
  }
  const old = state.services;
  let signals: { name: string; signal: Signal }[] = [];
  const handed: HandedOver[] = [];
  if (old) {
    const errors = await applyUnder(state, old, planned, deps);
    if (errors) {
      await restoreWatchdog();
      throw refused({
        reason: `the roles for node ${o.nodeName} failed their checks`,
        errors: errors.map((m) => ({ message: m })),
      });
    }
    // Without a running plan to compare with (never so while services run) everything restarts.
    const changes = planReload(running?.plan ?? { services: [] }, planned.plan, linkOneshots(planned));
    state.say(`pillars: reload: ${describeReload(changes)}`);
    for (const n of [...changes.keep, ...changes.signal.map((s) => s.name)]) {
      const h = old.supervisor.handOver(n);
      if (h) handed.push(h);
    }
    signals = changes.signal.filter((s) => handed.some((h) => h.name === s.name && !h.done));
    await old.supervisor.shutdown();
    old.supervisor.close();
    old.stopTailing();
    state.services = undefined;
  }
  // Oneshots recorded as done would not run again for the new config (the kept ones are
  // recorded anew as the new supervisor takes them over).
  await deps.sys.services.forget();
  state.announced = false;
  let services: RunningServices;
  if (old) {
    services = await superviseServices(state, planned, deps, handed);
  } else {
    const up = await bringUp(state, planned, deps);
    if ('errors' in up) {
      await restoreWatchdog();
      throw refused(up);
    }
    services = up.services;
  }
  run(state, planned, services);
  for (const s of signals) services.supervisor.signal(s.name, s.signal);
  deps.reloaded(o);
  state.say(
    `pillars: reloaded: node ${o.nodeName}, generation ${o.source.generation}, sha256 ${o.source.checksum.slice(0, 12)}`,
  );
  return { message: `reloaded (generation ${o.source.generation})` };
}
