/** manifest.json: what was built from what — profile, suite, every package version, artifact hashes. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../../overlay/config/hash.js';
import type { SizeReport } from './sizes.js';

export interface Artifact {
  path: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  pillars: string;
  profile: string;
  roles: readonly string[];
  debian: { suite: string; mirrors: readonly string[] };
  kernel: { version: string; package: string; modules: number };
  sourceDateEpoch: number;
  inputs: { rootfs: string; kernel: string; base: string; overlay: string };
  packages: Record<string, string>;
  artifacts: Artifact[];
  /** Where the unpacked initramfs bytes go, per package and per directory. */
  sizes?: SizeReport;
}

export async function describeArtifacts(dir: string, paths: readonly string[]): Promise<Artifact[]> {
  const out: Artifact[] = [];
  for (const p of [...paths].sort()) {
    const full = join(dir, p);
    out.push({ path: p, bytes: (await stat(full)).size, sha256: await sha256File(full) });
  }
  return out;
}
