/**
 * The early-boot script busybox init runs before the supervisor (inittab `sysinit`): the mounts
 * and the directories they need from the supervisor's own cold-boot plan, rendered at build time
 * so the two can never disagree. The supervisor then finds them in /proc/self/mounts and skips
 * them; whatever the script could not mount it runs itself and reports. Then it starts loading the
 * kernel modules in the background (see `earlyModules`). Pure but for reading the template.
 *
 * Each program start costs about 35 ms under emulation, so the script starts few: /proc first
 * (the batches read their fstab lines through it), then every mount whose place is ready as one
 * `mount -a` over an fstab given on its standard input, the directories that need those mounts
 * (one mkdir per mode), and the mounts on them as one more batch. 13 starts became 6.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planEarlyBoot, type BootStep } from '../../overlay/supervisor/boot-plan.js';
import { BASE_MODULES, configPathFirst, onConfigPath } from '../../overlay/system/hardware.js';
import { EARLY_MODULES_PID, EARLY_MODULES_RC } from '../../overlay/system/early-modules.js';
import { bootModulesOf } from '../../overlay/roles/table.js';
import { compileTemplate } from '../../overlay/templates/escape.js';

/** Where the script goes in the image (inittab names it). */
export const EARLY_BOOT_PATH = 'usr/lib/pillars/early-boot';

/** One fstab line's fields: device, mount point, type, options. */
export type FstabEntry = [source: string, target: string, fstype: string, options: string];

export type ScriptStep =
  | { kind: 'mkdir'; mode: string; paths: string[] }
  | { kind: 'mount'; command: readonly string[] }
  | { kind: 'mounts'; entries: FstabEntry[] };

type Planned = Extract<BootStep, { kind: 'mkdir' } | { kind: 'mount' }>;

const within = (path: string, dir: string) => dir === '/' || path === dir || path.startsWith(`${dir}/`);
const placeOf = (s: Planned) => (s.kind === 'mkdir' ? s.path : s.mount.target);

/**
 * The plan's directories and mounts in dependency levels: a mount comes after the directory made
 * for it and after the mount it sits on; a directory after the mount it is made in. Steps of one
 * level need nothing of each other. Pure.
 */
function levels(steps: readonly Planned[]): number[] {
  const level: number[] = [];
  steps.forEach((s, i) => {
    const place = placeOf(s);
    let l = 0;
    for (let j = 0; j < i; j++) {
      const p = steps[j]!;
      const needed =
        p.kind === 'mount'
          ? place !== p.mount.target && within(place, p.mount.target)
          : s.kind === 'mount' && p.path === s.mount.target;
      if (needed) l = Math.max(l, level[j]! + 1);
    }
    level.push(l);
  });
  return level;
}

/**
 * An fstab line's fields, refused unless each is one plain word: the batch's fstab sits in a
 * quoted here-document, where neither the shell's quoting nor fstab's own escapes apply.
 */
function fstabEntry(e: FstabEntry): FstabEntry {
  for (const f of e)
    if (!/^[A-Za-z0-9_.:/@%+=,-]+$/.test(f))
      throw new Error(`early mounts: ${JSON.stringify(f)} cannot be an fstab field`);
  return e;
}

/** The cold-boot plan's directories and mounts as the script runs them (see the file comment). Pure. */
export function earlyMountSteps(plan: readonly BootStep[] = planEarlyBoot({ modules: false })): ScriptStep[] {
  const steps = plan.filter((s): s is Planned => s.kind === 'mkdir' || s.kind === 'mount');
  const lv = levels(steps);
  // By level; in a level the directories first (a mount of a deeper level may need them).
  const order = steps
    .map((s, i) => ({ s, l: lv[i]!, i }))
    .sort((a, b) => a.l - b.l || (a.s.kind === b.s.kind ? a.i - b.i : a.s.kind === 'mkdir' ? -1 : 1));
  const out: ScriptStep[] = [];
  // The directories made since the last mount, by mode: one mkdir per mode.
  let dirs = new Map<string, Extract<ScriptStep, { kind: 'mkdir' }>>();
  for (const { s } of order) {
    const last = out[out.length - 1];
    if (s.kind === 'mkdir') {
      const mode = s.mode.toString(8);
      const same = dirs.get(mode);
      if (same) same.paths.push(s.path);
      else {
        const step: ScriptStep = { kind: 'mkdir', mode, paths: [s.path] };
        dirs.set(mode, step);
        out.push(step);
      }
      continue;
    }
    dirs = new Map();
    if (s.mount.fstype === 'proc' && s.mount.target === '/proc') {
      // The batches read their fstab through /proc/self/fd/0: /proc on its own, before them.
      out.push({ kind: 'mount', command: s.command });
    } else {
      const entry: FstabEntry = fstabEntry([
        s.mount.source,
        s.mount.target,
        s.mount.fstype,
        s.mount.options.join(',') || 'defaults',
      ]);
      if (last?.kind === 'mounts') last.entries.push(entry);
      else out.push({ kind: 'mounts', entries: [entry] });
    }
  }
  return out;
}

/**
 * The modules the script names itself, around the modaliases it reads from /sys at boot: `first`
 * (USB disk storage, after the USB host controllers the PCI modaliases name) and `rest` (the
 * modules the appliance always wants and the image's roles' boot modules), in the supervisor's
 * own order (hardware.ts), so the stick's disk starts its settle second as early as it can.
 */
export interface EarlyModules {
  first: string[];
  rest: string[];
  /** Where the background job writes modprobe's exit status when it ends, and its PID. */
  rcFile: string;
  pidFile: string;
}

const moduleName = (m: string) => {
  if (!/^[a-z0-9_]+$/.test(m)) throw new Error(`early boot: ${JSON.stringify(m)} cannot be a module name`);
  return m;
};

/** The script's module lists for an image with these roles. Pure. */
export function earlyModules(roles: readonly string[]): EarlyModules {
  const all = configPathFirst([...new Set([...BASE_MODULES, ...bootModulesOf(roles)])]).map(moduleName);
  return {
    first: all.filter(onConfigPath),
    rest: all.filter((m) => !onConfigPath(m)),
    rcFile: EARLY_MODULES_RC,
    pidFile: EARLY_MODULES_PID,
  };
}

export function renderEarlyBoot(template: string, roles: readonly string[]): string {
  return compileTemplate<{ steps: ScriptStep[]; modules: EarlyModules }>(template, 'shell', ['steps', 'modules'])({
    steps: earlyMountSteps(),
    modules: earlyModules(roles),
  });
}

export async function earlyBootScript(projectRoot: string, roles: readonly string[]): Promise<string> {
  return renderEarlyBoot(await readFile(join(projectRoot, 'overlay', 'templates', 'early-boot.sh.ejs'), 'utf8'), roles);
}
