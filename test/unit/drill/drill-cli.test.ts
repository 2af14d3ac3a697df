import { describe, expect, it } from 'vitest';
import { drillOptions, passes, timersLabel } from '../../../builder/commands/drill.js';
import { summarize } from '../../../builder/drill/report.js';
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

  it('--baseline drills the stock timers next to ours; stock alone is a timer set too', () => {
    expect(drillOptions(['--baseline', '--timers', 'fast'])).toMatchObject({ baseline: true, timers: 'fast' });
    expect(drillOptions(['--timers', 'stock'])).toMatchObject({ timers: 'stock' });
    expect(drillOptions(['--baseline', '--failover', 'carp'])).toMatchObject({ baseline: true, failover: 'carp' });
    expect(drillOptions(['--baseline', '--profile', 'heartbeat'])).toMatchObject({ baseline: true, timers: 'fast' });
    expect(usageError(['--baseline', '--timers', 'stock']).message).toMatch(/pick --timers default or fast/);
    expect(usageError(['--profile', 'heartbeat', '--baseline', '--timers', 'stock']).message).toMatch(
      /pick --timers default or fast/,
    );
    expect(usageError(['--timers', 'slow']).message).toBe("--timers must be stock, default, fast, got 'slow'");
  });

  it('names the timers each side of a comparison ran', () => {
    expect(timersLabel({ profile: 'router', timers: 'fast', failover: 'vrrp' })).toBe('pillars VRRPv3, 20 ms adverts');
    expect(timersLabel({ profile: 'router', timers: 'stock', failover: 'vrrp' })).toBe(
      'stock keepalived (VRRPv2, 1 s adverts)',
    );
    expect(timersLabel({ profile: 'router', timers: 'default', failover: 'carp' })).toMatch(/advskew 0 and 20/);
    expect(timersLabel({ profile: 'heartbeat', timers: 'stock', failover: 'vrrp' })).toBe(
      'stock heartbeat (keepalive 1 s, deadtime 30 s)',
    );
    expect(timersLabel({ profile: 'heartbeat', timers: 'fast', failover: 'vrrp' })).toBe(
      'pillars fast (keepalive 150 ms, deadtime 600 ms)',
    );
  });

  it('only ours is held to the bar, a lost record or connection fails it', () => {
    const report = (ms: number[], extra: object = {}) => ({
      ...summarize(
        'poweroff',
        'router',
        ms.map((failover_ms) => ({ failover_ms, lost_probes: 0, ...extra })),
      ),
    });
    expect(passes({ profile: 'router', scenario: 'poweroff' }, report([120, 4999]))).toBe(true);
    expect(passes({ profile: 'router', scenario: 'poweroff' }, report([120, 5000]))).toBe(false);
    expect(
      passes(
        { profile: 'firewall', scenario: 'poweroff' },
        report([300], { connections: { survived: 39, total: 40, resets: 0 } }),
      ),
    ).toBe(false);
    expect(passes({ profile: 'heartbeat', scenario: 'linkdown' }, report([0]))).toBe(true);
    expect(passes({ profile: 'heartbeat', scenario: 'linkdown' }, report([900]))).toBe(false);
    const lost = summarize('poweroff', 'heartbeat', [{ failover_ms: 1500, lost_probes: 1 }]);
    expect(passes({ profile: 'heartbeat', scenario: 'poweroff' }, lost)).toBe(false);
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
