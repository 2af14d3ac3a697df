import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  UNCONFIGURED_PREFIX,
  formatIssue,
  renderSafeRuleset,
  renderUnconfiguredMessage,
  type ConfigIssue,
} from '../../../overlay/supervisor/safe-state.js';

describe('UNCONFIGURED console message', () => {
  it.each<[ConfigIssue, string]>([
    [
      {
        file: 'pillars.yaml',
        line: 12,
        column: 3,
        path: 'vrrp.instances[0].priority',
        message: 'expected an integer 1..254',
      },
      'pillars.yaml:12:3: vrrp.instances[0].priority: expected an integer 1..254',
    ],
    [{ file: 'pillars.yaml', line: 4, message: 'unknown key "vrp"' }, 'pillars.yaml:4: unknown key "vrp"'],
    [{ line: 4, column: 1, message: 'bad indentation' }, 'line 4:1: bad indentation'],
    [
      { path: 'nodes', message: 'no node matches this machine (MACs 52:54:00:12:34:56)' },
      'nodes: no node matches this machine (MACs 52:54:00:12:34:56)',
    ],
    [{ message: 'file is empty' }, 'file is empty'],
  ])('formats %j', (issue, want) => expect(formatIssue(issue)).toBe(want));

  it('reason, then every issue sorted by position, then what the safe state means', () => {
    const lines = renderUnconfiguredMessage('invalid config on /dev/sdb1 (pillars.yaml)', [
      { file: 'pillars.yaml', line: 30, column: 5, message: 'b' },
      { message: 'no position' },
      { file: 'pillars.yaml', line: 2, column: 1, message: 'a' },
      { file: 'pillars.yaml', line: 30, column: 2, message: 'c\nwith a second line' },
    ]);
    expect(lines).toEqual([
      'pillars: UNCONFIGURED — invalid config on /dev/sdb1 (pillars.yaml)',
      'pillars:   pillars.yaml:2:1: a',
      'pillars:   pillars.yaml:30:2: c with a second line',
      'pillars:   pillars.yaml:30:5: b',
      'pillars:   no position',
      'pillars: safe state: all traffic dropped except loopback, no VIPs, no roles',
    ]);
  });

  it.each([
    'no config medium (no FAT device labelled PILLARS)',
    '2 media labelled PILLARS: /dev/sdb1, /dev/sdc1 — remove all but one',
  ])('without issues: %s', (reason) => {
    const lines = renderUnconfiguredMessage(reason);
    expect(lines[0]).toBe(UNCONFIGURED_PREFIX + reason);
    expect(lines).toHaveLength(2);
  });
});

describe('safe-state ruleset', () => {
  const rules = renderSafeRuleset();

  it('drops everything but loopback, for IPv4 and IPv6 and ARP', () => {
    expect(rules).toContain('flush ruleset');
    expect(rules).toContain('table inet pillars_safe');
    expect(rules).toContain('table arp pillars_safe');
    for (const hook of ['input', 'forward', 'output']) {
      expect(rules).toMatch(new RegExp(`type filter hook ${hook} priority filter; policy drop;`));
    }
    // The only accepts are loopback.
    const accepts = rules
      .split('\n')
      .filter((l) => /\baccept\b/.test(l))
      .map((l) => l.trim());
    expect(accepts).toEqual(['iifname "lo" accept', 'oifname "lo" accept']);
    expect(rules).not.toMatch(/policy accept/);
  });

  const nft = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((p) => spawnSync(p, ['--version']).status === 0);
  const dir = mkdtempSync(join(tmpdir(), 'pillars-safe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes the real checker (nft -c -f)', (ctx) => {
    if (!nft) {
      console.warn(
        'safe-state: nft is not installed on this host (Debian package nftables); skipping the nft -c check',
      );
      ctx.skip();
      return;
    }
    const file = join(dir, 'safe.nft');
    writeFileSync(file, rules);
    const r = spawnSync(nft, ['-c', '-f', file], { encoding: 'utf8' });
    if (r.status !== 0 && /Operation not permitted|Permission denied/.test(r.stderr)) {
      console.warn(`safe-state: nft -c needs CAP_NET_ADMIN here (${r.stderr.trim()}); skipping the nft -c check`);
      ctx.skip();
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    // The checker really checks: a broken ruleset is refused.
    const bad = join(dir, 'bad.nft');
    writeFileSync(bad, rules.replace('policy drop;', 'policy dorp;'));
    expect(spawnSync(nft, ['-c', '-f', bad], { encoding: 'utf8' }).status).not.toBe(0);
  });
});
