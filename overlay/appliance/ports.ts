/**
 * What the appliance layer needs from the running system, as small interfaces. overlay/system/
 * implements them (without importing this layer: the shapes match structurally) and
 * supervisor/main.ts wires one to the other, so every appliance module runs in a unit test with
 * fakes.
 */
import type { StickConfig } from '../config/index.js';
import type { StickLineage } from '../config/sync.js';
import type { ImageInfo } from '../roles/enforce.js';
import type { RoleSystem } from '../roles/index.js';
import type { ServiceSpec } from '../service/index.js';
import type { PillarsEvent } from '../roles/keepalived/events.js';
import type { HandedOver, Supervisor } from '../supervisor/supervisor.js';
import type { PendingRequest, StickProbation } from '../config/confirm.js';
import type { PendingMark } from '../config/mark.js';
import type { Current } from '../config/store.js';

/** The console (tty and serial); every line also lands in the supervisor's own log ring. */
export type Say = (line: string) => void;

/** The packet filter's fail-closed state: a ruleset loaded in one `nft -f` transaction. */
export interface PacketFilter {
  load(ruleset: string): Promise<void>;
}

/**
 * The stick's pending mark (commit-confirm, config/mark.ts): read while mounted read-only; every
 * write makes the stick read-write only for itself, as a save does.
 */
export interface StickMarks {
  /**
   * The current generation, the mark when it applies to it, and the confirmed generation;
   * `current`: the stick's current config when the caller has just read it.
   */
  inspect(current?: Current): Promise<StickProbation>;
  /** Mark the current generation (the config the box now runs from the stick) as on probation. */
  markCurrent(pendingSha: string, req: PendingRequest, say: Say): Promise<{ mark: PendingMark } | { why: string }>;
  /** Record that the box runs the pending generation (before it does). */
  markTried(mark: PendingMark, say: Say): Promise<PendingMark>;
  /** Save `body` as the next generation, marked as on probation first. */
  savePending(body: string, req: PendingRequest, say: Say): Promise<{ gen: number; mark: PendingMark }>;
  /** Remove the mark; whether there was one. */
  clear(say: Say): Promise<boolean>;
}

/** A probation kept in RAM (/run) across a supervisor restart; a reboot forgets it. */
export interface ConfirmJournal<T> {
  read(): Promise<T | undefined>;
  write(value: T): Promise<void>;
  remove(): Promise<void>;
}

/** Services of one config: a supervisor with their log lines tailed into its rings. */
export interface ServiceRuntime {
  /** A supervisor for `specs`; `inherit`: what the previous config's supervisor handed over. */
  create(
    specs: readonly ServiceSpec[],
    inherit?: readonly HandedOver[],
  ): { supervisor: Supervisor; stopTailing(): void };
  /** Forget which oneshots ran in this boot (a new config runs them again). */
  forget(): Promise<void>;
  /** Role daemons' state changes (keepalived and ucarp notify hooks) from the event FIFO. */
  listen(onEvent: (ev: PillarsEvent) => void, say: Say): Promise<void>;
}

/** The config stick, mounted read-only except during a save. */
export interface Stick {
  readonly mountPoint: string;
  mounted(): boolean;
  /** pillars.yaml (and its history) as the config model reads it. */
  load(): Promise<StickConfig>;
  /**
   * Write `body` as the next generation (at least `atLeast`: a config from the peer keeps its
   * number): read-write only for the write, atomic, synced. Returns the generation.
   */
  save(body: string, say: Say, opts?: { atLeast?: number }): Promise<number>;
  /** The versions the stick holds and the text of its current one; undefined without a config. */
  lineage(): Promise<StickLineage | undefined>;
  unmount(): Promise<void>;
}

/** The host the appliance runs on: its clock since boot, names, image and power. */
export interface Host {
  /** Seconds since the kernel started. */
  uptime(): number;
  setHostname(name: string): void;
  /** What the build wrote about this image (throws when it cannot say). */
  image(): ImageInfo;
  /** MAC addresses of the NICs present. */
  macs(): string[];
  readFile(path: string): Promise<string>;
  /** sync, then power off or reboot at once. */
  power(kind: 'poweroff' | 'reboot'): Promise<void>;
}

/** A watchdog device held open: every write feeds it. */
export interface OpenWatchdog {
  /** What the driver calls itself ("i6300ESB timer", "Software Watchdog"). */
  readonly identity: string;
  /** The timeout the device runs with, in seconds. */
  readonly timeoutS: number;
  /** The device says this boot followed a reset by it. */
  readonly resetByWatchdog: boolean;
  /** One keepalive write (throws when it fails). */
  pet(): void;
  /** The magic character, then close: the device stops counting. */
  close(): void;
}

/** The box's watchdog devices. */
export interface WatchdogDevices {
  /** Load softdog when the box has no watchdog, set the timeout, open the device; throws why not. */
  open(device: string, timeoutS: number): Promise<OpenWatchdog>;
}

/** Everything at once, as main.ts wires it. */
export interface ApplianceSystem {
  host: Host;
  filter: PacketFilter;
  roles: RoleSystem;
  services: ServiceRuntime;
  stick: Stick;
  watchdogs: WatchdogDevices;
}
