/**
 * What `pillarsctl status` (and the status page) shows, from the appliance's state. Pure: the
 * appliance passes in what it holds; nothing here reads the system.
 */
import { SSH_SERVICE } from '../roles/admin/index.js';
import type { RolePlan } from '../roles/index.js';
import type { ConfigOutcome } from './config-source.js';
import { confirmLines, type ConfirmView } from './confirm-view.js';
import { renderUnconfiguredMessage, type ConfigIssue } from './safe-state.js';
import { formatStatus } from './status-format.js';
import type { SupervisorStatus } from './supervisor.js';
import { formatWatchdog, type WatchdogStatus } from './watchdog.js';

/**
 * The roles a user reads about: `nofirewall` is told as `firewall: none configured` instead, and
 * `admin` (which every config runs, for root's console password) only when it runs SSH.
 */
export const shownRoles = (plan: RolePlan): string[] =>
  plan.roles.filter((r) => r !== 'nofirewall' && (r !== 'admin' || plan.services.some((s) => s.name === SSH_SERVICE)));

export interface ApplianceView {
  supervisor: { pid: number; startedAt: number; uptime: number };
  running?: { outcome: Extract<ConfigOutcome, { ok: true }>; plan: RolePlan; notes: readonly string[] };
  /** A config on probation (`pillarsctl reload --confirm`), or the last rollback. */
  confirm?: ConfirmView;
  unconfigured?: { reason: string; issues: ConfigIssue[] };
  services?: SupervisorStatus;
  watchdog?: WatchdogStatus;
  at: number;
}

export function statusJson(v: ApplianceView): Record<string, unknown> {
  const r = v.running;
  return {
    supervisor: v.supervisor,
    config: r
      ? {
          state: 'configured',
          node: r.outcome.nodeName,
          how: r.outcome.how,
          roles: shownRoles(r.plan),
          notes: [...r.notes],
          source: r.outcome.source,
          ...(v.confirm ? { confirm: v.confirm } : {}),
        }
      : { state: 'unconfigured', reason: v.unconfigured?.reason ?? 'starting', issues: v.unconfigured?.issues ?? [] },
    services: v.services?.services ?? [],
    ...(v.watchdog ? { watchdog: v.watchdog } : {}),
    at: v.at,
  };
}

export function statusText(v: ApplianceView): string {
  const r = v.running;
  const lines: string[] = [];
  if (r) {
    const s = r.outcome.source;
    lines.push(`node      ${r.outcome.nodeName} (${r.outcome.how})`);
    lines.push(`config    ${s.provider} ${s.device}, generation ${s.generation}, sha256 ${s.checksum.slice(0, 12)}`);
    if (v.confirm) lines.push(...confirmLines(v.confirm, v.at));
    lines.push(`roles     ${shownRoles(r.plan).join(', ')}`);
    for (const note of r.notes) lines.push(note);
  } else {
    lines.push(`UNCONFIGURED — ${v.unconfigured?.reason ?? 'starting'}`);
    for (const l of renderUnconfiguredMessage('', v.unconfigured?.issues ?? []).slice(1, -1))
      lines.push(l.replace(/^pillars: {3}/, '  '));
    lines.push('safe state: all traffic dropped except loopback, no VIPs, no roles');
  }
  if (v.watchdog) lines.push(formatWatchdog(v.watchdog, v.at));
  if (v.services) lines.push('', ...formatStatus(v.services));
  return lines.join('\n');
}
