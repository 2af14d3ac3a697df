/**
 * Boot: early boot as data (boot-plan.ts) carried out by the system's executor, then — behind the
 * safe-state ruleset on a cold boot — config discovery and the configured path (configure.ts) or
 * the safe state. A supervisor restart (init respawned us) finds /run and the boot mark in place:
 * no modules, no hostname, and the packet filter is not touched, so a crash never drops a VIP.
 */
import {
  formatStepResult,
  parseMounts,
  planEarlyBoot,
  runBootPlan,
  STATE_DIR,
  type BootExecutor,
  type BootReport,
} from '../supervisor/boot-plan.js';
import type { ConfigOutcome } from '../supervisor/config-source.js';
import { closeFilter, configure, enterSafeState, type ConfigureDeps } from './configure.js';
import type { Say } from './ports.js';
import type { ApplianceState } from './state.js';

export const BOOT_MARK = `${STATE_DIR}/booted`;

export interface EarlyBoot {
  /** A cold boot (not a supervisor restart). */
  cold: boolean;
  report: BootReport;
}

export interface EarlyBootDeps {
  /** /proc/self/mounts ('' before /proc is mounted). */
  mounts(): string;
  /** The boot mark exists (written once per boot, under /run). */
  booted(): boolean;
  /** The image's /etc/hostname. */
  hostname(): string;
  executor: BootExecutor;
}

/** Mounts, directories, modules and the hostname, each step a value with a description. */
export async function earlyBoot(deps: EarlyBootDeps): Promise<EarlyBoot> {
  const mounted = parseMounts(deps.mounts());
  const cold = !(mounted.some((m) => m.target === '/run') && deps.booted());
  const hostname = deps.hostname().trim() || 'pillars';
  const steps = planEarlyBoot({ mounted, modules: cold, ...(cold ? { hostname } : {}) });
  const report = await runBootPlan(steps, deps.executor, { log: () => undefined });
  return { cold, report };
}

/** What early boot did, on the console. */
export function announceEarlyBoot(state: ApplianceState, early: EarlyBoot, pid = process.pid): void {
  if (!early.cold) state.say(`pillars: supervisor restarted (pid ${pid}); re-adopting running services`);
  for (const r of early.report.results) state.say(`pillars: boot: ${formatStepResult(r, true)}`);
}

/** Cold boot: nothing passes the packet filter until a config says otherwise. */
export async function closeOnColdBoot(state: ApplianceState, early: EarlyBoot, deps: Pick<ConfigureDeps, 'sys'>) {
  if (early.cold) await closeFilter(state, deps);
}

/** Find the config and run it, or stay in the safe state. */
export async function startAppliance(
  state: ApplianceState,
  early: EarlyBoot,
  deps: ConfigureDeps & { discover(say: Say): Promise<ConfigOutcome> },
): Promise<void> {
  if (!early.report.ok) {
    await enterSafeState(state, `early boot failed: ${early.report.failures.join('; ')}`, [], deps);
    return;
  }
  await configure(state, await deps.discover(state.say), deps);
}
