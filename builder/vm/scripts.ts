/**
 * The host side of the lab's HTTP and mail agents (agents/http-server.ts, agents/probe.ts,
 * agents/smtp-sink.ts, started through agents/launch.ts): the probe's options and bounds, and the
 * parsers of what the agents print, one JSON object per line.
 */

export interface ProbeOptions {
  url: string;
  /** Start a request every intervalMs (default 20). */
  intervalMs?: number;
  /** Per-request timeout (default 500). */
  timeoutMs?: number;
  /** At most this many requests (default 500). */
  count?: number;
  /** At most this long in total (default 10 s). */
  durationMs?: number;
}

export interface ProbeSample {
  /** Epoch ms (sub-ms precision) when the request was sent. */
  t: number;
  /** How long until it was answered or failed. */
  ms: number;
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
}

export const PROBE_LIMITS = { maxCount: 100_000, maxDurationMs: 3_600_000 } as const;

/** The normalized probe configuration (bounded in count and time). Pure. */
export function probeConfig(o: ProbeOptions): Required<ProbeOptions> {
  const cfg = {
    url: o.url,
    intervalMs: o.intervalMs ?? 20,
    timeoutMs: o.timeoutMs ?? 500,
    count: o.count ?? 500,
    durationMs: o.durationMs ?? 10_000,
  };
  if (!/^http:\/\//.test(cfg.url)) throw new Error(`probe URL must be http://…: ${cfg.url}`);
  if (!(cfg.intervalMs >= 1)) throw new Error('probe intervalMs must be ≥ 1');
  if (!(cfg.timeoutMs >= 1)) throw new Error('probe timeoutMs must be ≥ 1');
  if (!(cfg.count >= 1 && cfg.count <= PROBE_LIMITS.maxCount))
    throw new Error(`probe count must be 1..${PROBE_LIMITS.maxCount}`);
  if (!(cfg.durationMs >= 1 && cfg.durationMs <= PROBE_LIMITS.maxDurationMs))
    throw new Error(`probe durationMs must be 1..${PROBE_LIMITS.maxDurationMs}`);
  return cfg;
}

/** Parse one output line of the probe; null for the final line and anything unexpected. Pure. */
export function parseProbeLine(line: string): ProbeSample | null {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const r = o as Record<string, unknown>;
  if (typeof r.t !== 'number' || typeof r.ok !== 'boolean') return null;
  return {
    t: r.t,
    ms: typeof r.ms === 'number' ? r.ms : 0,
    ok: r.ok,
    ...(typeof r.status === 'number' ? { status: r.status } : {}),
    ...(typeof r.body === 'string' ? { body: r.body } : {}),
    ...(typeof r.error === 'string' ? { error: r.error } : {}),
  };
}

/**
 * The failover gap from a probe timeline: from `faultAt` (epoch ms) to the send time of the first
 * successful answer after it whose body (trimmed) differs from `from` (the failed node's name); null when the
 * other node never answered. Pure.
 */
export function gapAfter(
  samples: readonly ProbeSample[],
  faultAt: number,
  from: string,
): { gapMs: number; first: ProbeSample; lost: number } | null {
  const after = [...samples].filter((s) => s.t >= faultAt).sort((a, b) => a.t - b.t);
  let lost = 0;
  for (const s of after) {
    if (s.ok && s.body !== undefined && s.body.trim() !== from) return { gapMs: s.t + s.ms - faultAt, first: s, lost };
    lost++;
  }
  return null;
}

/**
 * The outage clients saw after `faultAt`, whoever answers afterwards: the longest time between two
 * consecutive answers (by when they came back), counting from `faultAt`. A probe that failed, or
 * one that was only held up, both lengthen it; with no outage it is about one probe interval.
 * `ended` is false while no answer has come back since the last failed probe was sent. Used where
 * the failed node may well serve again itself (a crashed daemon that its supervisor restarts). Pure.
 */
export function outageAfter(
  samples: readonly ProbeSample[],
  faultAt: number,
): { gapMs: number; lost: number; ended: boolean; first?: ProbeSample } {
  const after = samples.filter((s) => s.t >= faultAt);
  const answers = after.filter((s) => s.ok).sort((a, b) => a.t + a.ms - (b.t + b.ms));
  const failed = after.filter((s) => !s.ok);
  const lastFailure = Math.max(-Infinity, ...failed.map((s) => s.t));
  const ended = answers.some((s) => s.t > lastFailure);
  let prev = faultAt;
  let gapMs = 0;
  let first: ProbeSample | undefined;
  for (const s of answers) {
    const back = s.t + s.ms;
    if (back - prev > gapMs) {
      gapMs = back - prev;
      first = s;
    }
    prev = back;
  }
  return { gapMs: ended ? gapMs : Infinity, lost: failed.length, ended, ...(first ? { first } : {}) };
}

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  body: string;
}

/** Parse one line of the SMTP sink's output; null for anything but a mail. Pure. */
export function parseMailLine(line: string): Mail | null {
  try {
    const o = JSON.parse(line) as Partial<Mail>;
    return typeof o.subject === 'string' && Array.isArray(o.to)
      ? { from: o.from ?? '', to: o.to, subject: o.subject, body: o.body ?? '' }
      : null;
  } catch {
    return null;
  }
}
