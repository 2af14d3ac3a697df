/**
 * The pillars supervisor: the appliance's brain, started (and respawned) by PID 1.
 * Boot: mount the basics, then announce readiness on the console.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { systemConsole } from '../system/console.js';

const BASIC_MOUNTS: ReadonlyArray<{ type: string; source: string; target: string; options?: string }> = [
  { type: 'proc', source: 'proc', target: '/proc' },
  { type: 'sysfs', source: 'sysfs', target: '/sys' },
  { type: 'devtmpfs', source: 'devtmpfs', target: '/dev' },
  { type: 'tmpfs', source: 'tmpfs', target: '/run', options: 'mode=0755,nosuid,nodev' },
  { type: 'tmpfs', source: 'tmpfs', target: '/tmp', options: 'mode=1777,nosuid,nodev' },
];

function mounted(target: string): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === target);
  } catch {
    return false;
  }
}

function mountBasics(): void {
  for (const m of BASIC_MOUNTS) {
    if (mounted(m.target)) continue;
    if (!existsSync(m.target)) mkdirSync(m.target, { recursive: true });
    const args = ['mount', '-t', m.type, ...(m.options ? ['-o', m.options] : []), m.source, m.target];
    const r = spawnSync('/usr/bin/busybox', args, { stdio: 'inherit' });
    if (r.status !== 0) process.stderr.write(`pillars: mount ${m.type} on ${m.target} failed\n`);
  }
}

function uptimeSeconds(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

function main(): void {
  mountBasics();
  const console = systemConsole();
  console.line(`pillars: ready in ${uptimeSeconds().toFixed(2)}s`);
  // Stay alive as the supervisor; roles are added by later stages of boot.
  setInterval(() => undefined, 1 << 30);
}

main();
