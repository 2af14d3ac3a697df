import { describe, expect, it } from 'vitest';
import { parseCli } from '../../../builder/commands/args.js';
import { UserError } from '../../../builder/errors.js';

const OPTS = { json: { type: 'boolean' }, size: { type: 'string' }, stick: { type: 'string', short: 's' } } as const;

function usageError(argv: string[]): UserError {
  try {
    parseCli(argv, OPTS, 'usage: x');
  } catch (e) {
    return e as UserError;
  }
  throw new Error('no error');
}

describe('the command-line parser', () => {
  it('takes long, short and --name=value options anywhere', () => {
    expect(parseCli(['set', '-s', 'a.img', 'x', '--json', '--size=4'], OPTS, 'usage: x')).toEqual({
      values: { stick: 'a.img', json: true, size: '4' },
      positionals: ['set', 'x'],
    });
  });

  it('negative numbers are values, not options', () => {
    expect(parseCli(['set', 'x', '-5', '--size', '-1.5'], OPTS, 'usage: x')).toEqual({
      values: { size: '-1.5' },
      positionals: ['set', 'x', '-5'],
    });
  });

  it('everything after -- is positional', () => {
    expect(parseCli(['--', '--json', '-s'], OPTS, 'usage: x').positionals).toEqual(['--json', '-s']);
  });

  it.each([
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['-q'], 'unknown option -q'],
    [['--stick'], '--stick needs a value'],
    [['--json=yes'], '--json takes no value'],
  ])('%j is a usage error: %s', (argv, message) => {
    const e = usageError(argv);
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(message);
    expect(e.exitCode).toBe(2);
    expect(e.hint).toBe('usage: x');
  });
});
