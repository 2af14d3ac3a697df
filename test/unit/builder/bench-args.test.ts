/** The bench's command line: --help, and clear usage errors instead of a run with a typo. */
import { describe, expect, it } from 'vitest';
import { fastSetLabel, parseBenchArgs, parseFastSets, UsageError, USAGE } from '../../../bench/run.js';

describe('npm run bench -- arguments', () => {
  it('--help and -h ask for the usage text, which names every part and option', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ help: true });
    expect(parseBenchArgs(['-h'])).toEqual({ help: true });
    for (const word of ['build', 'boot', 'drill', 'carp', 'director', 'firewall', 'heartbeat', 'validate'])
      expect(USAGE).toContain(`  ${word} `);
    for (const opt of ['--only', '--runs', '--idle-minutes', '--timers', '--heartbeat-runs', '--fast-advert-ms'])
      expect(USAGE).toContain(opt);
  });

  it('takes the documented options', () => {
    const r = parseBenchArgs(['--only', 'drill', '--timers', 'fast', '--idle-minutes', '60']);
    expect(r).toEqual({ help: false, values: { only: 'drill', timers: 'fast', 'idle-minutes': '60' } });
    expect(parseBenchArgs(['--fast-advert-ms', '20,10', '--fast-drill-runs', '5,20'])).toMatchObject({ help: false });
  });

  it.each([
    [['--idle-minute', '60'], /Unknown option '--idle-minute'/],
    [['--only', 'drill,heartbaet'], /--only: unknown part 'heartbaet' \(expected build, boot, drill/],
    [['--timers', 'quick'], /--timers: unknown timers 'quick'/],
    [['--heartbeat-runs', 'ten'], /--heartbeat-runs: 'ten' is not a whole number/],
    [['--fast-advert-ms', '20,-1'], /--fast-advert-ms: '-1' is not an interval in ms/],
    [['--fast-advert-ms', '15'], /'15': VRRPv3 adverts are steps of 10 ms/],
    [['--fast-advert-ms', '10x0'], /'10x0': down_timer_adverts must be 1-100/],
    [['--fast-advert-ms', '10x4x2'], /'10x4x2' is not an interval in ms, optionally xN/],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('--fast-advert-ms', () => {
  it('takes intervals, each optionally with the adverts a backup misses before it takes over', () => {
    expect(parseFastSets('20,10x4')).toEqual([{ advertMs: 20 }, { advertMs: 10, downAdverts: 4 }]);
    expect(parseFastSets('20,10x4').map(fastSetLabel)).toEqual(['20 ms adverts', '10 ms adverts, master down after 4']);
  });
});
