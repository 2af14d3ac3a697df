/**
 * Small traffic graphs drawn on the box as inline SVG: a sparkline (polyline plus filled area) of
 * per-second rates from the metric rings. No library, no script, no network: the page carries
 * the picture itself, so it works without JavaScript and from a box with no Internet. Pure.
 */

export interface Sparkline {
  width: number;
  height: number;
  /** SVG polyline points, "x,y x,y …"; empty with fewer than two samples. */
  points: string;
  /** The area under the line, as a closed polygon. */
  area: string;
  max: number;
  last: number;
  /** One line for the graph's tooltip and for readers without pictures. */
  label: string;
}

export function formatRate(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (v >= 10 || v === 0) return v.toFixed(0);
  return v.toFixed(1);
}

/** `series`: [[at, value], …] oldest first; the x axis spans `spanMs` up to `now`. */
export function sparkline(
  series: ReadonlyArray<readonly [number, number]>,
  now: number,
  unit: string,
  spanMs = 3_600_000,
  width = 140,
  height = 28,
): Sparkline {
  const pts = series.filter(([at]) => at >= now - spanMs && at <= now);
  const max = pts.reduce((m, [, v]) => Math.max(m, v), 0);
  const last = pts.length ? pts[pts.length - 1]![1] : 0;
  const label =
    pts.length < 2
      ? `no ${unit} samples yet`
      : `now ${formatRate(last)} ${unit}, peak ${formatRate(max)} ${unit} in the last ${Math.round(spanMs / 60_000)} min`;
  if (pts.length < 2) return { width, height, points: '', area: '', max, last, label };
  const x = (at: number) => (((at - (now - spanMs)) / spanMs) * (width - 2) + 1).toFixed(1);
  const y = (v: number) => (height - 2 - (max > 0 ? (v / max) * (height - 4) : 0)).toFixed(1);
  const line = pts.map(([at, v]) => `${x(at)},${y(v)}`).join(' ');
  const area = `${x(pts[0]![0])},${height - 1} ${line} ${x(pts[pts.length - 1]![0])},${height - 1}`;
  return { width, height, points: line, area, max, last, label };
}
