import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STICK_WAIT_MS,
  SLOW_STICK_WAIT_MS,
  describeLocator,
  parseCmdline,
  parseConfigLocator,
  tokenizeCmdline,
} from '../../../overlay/supervisor/cmdline.js';

describe('tokenizeCmdline', () => {
  it.each([
    ['a b  c\n', ['a', 'b', 'c']],
    ['foo="bar baz" x', ['foo=bar baz', 'x']],
    ['"pillars.config=LABEL=MY STICK" quiet', ['pillars.config=LABEL=MY STICK', 'quiet']],
    ['', []],
    ['x=""', ['x=']],
  ])('%j → %j', (text, want) => expect(tokenizeCmdline(text)).toEqual(want));
});

describe('parseConfigLocator', () => {
  it.each([
    ['LABEL=PILLARS', { kind: 'label', label: 'PILLARS' }],
    ['label=pillars', { kind: 'label', label: 'pillars' }],
    ['UUID=1234-ABCD', { kind: 'uuid', uuid: '1234-ABCD' }],
    ['/dev/sdb1', { kind: 'device', path: '/dev/sdb1' }],
    ['/dev/disk/by-label/PILLARS', { kind: 'device', path: '/dev/disk/by-label/PILLARS' }],
    ['none', { kind: 'none' }],
  ])('%s', (raw, want) => {
    expect(parseConfigLocator(raw)).toEqual(want);
    expect(describeLocator(parseConfigLocator(raw)).toLowerCase()).toBe(raw.toLowerCase());
  });
  it.each(['sdb1', '/dev/../etc/passwd', 'LABEL=', 'http://x'])('%s is invalid', (raw) => {
    const loc = parseConfigLocator(raw);
    expect(loc.kind).toBe('invalid');
    expect(loc.kind === 'invalid' && loc.message).toContain('expected LABEL=NAME, UUID=ID, /dev/DEVICE or none');
  });
});

describe('parseCmdline', () => {
  it('a typical production line', () => {
    const p = parseCmdline(
      'BOOT_IMAGE=/vmlinuz console=tty0 console=ttyS0,115200n8 quiet pillars.config=LABEL=PILLARS\n',
    );
    expect(p).toEqual({
      config: { kind: 'label', label: 'PILLARS' },
      stickWaitMs: DEFAULT_STICK_WAIT_MS,
      slowStick: false,
      consoles: ['tty0', 'ttyS0,115200n8'],
      consoleDevices: ['/dev/tty0', '/dev/ttyS0'],
      debug: false,
      test: [],
      warnings: [],
    });
  });

  it.each([
    ['', DEFAULT_STICK_WAIT_MS],
    ['pillars.slowstick', SLOW_STICK_WAIT_MS],
    ['pillars.stickwait=12', 12_000],
    ['pillars.stickwait=0.5', 500],
    ['pillars.slowstick pillars.stickwait=60', 60_000],
    ['pillars.stickwait=abc', DEFAULT_STICK_WAIT_MS],
    ['pillars.stickwait=-1', DEFAULT_STICK_WAIT_MS],
    ['pillars.stickwait=', DEFAULT_STICK_WAIT_MS],
  ])('%j → stick wait %i ms', (line, ms) => expect(parseCmdline(line).stickWaitMs).toBe(ms));

  it.each([
    ['pillars.node=lb1', { node: 'lb1' }],
    ['pillars.debug', { debug: true }],
    ['pillars.debug=0', { debug: false }],
    ['pillars.test=ctl-serial,fast pillars.test=fast', { test: ['ctl-serial', 'fast'] }],
    ['pillars.config=none', { config: { kind: 'none' } }],
    ['pillars.config', { config: { kind: 'invalid', raw: '', message: 'pillars.config needs a value' } }],
  ])('%j', (line, want) => expect(parseCmdline(line)).toMatchObject(want));

  it.each([
    ['pillars.conifg=LABEL=X', /unknown kernel parameter pillars\.conifg/],
    ['pillars.node=../x', /not a node name/],
    ['pillars.stickwait=9999', /expected seconds between 0 and 600/],
  ])('%j warns', (line, re) => {
    const p = parseCmdline(line);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatch(re);
  });

  it('ignores foreign parameters silently', () => {
    expect(parseCmdline('root=/dev/ram0 init=/init rw mitigations=off').warnings).toEqual([]);
  });
});
