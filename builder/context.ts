/** The one object every build stage gets: where things go, what is built, how to log and spawn. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from './log.js';
import type { Runner } from './exec.js';
import type { Profile } from './profile.js';
import { DEFAULT_SOURCE_DATE_EPOCH } from './plan.js';
import { projectRoot } from './version.js';

export interface BuildContext {
  readonly profile: Profile;
  /** Final artifacts land here (out/<profile>/), moved in only when every stage succeeded. */
  readonly outDir: string;
  /** Scratch space of this build; removed at the end. */
  readonly workDir: string;
  /** Reused across builds: apt downloads, rootfs tars, base initramfs archives. */
  readonly cacheDir: string;
  readonly projectRoot: string;
  readonly sourceDateEpoch: number;
  readonly log: Logger;
  readonly run: Runner;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PILLARS_CACHE) return resolve(env.PILLARS_CACHE);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'pillars');
  return join(homedir(), '.cache', 'pillars');
}

export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.SOURCE_DATE_EPOCH;
  if (v && /^\d+$/.test(v)) return Number(v);
  return DEFAULT_SOURCE_DATE_EPOCH;
}

export { projectRoot };
