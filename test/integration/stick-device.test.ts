/**
 * `pillars stick init` on a real block device, as an admin runs it on a USB stick: a loop device
 * stands in for the stick (it is a block device the kernel reports as not removable, like a fixed
 * disk). init refuses it without --force, formats it with --force, and the stick commands then
 * read, change and validate the config on the device. Needs root (losetup).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../builder/exec.js';
import { root } from './image.js';

const asRoot = process.getuid?.() === 0;
const pillars = (...args: string[]) =>
  run(process.execPath, [join(root, 'bin', 'pillars.mjs'), ...args], { allowFailure: true, timeoutMs: 120_000 });

describe.skipIf(!asRoot)('pillars stick on a block device (loop device)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pillars-stick-dev-'));
  const file = join(dir, 'stick.raw');
  let dev = '';

  beforeAll(async () => {
    writeFileSync(file, '');
    truncateSync(file, 64 * 1024 * 1024);
    dev = (await run('losetup', ['--find', '--show', file])).stdout.trim();
    expect(dev).toMatch(/^\/dev\/loop\d+$/);
  });

  afterAll(async () => {
    if (dev) await run('losetup', ['--detach', dev], { allowFailure: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('init refuses a device that is not removable, and says how to insist', async () => {
    const r = await pillars('stick', 'init', dev, '--profile', 'router');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dev} is not a removable device; refusing to format it`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a clear message, no stack trace
  });

  it('init --force makes a PILLARS stick with the starter config; the stick commands work on it', async () => {
    const init = await pillars('stick', 'init', dev, '--profile', 'router', '--force');
    expect(init.code, init.stderr).toBe(0);
    expect((await run('blkid', ['-o', 'export', dev])).stdout).toMatch(/LABEL=PILLARS/);
    const v = await pillars('stick', '-s', dev, 'validate');
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const set = await pillars('stick', '-s', dev, 'set', 'vrrp.instances[0].priority.r1', '201');
    expect(set.code, set.stderr).toBe(0);
    expect((await pillars('stick', '-s', dev, 'get', 'vrrp.instances[0].priority.r1')).stdout.trim()).toBe('201');
    const h = await pillars('stick', '-s', dev, 'history');
    expect(h.code).toBe(0);
    expect(h.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(2);
    // A second init without --force refuses: the device is a stick now, but not empty of history.
    expect((await pillars('stick', 'init', dev, '--profile', 'router')).code).not.toBe(0);
  });
});
