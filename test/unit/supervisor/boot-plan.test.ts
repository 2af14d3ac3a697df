import { describe, expect, it } from 'vitest';
import {
  formatStepResult,
  parseMounts,
  planEarlyBoot,
  runBootPlan,
  type BootStep,
} from '../../../overlay/supervisor/boot-plan.js';

describe('planEarlyBoot', () => {
  it('mounts the basics in order, each with a description and a mount argv', () => {
    const plan = planEarlyBoot();
    expect(plan.map((s) => s.describe())).toEqual([
      'mount proc on /proc (nosuid,nodev,noexec)',
      'mount sysfs on /sys (nosuid,nodev,noexec)',
      'mount devtmpfs on /dev (nosuid,mode=0755)',
      'create directory /dev/pts',
      'mount devpts on /dev/pts (nosuid,noexec,gid=5,mode=0620,ptmxmode=0666)',
      'create directory /dev/shm',
      'mount tmpfs on /dev/shm (nosuid,nodev,mode=1777)',
      'link /dev/fd → /proc/self/fd',
      'link /dev/stdin → /proc/self/fd/0',
      'link /dev/stdout → /proc/self/fd/1',
      'link /dev/stderr → /proc/self/fd/2',
      'mount tmpfs on /run (nosuid,nodev,mode=0755)',
      'create directory /run/pillars',
      'create directory /run/lock',
      'mount tmpfs on /run/lock (nosuid,nodev,noexec,size=5120k,mode=1777)',
      'mount tmpfs on /tmp (nosuid,nodev,mode=1777)',
      'mount cgroup2 on /sys/fs/cgroup (nosuid,nodev,noexec)',
      'load modules for present hardware (modalias)',
    ]);
    const proc = plan[0]!;
    expect(proc.kind === 'mount' && proc.command).toEqual([
      'mount',
      '-t',
      'proc',
      '-o',
      'nosuid,nodev,noexec',
      'proc',
      '/proc',
    ]);
  });

  it.each([
    ['/proc', true],
    ['/sys', true],
    ['/dev', true],
    ['/run', true],
    ['/tmp', true],
    ['/dev/pts', false],
    ['/dev/shm', false],
    ['/sys/fs/cgroup', false],
  ])('mount on %s required: %s', (target, required) => {
    const s = planEarlyBoot().find((st) => st.kind === 'mount' && st.mount.target === target)!;
    expect(s.required).toBe(required);
  });

  it('options: no cgroup, no modules, a hostname', () => {
    const plan = planEarlyBoot({ cgroup: false, modules: false, hostname: 'lb1' });
    expect(plan.some((s) => s.id === 'mount:/sys/fs/cgroup' || s.id === 'modules')).toBe(false);
    expect(plan.at(-1)!.describe()).toBe('set hostname to lb1');
  });

  it('marks what is already mounted (after a supervisor restart)', () => {
    const mounted = parseMounts(
      'proc /proc proc rw,nosuid 0 0\ntmpfs /run tmpfs rw 0 0\n/dev/sdb1 /media/my\\040stick vfat ro 0 0\n',
    );
    expect(mounted[2]!.target).toBe('/media/my stick');
    const plan = planEarlyBoot({ mounted });
    expect(plan.filter((s) => s.already).map((s) => s.id)).toEqual(['mount:/proc', 'mount:/run']);
  });
});

describe('runBootPlan', () => {
  const steps = planEarlyBoot({ mounted: parseMounts('proc /proc proc rw 0 0') });
  const failing = (fail: Record<string, string>) => ({
    ran: [] as string[],
    async run(step: BootStep) {
      this.ran.push(step.id);
      if (fail[step.id]) throw new Error(fail[step.id]);
    },
  });

  it('all good → ok, already-done steps skipped', async () => {
    const exec = failing({});
    const lines: string[] = [];
    const r = await runBootPlan(steps, exec, { log: (l) => lines.push(l), now: () => 0 });
    expect(r.ok).toBe(true);
    expect(exec.ran).not.toContain('mount:/proc');
    expect(lines[0]).toBe('- mount proc on /proc (nosuid,nodev,noexec) (already mounted)');
    expect(lines[1]).toBe('✓ mount sysfs on /sys (nosuid,nodev,noexec)');
  });

  it.each([
    [
      { 'mount:/dev/pts': 'ENODEV' },
      true,
      [],
      ['mount devpts on /dev/pts (nosuid,noexec,gid=5,mode=0620,ptmxmode=0666): ENODEV'],
    ],
    [{ 'mount:/run': 'ENOMEM' }, false, ['mount tmpfs on /run (nosuid,nodev,mode=0755): ENOMEM'], []],
  ])('failures %j → ok %s', async (fail, ok, failures, warnings) => {
    const exec = failing(fail);
    const r = await runBootPlan(steps, exec, { now: () => 0 });
    expect(r.ok).toBe(ok);
    expect(r.failures).toEqual(failures);
    expect(r.warnings).toEqual(warnings);
    // Later steps still run after a failure.
    expect(exec.ran.at(-1)).toBe('modules');
  });

  it('formats each outcome', () => {
    const step = steps[1]!;
    expect(formatStepResult({ step, outcome: 'failed', error: 'EPERM', ms: 1 })).toBe(
      '✗ mount sysfs on /sys (nosuid,nodev,noexec): EPERM (required)',
    );
    expect(formatStepResult({ step, outcome: 'warned', error: 'EPERM', ms: 1 })).toBe(
      '! mount sysfs on /sys (nosuid,nodev,noexec): EPERM (optional, continuing)',
    );
  });
});
