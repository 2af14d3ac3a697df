/** The bench's command line: --help, and clear usage errors instead of a run with a typo. */
import { describe, expect, it } from 'vitest';
import { parseBenchArgs, UsageError, USAGE } from '../../../bench/run.js';

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
    [['--fast-advert-ms', '20,-1'], /--fast-advert-ms: '-1' is not a whole number/],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});
