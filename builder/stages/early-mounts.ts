/**
 * The early-mounts script busybox init runs before the supervisor (inittab `sysinit`): the mounts
 * and the directories they need from the supervisor's own cold-boot plan, rendered at build time
 * so the two can never disagree. The supervisor then finds them in /proc/self/mounts and skips
 * them; whatever the script could not mount it runs itself and reports. Pure but for reading the
 * template.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planEarlyBoot } from '../../overlay/supervisor/boot-plan.js';
import { compileTemplate } from '../../overlay/templates/escape.js';

/** Where the script goes in the image (inittab names it). */
export const EARLY_MOUNTS_PATH = 'usr/lib/pillars/early-mounts';

type ScriptStep = { kind: 'mkdir'; path: string; mode: string } | { kind: 'mount'; command: readonly string[] };

/** The cold-boot plan's directories and mounts, in plan order, as the script runs them. */
export function earlyMountSteps(): ScriptStep[] {
  const out: ScriptStep[] = [];
  for (const s of planEarlyBoot({ modules: false })) {
    if (s.kind === 'mkdir') out.push({ kind: 'mkdir', path: s.path, mode: s.mode.toString(8) });
    else if (s.kind === 'mount') out.push({ kind: 'mount', command: s.command });
  }
  return out;
}

export function renderEarlyMounts(template: string): string {
  return compileTemplate<{ steps: ScriptStep[] }>(template, 'shell', ['steps'])({ steps: earlyMountSteps() });
}

export async function earlyMountsScript(projectRoot: string): Promise<string> {
  return renderEarlyMounts(await readFile(join(projectRoot, 'overlay', 'templates', 'early-mounts.sh.ejs'), 'utf8'));
}
