/**
 * Sticks as the CLI sees them: open an image or device (or a plain YAML file), create one with a
 * starter config, and resolve "a config source" for validate/diff/export (stick, file, @GEN).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runner } from '../exec.js';
import { run as defaultRun } from '../exec.js';
import { UserError, EXIT } from '../errors.js';
import { projectRoot } from '../version.js';
import { PROFILES, DEFAULT_PROFILE, type ProfileName } from '../../overlay/config/model.js';
import { configSchema } from '../../overlay/config/schema.js';
import { readCurrent, readGeneration, saveConfig, type StickFs } from '../../overlay/config/store.js';
import { MtoolsStickFs } from './mtools.js';
import { checkFormatSafe, deviceFacts, inspectTarget, type SysReader, type TargetInfo } from './device.js';
import { makeFat, FLOPPY_KIB } from './format.js';

export interface StickDeps {
  runner?: Runner;
  sys?: SysReader;
  now?: () => Date;
  /** Where profiles/<name>.starter.yaml live (the project root). */
  root?: string;
}

export interface OpenStick {
  fs: StickFs;
  info: TargetInfo;
}

export const SCHEMA_FILE = 'pillars.schema.json';

export async function openStick(target: string, deps: StickDeps = {}): Promise<OpenStick> {
  const info = await inspectTarget(target);
  if (info.content === 'missing')
    throw new UserError(`no such stick: ${target}`, {
      exitCode: EXIT.io,
      hint: 'create one with `pillars stick init TARGET`',
    });
  if (info.content !== 'pillars' && info.content !== 'fat')
    throw new UserError(`${target} is not a pillars stick (no FAT filesystem)`, {
      exitCode: EXIT.io,
      hint: 'create one with `pillars stick init TARGET`',
    });
  return { fs: new MtoolsStickFs(target, deps.runner ?? defaultRun), info };
}

export function starterPath(profile: string, root = projectRoot): string {
  return join(root, 'profiles', `${profile}.starter.yaml`);
}

export function starterText(profile: string, root = projectRoot): string {
  if (!(PROFILES as readonly string[]).includes(profile))
    throw new UserError(`unknown profile "${profile}"`, {
      exitCode: EXIT.usage,
      hint: `profiles: ${PROFILES.join(', ')}`,
    });
  const p = starterPath(profile, root);
  if (!existsSync(p)) throw new UserError(`no starter config for profile ${profile} (${p})`, { exitCode: EXIT.io });
  return readFileSync(p, 'utf8');
}

export interface InitOptions {
  profile?: ProfileName;
  /** Size of a new image file in KiB (1440 for a floppy). Ignored for devices. */
  kib?: number;
  force?: boolean;
}

/** Create the FAT filesystem (label PILLARS), the starter config as generation 1, and the schema. */
export async function initStick(
  target: string,
  opts: InitOptions,
  deps: StickDeps = {},
): Promise<{ gen: number; info: TargetInfo }> {
  const runner = deps.runner ?? defaultRun;
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const text = starterText(profile, deps.root);
  const info = await inspectTarget(target);
  const facts = info.kind === 'device' ? await deviceFacts(target, deps.sys) : undefined;
  checkFormatSafe(info, facts, opts.force ?? false);
  await makeFat(target, info.kind, opts.kib ?? FLOPPY_KIB, runner);
  const fs = new MtoolsStickFs(target, runner);
  await fs.write(SCHEMA_FILE, JSON.stringify(configSchema(), null, 1) + '\n');
  const gen = await saveConfig(fs, text, { now: deps.now });
  return { gen, info: { ...info, content: 'pillars' } };
}

export interface Source {
  /** What to call it in messages and as the issue file name. */
  label: string;
  body: string;
  gen?: number;
  notes: string[];
  stick?: OpenStick;
}

/**
 * A config source: "@N" (generation N of the default stick), "TARGET@N", a stick image or device,
 * or a plain YAML file.
 */
export async function readSource(
  spec: string | undefined,
  defaultStick: string | undefined,
  deps: StickDeps = {},
): Promise<Source> {
  const m = spec !== undefined ? /^(.*)@(\d+)$/.exec(spec) : null;
  if (m) {
    const target = m[1] || defaultStick;
    if (!target)
      throw new UserError(`${spec}: which stick? give --stick TARGET or TARGET@${m[2]}`, { exitCode: EXIT.usage });
    const stick = await openStick(target, deps);
    const h = await readGeneration(stick.fs, Number(m[2]));
    if (!h)
      throw new UserError(`${target} has no valid generation ${m[2]}`, {
        exitCode: EXIT.io,
        hint: 'list them with `pillars stick history`',
      });
    return { label: `${target}@${h.gen}`, body: h.body, gen: h.gen, notes: [], stick };
  }
  const target = spec ?? defaultStick;
  if (!target) throw new UserError('which stick? give --stick TARGET (or set PILLARS_STICK)', { exitCode: EXIT.usage });
  const info = await inspectTarget(target);
  if (info.content === 'missing') throw new UserError(`no such file or stick: ${target}`, { exitCode: EXIT.io });
  if (info.content === 'pillars' || info.content === 'fat') {
    const stick = await openStick(target, deps);
    const cur = await readCurrent(stick.fs);
    if (!cur)
      throw new UserError(`${target} holds no pillars.yaml`, {
        exitCode: EXIT.io,
        hint: 'create one with `pillars stick init` or `pillars stick import`',
      });
    return {
      label: `${target}:pillars.yaml`,
      body: cur.body,
      gen: cur.handEdited ? undefined : cur.gen,
      notes: cur.notes,
      stick,
    };
  }
  if (info.kind === 'device') throw new UserError(`${target} is not a pillars stick`, { exitCode: EXIT.io });
  try {
    return { label: target, body: await readFile(target, 'utf8'), notes: [] };
  } catch (e) {
    throw new UserError(`cannot read ${target}: ${(e as Error).message}`, { exitCode: EXIT.io, cause: e });
  }
}

export { FLOPPY_KIB };
