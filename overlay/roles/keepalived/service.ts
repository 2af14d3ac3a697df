/**
 * Who runs keepalived, and how. One view holds the VRRP instances and the LVS virtual servers; the
 * `keepalived` service belongs to exactly one role:
 *   - the vrrp role when the config has a `vrrp` section (profiles director, router, firewall);
 *   - otherwise the director role (VIPs held by carp or heartbeat, or a single director).
 * With both sections keepalived runs split, as two processes with a file each: `keepalived
 * --vrrp` (keepalived.conf, the vrrp role's) and `keepalived --check` (keepalived-lvs.conf, the
 * director role's service `keepalived-lvs`). A pool change then reloads only the health checker:
 * the VRRP process holding the VIPs is not signalled and does not re-read its file, so it cannot
 * miss an advert over a weight. (The IPVS sync daemons are pillars' own service, not keepalived's.)
 */
import { defineService, type ServiceSpec } from '../../service/index.js';
import type { PillarsConfig } from '../../config/index.js';
import { etcPath, type RenderedFile, type RoleCheck, type RoleContext } from '../role.js';
import { renderKeepalivedRelease, renderKeepalivedView } from './conf.js';
import { checkerPart, keepalivedView, vrrpPart } from './view.js';
import { KEEPALIVED_LVS_SERVICE } from './events.js';
import { IPVS_SYNC_SERVICE, ipvsSyncChecks, ipvsSyncFiles, ipvsSyncServices } from './ipvs-sync.js';

export const KEEPALIVED_SERVICE = 'keepalived';
export { KEEPALIVED_LVS_SERVICE };

export type KeepalivedOwner = 'vrrp' | 'director';

export function keepalivedOwner(config: PillarsConfig): KeepalivedOwner | undefined {
  if (config.vrrp) return 'vrrp';
  if (config.director) return 'director';
  return undefined;
}

/** VRRP and virtual servers: two keepalived processes, one per subsystem and file. */
export function keepalivedSplit(config: PillarsConfig): boolean {
  return !!config.vrrp && !!config.director;
}

/** The health checker's file when keepalived runs split. */
export function keepalivedLvsConfPath(ctx: Pick<RoleContext, 'etcDir'>): string {
  return etcPath(ctx, 'keepalived-lvs.conf');
}

export function keepalivedConfPath(ctx: Pick<RoleContext, 'etcDir'>): string {
  return etcPath(ctx, 'keepalived.conf');
}

/** The script that releases the VIPs a killed keepalived left behind (the service's afterCrash). */
export function keepalivedReleasePath(ctx: Pick<RoleContext, 'etcDir'>): string {
  return etcPath(ctx, 'keepalived-release.sh');
}

export function keepalivedFiles(ctx: RoleContext): RenderedFile[] {
  const view = keepalivedView(ctx);
  const own = keepalivedSplit(ctx.config) ? vrrpPart(view) : view;
  const files: RenderedFile[] = [{ path: keepalivedConfPath(ctx), content: renderKeepalivedView(own), mode: 0o600 }];
  if (ctx.config.vrrp)
    files.push({
      path: keepalivedReleasePath(ctx),
      content: renderKeepalivedRelease(view, ctx.nodeName, ctx.eventFifo),
      mode: 0o755,
    });
  return [...files, ...ipvsSyncFiles(ctx)];
}

export function keepalivedCheck(ctx: RoleContext): RoleCheck {
  return { what: 'keepalived.conf', command: ['keepalived', '-t', '-f', keepalivedConfPath(ctx)] };
}

/** The director role's file when keepalived runs split: the virtual servers, for `keepalived --check`. */
export function keepalivedLvsFiles(ctx: RoleContext): RenderedFile[] {
  const content = renderKeepalivedView(checkerPart(keepalivedView(ctx)), 'keepalived-lvs.conf');
  return [{ path: keepalivedLvsConfPath(ctx), content, mode: 0o600 }];
}

export function keepalivedLvsChecks(ctx: RoleContext): RoleCheck[] {
  return [{ what: 'keepalived-lvs.conf', command: ['keepalived', '-t', '-f', keepalivedLvsConfPath(ctx)] }];
}

/** The owner role's checks: BFD support when the config runs BFD, keepalived.conf, and the IPVS sync script when the config syncs connections. */
export function keepalivedChecks(ctx: RoleContext): RoleCheck[] {
  return [...keepalivedBfdChecks(ctx), keepalivedCheck(ctx), ...ipvsSyncChecks(ctx)];
}

/** The owner role's services: the IPVS sync daemons (when configured), then keepalived after them. */
export function keepalivedServices(ctx: RoleContext): ServiceSpec[] {
  const sync = ipvsSyncServices(ctx);
  const ka = keepalivedService(ctx);
  return sync.length > 0 ? [...sync, { ...ka, dependsOn: [...ka.dependsOn, IPVS_SYNC_SERVICE] }] : [ka];
}

/** What the box says when its keepalived cannot run the config's BFD session. */
export const NO_BFD_MESSAGE =
  "vrrp.bfd: this image's keepalived was built without BFD (keepalived --version lists no BFD among its config options); refusing the config rather than running without the session";

/**
 * Fail closed on vrrp.bfd: the image's own keepalived must list BFD among the options it was
 * built with (`keepalived --version`: "Config options:  NFTABLES LVS … BFD …"). A keepalived built without it would refuse
 * bfd_instance only as an unknown keyword; this check says why, before keepalived -t.
 */
export function keepalivedBfdChecks(ctx: RoleContext): RoleCheck[] {
  if (!ctx.config.vrrp?.bfd) return [];
  const script = `keepalived --version 2>&1 | grep -Eq '^ *Config options:.* BFD( |$)' || { echo "${NO_BFD_MESSAGE}"; exit 1; }`;
  return [{ what: 'keepalived BFD support', command: ['/bin/sh', '-c', script] }];
}

/** keepalived in the foreground, logging to the console the supervisor captures. */
const KEEPALIVED_FOREGROUND = ['keepalived', '--dont-fork', '--log-console', '--log-detail'] as const;

/**
 * keepalived in the foreground (-n), logging to the console the supervisor captures (-l -D), with
 * one subsystem: --vrrp when the config has VRRP (the virtual servers, if any, are keepalived-lvs's),
 * else --check.
 *
 * Readiness: with VRRP, `notify` — keepalived writes `INSTANCE "…" BACKUP|FAULT` to the event FIFO
 * as soon as its instances are initialised, so the supervisor knows the daemon is up and what state
 * it is in (a spawned keepalived is not yet a working one: it may sit in FAULT on a dead link).
 * Checker only: `none` — the checker writes to the FIFO only on a change, which may never come.
 */
export function keepalivedService(ctx: RoleContext): ServiceSpec {
  const vrrp = !!ctx.config.vrrp;
  return defineService({
    name: KEEPALIVED_SERVICE,
    type: 'longrun',
    command: [...KEEPALIVED_FOREGROUND, vrrp ? '--vrrp' : '--check', `--use-file=${keepalivedConfPath(ctx)}`],
    readiness: vrrp ? { kind: 'notify', timeoutMs: 30_000 } : { kind: 'none', timeoutMs: 10_000 },
    // keepalived releases its VIPs and IPVS table on SIGTERM; give it time to send priority-0 adverts.
    killGraceMs: 5000,
    // Killed or crashed, it cannot: the supervisor drops the VIPs before the respawn, so this box
    // stops answering for them while the peer takes over (the respawned keepalived starts BACKUP).
    ...(vrrp ? { afterCrash: ['/bin/sh', keepalivedReleasePath(ctx)] } : {}),
    // A reload that changes only keepalived.conf: SIGHUP re-reads it in place, keeping every
    // unchanged VRRP instance's state and VIPs and the IPVS table (no failover, no reset).
    reloadSignal: 'SIGHUP',
    description: vrrp ? 'keepalived (VRRP)' : 'keepalived (LVS)',
  });
}

/**
 * The health checker of a split keepalived: `keepalived --check` on keepalived-lvs.conf, with pid
 * files of its own (keepalived refuses to start while the files of a running one name live
 * processes). Readiness `none`, as a checker-only keepalived; SIGHUP re-reads the pool in place,
 * keeping the IPVS table and its connections.
 */
export function keepalivedLvsService(ctx: RoleContext): ServiceSpec {
  return defineService({
    name: KEEPALIVED_LVS_SERVICE,
    type: 'longrun',
    command: [
      ...KEEPALIVED_FOREGROUND,
      '--check',
      '--pid=/run/keepalived-lvs.pid',
      '--checkers_pid=/run/keepalived-lvs-checkers.pid',
      `--use-file=${keepalivedLvsConfPath(ctx)}`,
    ],
    readiness: { kind: 'none', timeoutMs: 10_000 },
    killGraceMs: 5000,
    reloadSignal: 'SIGHUP',
    reads: [keepalivedLvsConfPath(ctx)],
    description: 'keepalived (LVS health checks)',
  });
}
