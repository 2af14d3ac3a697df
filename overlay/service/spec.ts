/**
 * What a supervised service is: its spec (type, command, dependencies, readiness, restart policy,
 * kill grace) and `defineService`, which fills in the defaults. Data only; the service layer
 * imports nothing from roles, the supervisor or the system, so roles declare services with it and
 * the supervisor runs them.
 */

import type { Signal } from './machine.js';

export type ServiceType = 'oneshot' | 'longrun';

export type ReadinessKind = 'none' | 'probe' | 'notify';

export interface ReadinessSpec {
  /** none: ready once spawned (longrun) / once exited 0 (oneshot); probe: the runtime runs a check; notify: the service reports. */
  kind: ReadinessKind;
  /** How long `started` may last before the service counts as failed. */
  timeoutMs: number;
}

export interface RestartPolicy {
  /** The pause before a respawn after the first failure (≥ 1 s unless the run had been ready). */
  minDelayMs: number;
  /** Cap of the exponential backoff. */
  maxDelayMs: number;
  /** Growth per consecutive failure. */
  factor: number;
  /** Being ready this long resets the consecutive-failure count. */
  stableMs: number;
  /** Give up (→ failed) after this many consecutive failures; undefined = never give up. */
  maxFailures?: number;
}

export interface ServiceSpec {
  name: string;
  type: ServiceType;
  /** argv[0] is the program; the runtime's ProcessApi decides how to run it. */
  command: string[];
  env?: Record<string, string>;
  cwd?: string;
  dependsOn: string[];
  readiness: ReadinessSpec;
  restart: RestartPolicy;
  /** Exit code meaning "permanent failure, do not restart" (s6 uses 125). */
  noRestartExitCode?: number;
  /** Time between SIGTERM and SIGKILL to the process group on stop. */
  killGraceMs: number;
  /** Free text for status output ("keepalived (VRRP)"). */
  description?: string;
  /**
   * Run to its end (bounded by AFTER_CRASH_TIMEOUT_MS) each time the process ended without being
   * asked to (crash, kill -9, exit), before any respawn: releases what the daemon holds and could
   * not release itself, such as the VIPs of a keepalived killed while MASTER, which would
   * otherwise stay on this box while the peer takes them over.
   */
  afterCrash?: string[];
  /**
   * The signal on which the daemon reads its changed files in place, keeping its state (keepalived:
   * SIGHUP keeps VRRP states and VIPs). A reload whose changes touch only this service's files
   * sends it instead of restarting the service.
   */
  reloadSignal?: Signal;
  /**
   * The rendered files this service reads (absolute paths). A reload restarts (or signals) it only
   * when one of them changed; undefined: every file its role renders counts.
   */
  reads?: string[];
}

export const AFTER_CRASH_TIMEOUT_MS = 5000;

export const DEFAULT_RESTART: RestartPolicy = Object.freeze({
  minDelayMs: 1000,
  maxDelayMs: 30_000,
  factor: 2,
  stableMs: 10_000,
});

export const DEFAULT_NO_RESTART_EXIT_CODE = 125;

/** A spec with defaults filled in; everything the machine needs is then explicit. */
export function defineService(
  spec: Pick<ServiceSpec, 'name' | 'command'> &
    Partial<Omit<ServiceSpec, 'restart'>> & { restart?: Partial<RestartPolicy> },
): ServiceSpec {
  const type = spec.type ?? 'longrun';
  return {
    name: spec.name,
    type,
    command: [...spec.command],
    ...(spec.env ? { env: { ...spec.env } } : {}),
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
    dependsOn: [...(spec.dependsOn ?? [])],
    readiness: spec.readiness ?? { kind: 'none', timeoutMs: 10_000 },
    restart: { ...DEFAULT_RESTART, ...(spec.restart ?? {}) },
    noRestartExitCode: spec.noRestartExitCode ?? DEFAULT_NO_RESTART_EXIT_CODE,
    killGraceMs: spec.killGraceMs ?? 5000,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.afterCrash ? { afterCrash: [...spec.afterCrash] } : {}),
    ...(spec.reloadSignal ? { reloadSignal: spec.reloadSignal } : {}),
    ...(spec.reads ? { reads: [...spec.reads] } : {}),
  };
}
