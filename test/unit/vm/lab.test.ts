/** The lab's effects with a fake runner: what it runs, in which order, and what it never touches. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CommandError, type Runner } from '../../../builder/exec.js';
import { Lab } from '../../../builder/vm/lab.js';

function fakeRunner(fail?: (line: string) => boolean) {
  const lines: string[] = [];
  const runner: Runner = async (cmd, args) => {
    const line = [cmd, ...args].join(' ');
    lines.push(line);
    if (fail?.(line)) throw new CommandError(line, 1, 'Cannot create namespace file: File exists');
    return { code: 0, stdout: '', stderr: '' };
  };
  return { lines, runner };
}

const spec = { segments: [{ name: 'lan' }], hosts: [{ name: 'client', nics: [{ segment: 'lan' }] }] };

describe('lab lifecycle (fake runner)', () => {
  it('builds from the plan, then tears down host namespaces, then the lab namespace; dispose is idempotent', async () => {
    const { lines, runner } = fakeRunner();
    const lab = await Lab.create(spec, { id: 'ab12', run: runner, handleSignals: false });
    expect(lines[0]).toBe('ip netns add pillars-lab-ab12');
    expect(existsSync(lab.dir)).toBe(true);
    const before = lines.length;
    await lab.dispose();
    await (lab as unknown as { [Symbol.asyncDispose](): Promise<void> })[Symbol.asyncDispose]();
    const teardown = lines.slice(before).filter((l) => l.startsWith('ip netns delete'));
    expect(teardown).toEqual(['ip netns delete pillars-lab-ab12-client', 'ip netns delete pillars-lab-ab12']);
    expect(lines.slice(before).filter((l) => l.startsWith('ip netns pids'))).toHaveLength(2);
    expect(existsSync(lab.dir)).toBe(false);
    await expect(lab.startVm({ name: 'x', boot: { kind: 'cdrom', iso: '/x' }, nics: [] })).rejects.toThrow(/disposed/);
  });

  it('a failed setup removes what it created and never deletes a namespace it did not create', async () => {
    const { lines, runner } = fakeRunner((l) => l === 'ip netns add pillars-lab-ab12-client');
    await expect(Lab.create(spec, { id: 'ab12', run: runner, handleSignals: false })).rejects.toThrow(/File exists/);
    expect(lines).toContain('ip netns delete pillars-lab-ab12');
    expect(lines).not.toContain('ip netns delete pillars-lab-ab12-client');
  });

  it('an id clash deletes nothing', async () => {
    const { lines, runner } = fakeRunner((l) => l === 'ip netns add pillars-lab-ab12');
    await expect(Lab.create(spec, { id: 'ab12', run: runner, handleSignals: false })).rejects.toThrow();
    expect(lines.filter((l) => l.includes('delete'))).toEqual([]);
  });

  it('partitions by rendering the whole ruleset; heal of one pair keeps the others', async () => {
    const inputs: string[] = [];
    const runner: Runner = async (_cmd, _args, opts) => {
      if (typeof opts?.input === 'string') inputs.push(opts.input);
      return { code: 0, stdout: '', stderr: '' };
    };
    const lab = await Lab.create(
      { segments: [{ name: 'lan' }], hosts: ['a', 'b', 'c'].map((name) => ({ name, nics: [{ segment: 'lan' }] })) },
      { id: 'ab12', run: runner, handleSignals: false },
    );
    await lab.partition('a', 'b');
    await lab.partition('a', 'c');
    await lab.partition('c', 'a'); // the same cut again (either order) adds nothing
    expect(inputs.at(-1)!.match(/drop/g)).toHaveLength(4);
    await lab.heal('b', 'a');
    const last = inputs.at(-1)!;
    expect(last).not.toContain('pillars-ab12-v1');
    expect(last).toContain('iifname "pillars-ab12-v0" oifname "pillars-ab12-v2" drop');
    await lab.heal();
    expect(inputs.at(-1)).not.toContain('drop');
    await lab.dispose();
  });
});
