import { describe, expect, it } from 'vitest';
import { drillOptions } from '../../../builder/commands/drill.js';
import { UserError, EXIT } from '../../../builder/errors.js';

function usageError(argv: string[]): UserError {
  try {
    drillOptions(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(EXIT.usage);
    return e as UserError;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
}

describe('pillars drill options', () => {
  it('defaults: a router VRRP pair, poweroff, 3 runs, default timers', () => {
    expect(drillOptions([])).toEqual({
      profile: 'router',
      runs: 3,
      scenario: 'poweroff',
      timers: 'default',
      failover: 'vrrp',
      json: false,
    });
  });

  it('CARP pairs on the router profile', () => {
    expect(drillOptions(['--failover', 'carp', '--scenario', 'linkdown', '-n', '2', '--json'])).toMatchObject({
      failover: 'carp',
      scenario: 'linkdown',
      runs: 2,
      json: true,
    });
  });

  it('--bfd: keepalived BFD on the sync link, VRRP pairs only', () => {
    expect(drillOptions(['--timers', 'fast', '--bfd'])).toMatchObject({ timers: 'fast', bfd: true });
    expect(usageError(['--bfd', '--failover', 'carp']).message).toMatch(/--bfd is for VRRP/);
    expect(usageError(['--bfd', '--profile', 'heartbeat']).message).toMatch(/--bfd is for VRRP pairs/);
  });

  it('says what is wrong with bad options', () => {
    expect(usageError(['--failover', 'hsrp']).message).toBe("--failover must be vrrp or carp, got 'hsrp'");
    expect(usageError(['--failover', 'carp', '--profile', 'director']).message).toMatch(
      /--failover carp needs --profile router/,
    );
    expect(usageError(['--failover', 'carp', '--scenario', 'crash']).message).toMatch(/crash is for VRRP/);
    expect(usageError(['--failover', 'carp', '--timers', 'fast']).message).toMatch(/CARP adverts are whole seconds/);
    expect(usageError(['--runs', '0']).message).toBe("--runs must be a whole number from 1 to 100, got '0'");
    expect(usageError(['--scenario', 'meteor']).message).toMatch(/--scenario must be one of poweroff/);
  });

  it('the heartbeat pair: fast timers by default, auto_failback off unless asked, no CARP', () => {
    expect(drillOptions(['--profile', 'heartbeat'])).toEqual({
      profile: 'heartbeat',
      runs: 3,
      scenario: 'poweroff',
      timers: 'fast',
      failover: 'vrrp',
      autoFailback: false,
      json: false,
    });
    expect(
      drillOptions(['--profile', 'heartbeat', '--timers', 'default', '--auto-failback', '-s', 'linkdown']),
    ).toMatchObject({ timers: 'default', autoFailback: true, scenario: 'linkdown' });
    expect(usageError(['--profile', 'heartbeat', '--scenario', 'meteor']).message).toMatch(
      /one of poweroff, crash, linkdown, partition with --profile heartbeat/,
    );
    expect(drillOptions(['--profile', 'heartbeat', '-s', 'partition'])).toMatchObject({ scenario: 'partition' });
    expect(usageError(['--profile', 'heartbeat', '--failover', 'carp']).message).toMatch(/heartbeat is the failover/);
    expect(usageError(['--auto-failback']).message).toMatch(/--auto-failback is for --profile heartbeat/);
  });
});
