/**
 * `pillarsctl status` for humans: one line per service, aligned, with what an admin needs at a
 * glance. The --json form is the SupervisorStatus itself.
 */
import { describeExit } from '../service/index.js';
import type { ServiceStatus, SupervisorStatus } from './supervisor.js';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

function detail(s: ServiceStatus, now: number): string {
  const parts: string[] = [];
  if (s.pid !== undefined) parts.push(`pid ${s.pid}`);
  if (s.adopted) parts.push('adopted');
  if (s.restarts > 0) parts.push(`${s.restarts} restart${s.restarts === 1 ? '' : 's'}`);
  if (s.lastExit && s.state !== 'done') parts.push(`last ${describeExit(s.lastExit.code, s.lastExit.signal)}`);
  // Role states (vrrp.VI_1=MASTER) with how long ago they last changed.
  for (const [k, v] of Object.entries(s.info))
    parts.push(`${k}=${String(v.value)} for ${formatDuration(now - v.since)}`);
  if (s.state === 'backoff' && s.nextStartAt !== undefined)
    parts.push(`next try in ${formatDuration(s.nextStartAt - now + 999)}`);
  if (s.reason && s.state !== 'ready' && s.state !== 'done') parts.push(s.reason);
  return parts.join(', ');
}

export function formatStatus(status: SupervisorStatus): string[] {
  const rows = status.services.map((s) => [s.name, s.state, formatDuration(status.at - s.since), detail(s, status.at)]);
  const head = ['SERVICE', 'STATE', 'SINCE', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}
