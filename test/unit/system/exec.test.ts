import { describe, expect, it } from 'vitest';
import { describeFailure, exec, execOk } from '../../../overlay/system/exec.js';

describe('exec (the in-image spawn site)', () => {
  it('collects output and the exit code', async () => {
    expect(await exec(['sh', '-c', 'echo out; echo err >&2; exit 3'])).toEqual({
      code: 3,
      stdout: 'out\n',
      stderr: 'err\n',
    });
  });

  it('does not wait for a daemon the program left behind holding its pipes', async () => {
    const t0 = Date.now();
    const r = await exec(['sh', '-c', 'echo hi; (sleep 5 &); exit 0']);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(4500);
  });

  it('a timeout kills the whole process group', async () => {
    const r = await exec(['sh', '-c', 'sleep 20; echo never'], { timeoutMs: 300 });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });

  it('a missing program is exit 127; execOk names the command', async () => {
    expect((await exec(['/nonexistent/prog'])).code).toBe(127);
    await expect(execOk(['sh', '-c', 'echo bad >&2; exit 2'])).rejects.toThrow(
      'sh -c echo bad >&2; exit 2: exit 2: bad',
    );
    expect(describeFailure(['x'], { code: 1, stdout: '', stderr: '' })).toBe('x: exit 1');
  });
});
