/**
 * The gaps between one master's VRRP adverts as the wire saw them. A backup takes over when no
 * advert arrives within its master-down interval, so in an idle run these gaps say how close
 * the pair came to a spontaneous failover, and when it did take over, whether the master went
 * quiet (and for how long) or the backup missed adverts that were sent. Read from tcpdump's
 * lines on the segment's bridge. Pure.
 */

export interface Advert {
  /** Capture time, epoch milliseconds (from the kernel's nanosecond stamp). */
  t: number;
  src: string;
  vrid: number;
  prio: number;
}

/**
 * One line of `tcpdump -n -tt --time-stamp-precision=nano`, e.g.
 * `1796398201.025123456 IP 192.0.2.2 > 224.0.0.18: VRRPv3, Advertisement, vrid 51, prio 150, intvl 1cs, length 12`;
 * anything else is undefined.
 */
export function parseAdvertLine(line: string): Advert | undefined {
  const m =
    /^(\d+)\.(\d{1,9}) IP (\d{1,3}(?:\.\d{1,3}){3}) > \S+: VRRPv[23], Advertisement, vrid (\d+), prio (\d+)/.exec(line);
  if (!m) return undefined;
  const frac = Number(m[2]!.padEnd(9, '0')) / 1e6;
  return { t: Number(m[1]) * 1000 + frac, src: m[3]!, vrid: Number(m[4]), prio: Number(m[5]) };
}

export interface GapSummary {
  /** `192.0.2.2 vrid 51`. */
  sender: string;
  adverts: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Gaps at or over the backup's master-down interval: each one a takeover by the backup. */
  overDown: number;
  /** The longest gaps, longest first: ms, and the epoch ms at which the gap ended. */
  worst: Array<{ ms: number; endedAt: number }>;
}

/** Collects adverts per sender (address and VRID) and sums up the gaps between them. */
export class AdvertGaps {
  private readonly last = new Map<string, number>();
  private readonly gaps = new Map<string, Array<{ ms: number; endedAt: number }>>();
  private readonly counts = new Map<string, number>();

  add(a: Advert): void {
    // Priority 0 is a master leaving (a release, not an advert the backup waits for).
    if (a.prio === 0) return;
    const key = `${a.src} vrid ${a.vrid}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const prev = this.last.get(key);
    this.last.set(key, a.t);
    if (prev === undefined) return;
    let g = this.gaps.get(key);
    if (!g) this.gaps.set(key, (g = []));
    g.push({ ms: a.t - prev, endedAt: a.t });
  }

  /** Every sender's gaps, the busiest sender (the master) first; `downMs` is the backup's master-down interval. */
  summary(downMs: number, worst = 5): GapSummary[] {
    const round = (x: number) => Math.round(x * 10) / 10;
    return [...this.gaps.entries()]
      .map(([sender, g]): GapSummary => {
        const ms = g.map((x) => x.ms).sort((a, b) => a - b);
        const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!;
        return {
          sender,
          adverts: this.counts.get(sender) ?? 0,
          p50Ms: round(q(0.5)),
          p99Ms: round(q(0.99)),
          maxMs: round(ms[ms.length - 1]!),
          overDown: ms.filter((x) => x >= downMs).length,
          worst: [...g]
            .sort((a, b) => b.ms - a.ms)
            .slice(0, worst)
            .map((x) => ({ ms: round(x.ms), endedAt: Math.round(x.endedAt) })),
        };
      })
      .sort((a, b) => b.adverts - a.adverts);
  }
}

/** The longest host wake-up delay (ms) in a window around a gap, or 0. Pure. */
export function hostLateNear(
  gap: { ms: number; endedAt: number },
  late: ReadonlyArray<{ ms: number; at: number }>,
  slackMs = 50,
): number {
  const from = gap.endedAt - gap.ms - slackMs;
  const to = gap.endedAt + slackMs;
  return late.reduce((m, l) => (l.at >= from && l.at <= to && l.ms > m ? l.ms : m), 0);
}

/**
 * One line for an idle run: the master's gaps against the backup's master-down interval, its
 * longest gaps with how late the host was at the time, and the host's late wake-ups. Pure.
 */
export function idleGapsText(
  master: GapSummary | undefined,
  downMs: number,
  host: { late: number; maxMs: number; thresholdMs: number; worst: ReadonlyArray<{ ms: number; at: number }> },
): string {
  const hostText = `host woke a sleeping thread more than ${host.thresholdMs} ms late ${host.late} times, at most ${host.maxMs} ms`;
  if (!master) return `no adverts captured; ${hostText}`;
  const worst = master.worst
    .map((g) => {
      const h = hostLateNear(g, host.worst);
      return `${g.ms}${h ? ` (host ${h} late)` : ''}`;
    })
    .join(', ');
  return (
    `master's adverts (${master.sender}) ${master.adverts}, gaps p50 ${master.p50Ms} ms, p99 ${master.p99Ms} ms, ` +
    `max ${master.maxMs} ms; ${master.overDown} at or over the backup's ${downMs} ms master-down interval; ` +
    `longest ${worst} ms; ${hostText}`
  );
}
