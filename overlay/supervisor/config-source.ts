/**
 * From the kernel command line to a validated config for this node, or a reason for the safe
 * state. Discovery (discovery.ts) picks the medium; this module mounts it read-only, loads and
 * validates pillars.yaml (the config model's loader), and chooses the node by MAC. Every effect
 * comes in through `ConfigSourceDeps`, so the whole decision is unit-testable.
 */
import { sha256 } from '../config/hash.js';
import { selectNode, type NodeConfig, type PillarsConfig, type StickConfig } from '../config/index.js';
import type { BootParams } from './cmdline.js';
import {
  discoverConfig,
  describeDevice,
  formatDiscovery,
  type BlockDevice,
  type BlockDevices,
  type DiscoveryClock,
  type ProviderName,
} from './discovery.js';
import type { ConfigIssue } from './safe-state.js';

export const STICK_MOUNT = '/mnt/stick';

export interface ConfigSourceDeps {
  devices: BlockDevices;
  clock: DiscoveryClock;
  /** Mount the medium read-only at STICK_MOUNT (no-op when it already is); throws with the cause. */
  mountReadOnly(device: BlockDevice): Promise<void>;
  /** loadStickConfig over the mounted medium; `ahead` is a read of it already made (see readAhead). */
  load(ahead?: StickConfig): Promise<StickConfig>;
  /**
   * Optional: start reading `device` ahead (mount it read-only, read and validate pillars.yaml,
   * nothing else) while discovery waits its settle time for a second medium, which would otherwise
   * be idle time of the boot. `undo` unmounts what the read ahead mounted; findConfig calls it when
   * discovery does not keep that medium.
   */
  readAhead?(device: BlockDevice): { read: Promise<StickConfig>; undo(): Promise<void> };
  /** MAC addresses of the NICs present. */
  macs(): string[];
  say(line: string): void;
  /** Where the time went (pillars.debug): discovery, the read, the validation. */
  debug?(line: string): void;
}

export interface ConfigSource {
  provider: ProviderName;
  device: string;
  generation: number;
  checksum: string;
  handEdited: boolean;
}

export type ConfigOutcome =
  | {
      ok: true;
      config: PillarsConfig;
      body: string;
      nodeName: string;
      node: NodeConfig;
      how: string;
      source: ConfigSource;
    }
  | { ok: false; reason: string; issues: ConfigIssue[]; device?: string };

/** The config's checksum as the console and status show it: the sha256 of its text. */
export const checksumOf = (body: string): string => sha256(body);

/** Load, validate and pick the node from an already mounted medium. */
export async function loadFromMedium(
  deps: Pick<ConfigSourceDeps, 'load' | 'macs'>,
  where: { provider: ProviderName; device: string },
  nodeOverride: string | undefined,
): Promise<ConfigOutcome> {
  let stick: StickConfig;
  try {
    stick = await deps.load();
  } catch (err) {
    return {
      ok: false,
      reason: `cannot read the config on ${where.device}: ${err instanceof Error ? err.message : String(err)}`,
      issues: [],
      device: where.device,
    };
  }
  if (!stick.current || !stick.result)
    return { ok: false, reason: `no pillars.yaml on ${where.device}`, issues: [], device: where.device };
  if (!stick.result.ok) {
    const n = stick.result.issues.length;
    return {
      ok: false,
      reason: `invalid config on ${where.device} (${n} error${n === 1 ? '' : 's'})`,
      issues: stick.result.issues,
      device: where.device,
    };
  }
  const config = stick.result.config;
  const sel = selectNode(config, deps.macs(), nodeOverride);
  if (!sel.ok) return { ok: false, reason: sel.reason, issues: [], device: where.device };
  return {
    ok: true,
    config,
    body: stick.current.body,
    nodeName: sel.name,
    node: sel.node,
    how: sel.how,
    source: {
      ...where,
      generation: stick.current.gen,
      checksum: checksumOf(stick.current.body),
      handEdited: stick.current.handEdited,
    },
  };
}

/** The whole path: discover → mount read-only → load → validate → node. Says what happens on the console. */
export async function findConfig(params: BootParams, deps: ConfigSourceDeps): Promise<ConfigOutcome> {
  let ahead: { device: string; read: Promise<StickConfig | undefined>; undo(): Promise<void> } | undefined;
  const readAhead = deps.readAhead;
  const t0 = deps.clock.now();
  const since = () => `${deps.clock.now() - t0} ms`;
  const found = await discoverConfig({
    ...(params.config ? { config: params.config } : {}),
    stickWaitMs: params.stickWaitMs,
    devices: deps.devices,
    clock: deps.clock,
    ...(readAhead
      ? {
          onCandidate: (d: BlockDevice) => {
            const r = readAhead(d);
            // A failed read ahead is forgotten: the normal path below mounts and reads again and
            // reports its own failure.
            ahead = { device: d.path, read: r.read.catch(() => undefined), undo: r.undo };
          },
        }
      : {}),
  });
  deps.debug?.(`config: discovery ${found.outcome} after ${since()}`);
  let pre: StickConfig | undefined;
  if (ahead) {
    const read = await ahead.read;
    deps.debug?.(`config: read ahead ${read ? 'done' : 'failed'} at ${since()}`);
    if (found.outcome === 'found' && found.device.path === ahead.device) pre = read;
    else await ahead.undo().catch(() => undefined);
  }
  if (found.outcome !== 'found') {
    formatDiscovery(found).forEach((l) => deps.say(l));
    return { ok: false, reason: found.reason, issues: [] };
  }
  try {
    await deps.mountReadOnly(found.device);
  } catch (err) {
    formatDiscovery(found).forEach((l) => deps.say(l));
    return {
      ok: false,
      reason: `cannot mount ${describeDevice(found.device)} read-only: ${err instanceof Error ? err.message : String(err)}`,
      issues: [],
      device: found.device.path,
    };
  }
  const out = await loadFromMedium(
    { load: () => deps.load(pre), macs: deps.macs },
    { provider: found.provider, device: found.device.path },
    params.node,
  );
  deps.debug?.(`config: loaded and ${out.ok ? 'valid' : 'refused'} at ${since()}`);
  formatDiscovery(
    found,
    out.ok ? { file: 'pillars.yaml', generation: out.source.generation, checksum: out.source.checksum } : undefined,
  ).forEach((l) => deps.say(l));
  if (out.ok)
    deps.say(
      `pillars: node ${out.nodeName} (${out.how})${out.source.handEdited ? '; pillars.yaml was edited by hand (no generation trailer)' : ''}`,
    );
  return out;
}
