/**
 * Global setup of the integration tests: build the director, router, realserver and firewall
 * images (the director lab boots its LVS-TUN backend from the realserver image) with the real
 * pipeline. The build is incremental, so when nothing changed this takes seconds.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { outRoot, root, testProfiles } from './image.js';

export default function setup(): void {
  for (const profile of testProfiles()) {
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin', 'pillars.mjs'), 'build', '--profile', profile, '--out', outRoot],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error(`pillars build --profile ${profile} failed (exit ${r.status})`);
  }
}
