import { describe, expect, it } from 'vitest';
import { parseArgs, SAVE_EXIT, USAGE } from '../../../overlay/pillarsctl/args.js';

describe('pillarsctl arguments', () => {
  it.each([
    [['status'], { cmd: 'status', args: {}, json: false }],
    [['status', '--json'], { cmd: 'status', args: {}, json: true }],
    [['logs'], { cmd: 'logs', args: {}, json: false }],
    [['logs', 'netmon', '-n', '20'], { cmd: 'logs', args: { service: 'netmon', lines: 20 }, json: false }],
    [['reload'], { cmd: 'reload', args: {}, json: false }],
    [['reload', '/tmp/p.yaml'], { cmd: 'reload', args: { file: '/tmp/p.yaml' }, json: false }],
    [['save'], { cmd: 'save', args: {}, json: false }],
    [['save', '--peer'], { cmd: 'save', args: { peer: true }, json: false }],
    [['save', '--peer', '--force', '--json'], { cmd: 'save', args: { peer: true, force: true }, json: true }],
    [['poweroff'], { cmd: 'poweroff', args: {}, json: false }],
    [['reboot'], { cmd: 'reboot', args: {}, json: false }],
    [
      ['logs', '-n', '5', 'keepalived', '--json'],
      { cmd: 'logs', args: { service: 'keepalived', lines: 5 }, json: true },
    ],
  ])('%j', (argv, want) => {
    expect(parseArgs(argv)).toEqual(want);
  });

  it.each([
    [[]],
    [['frobnicate']],
    [['status', 'x']],
    [['logs', '-n', '0']],
    [['save', 'now']],
    [['save', '--peers']],
    [['reload', '--peer']],
    [['reload', 'a', 'b']],
    [['status', '--bogus']],
    [['logs', 'a', 'b']],
    [['logs', '-n']],
  ])('rejects %j', (argv) => {
    expect(parseArgs(argv)).toHaveProperty('error');
  });

  it('--help covers save --peer and --force, and a save that did not reach the peer or met a conflict does not exit 0', () => {
    expect(USAGE).toMatch(/^ {2}save \[--peer\] \[--force\] /m);
    expect(USAGE).toMatch(/save: 4 saved here, the peer not reached/);
    expect([SAVE_EXIT.synced, SAVE_EXIT.equal]).toEqual([0, 0]);
    const failures = [SAVE_EXIT['not-reached'], SAVE_EXIT.conflict, SAVE_EXIT.refused];
    expect(new Set([...failures, 0, 1, 2, 3]).size).toBe(7);
  });
});

describe('pillarsctl reload --confirm and confirm', () => {
  it.each([
    [['reload', '--confirm', '5'], { cmd: 'reload', args: { confirm: { minutes: 5 } }, json: false }],
    [
      ['reload', '/tmp/p.yaml', '--confirm', '60'],
      { cmd: 'reload', args: { file: '/tmp/p.yaml', confirm: { minutes: 60 } }, json: false },
    ],
    // Seconds: parsed here, accepted only by a box booted for tests.
    [['reload', '--confirm', '20s'], { cmd: 'reload', args: { confirm: { seconds: 20 } }, json: false }],
    [['confirm'], { cmd: 'confirm', args: {}, json: false }],
    [['confirm', '--json'], { cmd: 'confirm', args: {}, json: true }],
  ])('%j', (argv, want) => {
    expect(parseArgs(argv)).toEqual(want);
  });

  it.each([
    [['reload', '--confirm', '0'], '--confirm MINUTES must be from 1 to 60, got 0'],
    [['reload', '--confirm', '61'], '--confirm MINUTES must be from 1 to 60, got 61'],
    [['reload', '--confirm', '1.5'], '--confirm needs MINUTES, a whole number from 1 to 60, got "1.5"'],
    [['reload', '--confirm', 'soon'], '--confirm needs MINUTES, a whole number from 1 to 60, got "soon"'],
    [['reload', '--confirm'], "Option '--confirm <value>' argument missing"],
    [['confirm', 'now'], expect.stringMatching(/^confirm takes no arguments/)],
  ])('rejects %j', (argv, error) => {
    expect(parseArgs(argv)).toEqual({ error });
  });
});
