/**
 * What `pillarsctl status` (and the status page) shows, from the appliance's state. Pure: the
 * appliance passes in what it holds; nothing here reads the system.
 */
import { sameVersion, type Lineage, type Version } from '../config/sync.js';
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

/** How the last config sync with the peer ended (appliance/config-sync.ts). */
export type SyncOutcome = 'synced' | 'equal' | 'received' | 'not-reached' | 'conflict' | 'newer' | 'refused';

/** The stick and its sync with the peer's stick, as status shows them. */
export interface SyncView {
  mode: 'off' | 'manual' | 'auto';
  peer?: string;
  /** What the stick holds (its current version last). */
  lineage?: Lineage;
  /** The stick version the running config came from, or was saved as. */
  base?: Version;
  /** A generation on the stick awaiting confirmation (commit-confirm): the stick counts as `lineage.current`. */
  unconfirmed?: Version;
  last?: { at: number; outcome: SyncOutcome; message: string };
  /** A config this node sent did not reach the peer yet; it is sent again when the peer answers. */
  retrying: boolean;
}

export interface ApplianceView {
  supervisor: { pid: number; startedAt: number; uptime: number };
  running?: { outcome: Extract<ConfigOutcome, { ok: true }>; plan: RolePlan; notes: readonly string[] };
  /** A config on probation (`pillarsctl reload --confirm`), or the last rollback. */
  confirm?: ConfirmView;
  unconfigured?: { reason: string; issues: ConfigIssue[] };
  services?: SupervisorStatus;
  watchdog?: WatchdogStatus;
  sync?: SyncView;
  at: number;
}

const short = (v: Version) => `generation ${v.generation}, sha256 ${v.sha256.slice(0, 12)}`;
const clock = (at: number) => new Date(at).toISOString().slice(11, 19);

/** The `stick` and `sync` lines of the status text. Pure. */
export function syncLines(s: SyncView): string[] {
  const lines: string[] = [];
  const cur = s.lineage?.current;
  if (cur) {
    const ahead = s.base && !sameVersion(cur, s.base) && cur.sha256 !== s.base.sha256;
    const probation = s.unconfirmed ? `; generation ${s.unconfirmed.generation} awaits confirmation` : '';
    lines.push(
      `stick     ${short(cur)}${probation}${ahead && !s.unconfirmed ? `; NOT RUNNING (this node runs the config of generation ${s.base!.generation}): pillarsctl reload runs it` : ''}`,
    );
  }
  if (s.peer && s.mode !== 'off') {
    const last = s.last ? `${s.last.message} (${clock(s.last.at)} UTC)` : 'nothing sent or received since boot';
    const head =
      s.last && ['conflict', 'not-reached', 'newer', 'refused'].includes(s.last.outcome) ? 'NOT SYNCED: ' : '';
    lines.push(
      `sync      with ${s.peer} (${s.mode}): ${head}${last}${s.retrying ? '; sent again when it answers' : ''}`,
    );
  } else if (s.mode === 'off' && s.peer) lines.push(`sync      off (admin.cluster.config_sync)`);
  return lines;
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
    ...(v.sync ? { sync: v.sync } : {}),
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
    if (v.sync) lines.push(...syncLines(v.sync));
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
