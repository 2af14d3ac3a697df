/**
 * Carries out early-boot steps (supervisor/boot-plan.ts plans them as data): busybox mount (Node
 * cannot mount), fs calls, the hostname, and one modprobe for the hardware present. The step
 * shapes are declared here as this module needs them; the plan's steps match them structurally.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { bb, exec, execOk } from './exec.js';
import { BASE_MODULES, collectModaliases, configPathFirst, hasFloppyController } from './hardware.js';
import { modulesFor } from './modalias.js';
import { readImageInfo } from './image.js';
import { bootModulesOf } from '../roles/table.js';
import { waitEarlyModules } from './early-modules.js';

export type EarlyStep =
  | { kind: 'mkdir'; path: string; mode: number }
  | { kind: 'mount'; mount: { target: string }; command: string[] }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'hostname'; name: string }
  | { kind: 'modules' };

/** Is module `m` in the kernel: loaded and live, or built in (a /sys/module entry with no initstate)? */
function inKernel(m: string): boolean {
  try {
    return readFileSync(`/sys/module/${m}/initstate`, 'utf8').trim() === 'live';
  } catch {
    return existsSync(`/sys/module/${m}`);
  }
}

/** The modules the image's roles always need (an image that cannot say its roles gets none here). */
function imageRoleModules(): string[] {
  try {
    return bootModulesOf(readImageInfo().roles);
  } catch {
    return [];
  }
}

/** Load the modules; says how many the early-boot script had loaded before. */
async function loadModules(): Promise<string> {
  const early = await waitEarlyModules();
  let alias = '';
  try {
    alias = readFileSync(`/lib/modules/${release()}/modules.alias`, 'utf8');
  } catch {
    /* reported below */
  }
  if (!alias) throw new Error(`no /lib/modules/${release()}/modules.alias`);
  const mods = configPathFirst([
    ...new Set([
      ...modulesFor(collectModaliases(), alias),
      ...BASE_MODULES,
      ...(hasFloppyController() ? ['floppy'] : []),
      ...imageRoleModules(),
    ]),
  ]);
  const missing = mods.filter((m) => !inKernel(m));
  const summary = early.started
    ? `${mods.length} modules, ${mods.length - missing.length} loaded before the supervisor started`
    : `${mods.length} modules`;
  if (missing.length === 0) return summary;
  // One modprobe for all (fast under emulation; it loads them in the order given); when it reports
  // a failure, one per module to name the ones that are missing.
  const all = await exec(['modprobe', '-a', '-q', ...missing], { timeoutMs: 60_000 });
  const failed: string[] = [];
  if (all.code !== 0) {
    for (const m of missing) {
      const r = await exec(['modprobe', '-q', m], { timeoutMs: 30_000 });
      if (r.code !== 0) failed.push(m);
    }
  }
  if (failed.length > 0) throw new Error(`could not load ${failed.sort().join(', ')} (of ${mods.length})`);
  return early.started ? `${summary} (now: ${missing.join(', ')})` : summary;
}

export const bootExecutor = {
  async run(step: EarlyStep): Promise<string | void> {
    switch (step.kind) {
      case 'mount':
        mkdirSync(step.mount.target, { recursive: true });
        await execOk(bb(...(step.command as [string, ...string[]])));
        return;
      case 'mkdir':
        mkdirSync(step.path, { recursive: true, mode: step.mode });
        return;
      case 'symlink':
        if (!existsSync(step.path)) symlinkSync(step.target, step.path);
        return;
      case 'hostname':
        writeFileSync('/proc/sys/kernel/hostname', step.name);
        return;
      case 'modules':
        return loadModules();
    }
  },
};
