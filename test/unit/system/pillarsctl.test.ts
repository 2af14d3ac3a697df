import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../overlay/pillarsctl/args.js';

describe('pillarsctl arguments', () => {
  it.each([
    [['status'], { cmd: 'status', args: {}, json: false }],
    [['status', '--json'], { cmd: 'status', args: {}, json: true }],
    [['logs'], { cmd: 'logs', args: {}, json: false }],
    [['logs', 'netmon', '-n', '20'], { cmd: 'logs', args: { service: 'netmon', lines: 20 }, json: false }],
    [['reload'], { cmd: 'reload', args: {}, json: false }],
    [['reload', '/tmp/p.yaml'], { cmd: 'reload', args: { file: '/tmp/p.yaml' }, json: false }],
    [['save'], { cmd: 'save', args: {}, json: false }],
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
    [['reload', 'a', 'b']],
    [['status', '--bogus']],
    [['logs', 'a', 'b']],
    [['logs', '-n']],
  ])('rejects %j', (argv) => {
    expect(parseArgs(argv)).toHaveProperty('error');
  });
});
