import { describe, expect, it } from 'vitest';
import { compileMatcher, excludePaths } from '../../../builder/archive/match.js';
import { file, hardlink } from './helpers.js';

describe('path patterns', () => {
  const strip = compileMatcher([
    'usr/share/doc/**',
    '!usr/share/doc/*/copyright',
    'usr/share/locale/**',
    'usr/lib/x86_64-linux-gnu/perl/**',
    '**/*.pyc',
    'usr/share/man/man?',
    'etc/{cron.daily,cron.weekly}/**',
  ]);
  it.each([
    ['usr/share/doc', true],
    ['usr/share/doc/bash/README', true],
    ['usr/share/doc/bash/copyright', false],
    ['usr/share/docs', false],
    ['usr/share/locale/de/LC_MESSAGES/x.mo', true],
    ['usr/lib/x86_64-linux-gnu/perl/5.36/Config.pm', true],
    ['usr/lib/x86_64-linux-gnu/perl-base/x', false],
    ['a.pyc', true],
    ['usr/lib/python3/x/__pycache__/y.pyc', true],
    ['usr/lib/python3/y.py', false],
    ['usr/share/man/man1', true],
    ['usr/share/man/man1/ls.1.gz', false],
    ['etc/cron.daily/logrotate', true],
    ['etc/cron.hourly/x', false],
  ])('%s → strip=%s', (path, want) => expect(strip(path)).toBe(want));

  it('excludePaths keeps hardlink data when the anchor is stripped', () => {
    const out = excludePaths(
      [file('usr/share/doc/x', 'DATA'), hardlink('usr/bin/x', 'usr/share/doc/x')],
      ['usr/share/doc/**'],
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ path: 'usr/bin/x', type: 'file' });
    expect(out[0]?.body?.toString()).toBe('DATA');
  });
});
