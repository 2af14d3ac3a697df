import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { earlyMountsScript } from '../../../builder/stages/early-mounts.js';
import { planEarlyBoot } from '../../../overlay/supervisor/boot-plan.js';
import { projectRoot } from '../../../builder/version.js';

describe('early-mounts script (busybox init runs it before the supervisor)', () => {
  it("mounts what the supervisor's cold-boot plan mounts, in the plan's order, with its options", async () => {
    const script = await earlyMountsScript(projectRoot);
    const mounts = script
      .split('\n')
      .filter((l) => l.startsWith('busybox mount '))
      .map((l) => l.replace(/^busybox /, '').replace(/ 2>\/dev\/null$/, ''));
    const plan = planEarlyBoot({ modules: false }).filter((s) => s.kind === 'mount');
    expect(mounts).toEqual(plan.map((s) => (s.kind === 'mount' ? s.command.join(' ') : '')));
    expect(mounts[0]).toBe('mount -t proc -o nosuid,nodev,noexec proc /proc');
    expect(mounts).toContain('mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp');
  });

  it('creates each mount point the plan creates before mounting on it, with its mode', async () => {
    const lines = (await earlyMountsScript(projectRoot)).split('\n');
    const mkdirPts = lines.indexOf('busybox mkdir -p -m 755 /dev/pts 2>/dev/null');
    const mountPts = lines.findIndex((l) => l.startsWith('busybox mount ') && l.includes(' /dev/pts 2>'));
    expect(mkdirPts).toBeGreaterThan(lines.findIndex((l) => l.includes(' devtmpfs /dev 2>')));
    expect(mountPts).toBeGreaterThan(mkdirPts);
    expect(lines).toContain('busybox mkdir -p -m 1777 /dev/shm 2>/dev/null');
    expect(lines).toContain('busybox mkdir -p -m 700 /run/pillars 2>/dev/null');
  });

  it('leaves modules and the hostname to the supervisor, and never fails the boot', async () => {
    const script = await earlyMountsScript(projectRoot);
    expect(script).not.toMatch(/modprobe|hostname/);
    expect(script.startsWith('#!/usr/bin/busybox sh\n')).toBe(true);
    expect(script.trimEnd().endsWith('exit 0')).toBe(true);
  });

  it('is a script the shell accepts (sh -n)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pillars-early-'));
    try {
      const file = join(dir, 'early-mounts');
      writeFileSync(file, await earlyMountsScript(projectRoot));
      expect(() => execFileSync('busybox', ['sh', '-n', file], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
