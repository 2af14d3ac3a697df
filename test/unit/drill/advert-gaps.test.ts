import { describe, expect, it } from 'vitest';
import { AdvertGaps, hostLateNear, idleGapsText, parseAdvertLine } from '../../../builder/drill/advert-gaps.js';
import { advertCaptureArgs } from '../../../builder/drill/advert-capture.js';

const line = (sec: number, nsec: number, src = '192.0.2.2', prio = 150, vrid = 51) =>
  `${sec}.${String(nsec).padStart(9, '0')} IP ${src} > 224.0.0.18: VRRPv3, Advertisement, vrid ${vrid}, prio ${prio}, intvl 1cs, length 12`;

describe('advert lines from tcpdump', () => {
  it('reads the nanosecond stamp, the sender, the VRID and the priority', () => {
    expect(parseAdvertLine(line(1796398201, 25_123_456))).toEqual({
      t: 1796398201025.1235,
      src: '192.0.2.2',
      vrid: 51,
      prio: 150,
    });
    expect(
      parseAdvertLine(
        '1796398201.5 IP 192.0.2.3 > 192.0.2.2: VRRPv2, Advertisement, vrid 7, prio 100, authtype none, intvl 1s, length 20',
      ),
    ).toMatchObject({ t: 1796398201500, src: '192.0.2.3', vrid: 7 });
  });

  it('ignores what is not an advert', () => {
    expect(
      parseAdvertLine('listening on br0, link-type EN10MB (Ethernet), snapshot length 262144 bytes'),
    ).toBeUndefined();
    expect(parseAdvertLine('1796398201.025 ARP, Request who-has 192.0.2.10 tell 192.0.2.2, length 28')).toBeUndefined();
    expect(parseAdvertLine('')).toBeUndefined();
  });

  it('captures VRRP only, on the bridge, with kernel nanosecond stamps', () => {
    const a = advertCaptureArgs('pl0lan');
    expect(a.slice(0, 2)).toEqual(['-i', 'pl0lan']);
    expect(a).toContain('--time-stamp-precision=nano');
    expect(a[a.length - 1]).toBe('ip proto 112');
  });
});

describe('gaps between a master’s adverts', () => {
  /** Adverts every 10 ms from 0 to 1 s, except a 50 ms silence ending at 500 ms. */
  const tally = () => {
    const g = new AdvertGaps();
    const base = 1_796_398_000;
    for (let ms = 0; ms <= 1000; ms += 10) {
      if (ms > 455 && ms < 500) continue;
      g.add(parseAdvertLine(line(base + Math.floor(ms / 1000), (ms % 1000) * 1e6))!);
    }
    // The backup answers once, and a master leaving sends priority 0: neither is a gap.
    g.add(parseAdvertLine(line(base, 470e6, '192.0.2.3', 100))!);
    g.add(parseAdvertLine(line(base + 1, 10e6, '192.0.2.2', 0))!);
    return g;
  };

  it('sums up the master’s gaps and counts those reaching the master-down interval', () => {
    const [master, ...others] = tally().summary(43.9);
    expect(others).toEqual([]); // one advert of the backup has no gap
    expect(master).toMatchObject({ sender: '192.0.2.2 vrid 51', adverts: 97, p50Ms: 10, maxMs: 50, overDown: 1 });
    expect(master!.worst[0]).toEqual({ ms: 50, endedAt: 1_796_398_000_500 });
    expect(tally().summary(50.1)[0]!.overDown).toBe(0);
  });

  it('says whether the host was late while the master was quiet', () => {
    const gap = { ms: 50, endedAt: 10_000 };
    expect(
      hostLateNear(gap, [
        { ms: 30, at: 9_980 },
        { ms: 90, at: 20_000 },
      ]),
    ).toBe(30);
    expect(hostLateNear(gap, [{ ms: 90, at: 20_000 }])).toBe(0);
    const text = idleGapsText(tally().summary(43.9)[0], 44, {
      late: 2,
      maxMs: 30,
      thresholdMs: 5,
      worst: [{ ms: 30, at: 1_796_398_000_480 }],
    });
    expect(text).toContain("max 50 ms; 1 at or over the backup's 44 ms master-down interval");
    expect(text).toContain('longest 50 (host 30 late)');
    expect(text).toContain('more than 5 ms late 2 times, at most 30 ms');
    expect(idleGapsText(undefined, 44, { late: 0, maxMs: 1, thresholdMs: 5, worst: [] })).toMatch(
      /^no adverts captured/,
    );
  });
});
