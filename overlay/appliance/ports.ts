/**
 * What the appliance layer needs from the running system, as small interfaces. overlay/system/
 * implements them (without importing this layer: the shapes match structurally) and
 * supervisor/main.ts wires one to the other, so every appliance module runs in a unit test with
 * fakes.
 */
import type { StickConfig } from '../config/index.js';
import type { ImageInfo } from '../roles/enforce.js';
import type { RoleSystem } from '../roles/index.js';
import type { ServiceSpec } from '../service/index.js';
import type { PillarsEvent } from '../roles/keepalived/events.js';
import type { HandedOver, Supervisor } from '../supervisor/supervisor.js';

/** The console (tty and serial); every line also lands in the supervisor's own log ring. */
export type Say = (line: string) => void;

/** The packet filter's fail-closed state: a ruleset loaded in one `nft -f` transaction. */
export interface PacketFilter {
  load(ruleset: string): Promise<void>;
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
  /** Write `body` as the next generation: read-write only for the write, atomic, synced. */
  save(body: string, say: Say): Promise<number>;
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

/** Everything at once, as main.ts wires it. */
export interface ApplianceSystem {
  host: Host;
  filter: PacketFilter;
  roles: RoleSystem;
  services: ServiceRuntime;
  stick: Stick;
}
