/**
 * Where the config comes from, as a list of providers tried in a documented order:
 *
 *   1. kernel-parameter — `pillars.config=LABEL=…|UUID=…|/dev/…|none` overrides everything; the
 *      named device is waited for (up to the stick wait) and nothing else is considered.
 *   2. floppy — /dev/fd*, a FAT file system labelled PILLARS.
 *   3. usb-sata — USB/SATA/SCSI/virtio block devices (disks or partitions) with a FAT label
 *      PILLARS; slow USB sticks are polled for until the stick wait runs out.
 *   4. none — no config: the caller enters the safe state.
 *
 * Floppy and USB/SATA candidates are pooled: two different PILLARS media (two sticks, or a
 * stick and a floppy) are an error, never a guess. Once a first candidate appears the scan
 * waits a short settle time for a second one that is still enumerating.
 *
 * Pure over an injected `BlockDevices` (the lead implements it with /sys/block + blkid) and an
 * injected clock, so tests run with fake devices and fake time.
 */
import { describeLocator, type ConfigLocator } from './cmdline.js';
import type { BlockDevice, BlockDevices } from '../system/block-devices.js';

export type { Bus, BlockDevice, BlockDevices } from '../system/block-devices.js';

export interface DiscoveryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface DiscoveryOptions {
  /** From the kernel command line (cmdline.ts). */
  config?: ConfigLocator;
  stickWaitMs: number;
  devices: BlockDevices;
  clock: DiscoveryClock;
  label?: string;
  pollMs?: number;
  settleMs?: number;
  /**
   * Called once with the first medium found by label, before the settle time for a second one:
   * the caller may read it ahead meanwhile (nothing is decided until discovery returns).
   */
  onCandidate?(device: BlockDevice): void;
}

export type ProviderName = 'kernel-parameter' | 'floppy' | 'usb-sata';

export interface ProviderInfo {
  name: ProviderName;
  description: string;
}

/** The documented order (see the file comment). */
export const PROVIDERS: readonly ProviderInfo[] = [
  { name: 'kernel-parameter', description: 'pillars.config= on the kernel command line' },
  { name: 'floppy', description: 'floppy disk (/dev/fd*) with a FAT label PILLARS' },
  { name: 'usb-sata', description: 'USB/SATA block device with a FAT label PILLARS' },
];

export interface ProviderReport {
  provider: ProviderName;
  outcome: 'won' | 'skipped' | 'conflict' | 'error';
  detail: string;
}

export type DiscoveryResult =
  | { outcome: 'found'; provider: ProviderName; device: BlockDevice; waitedMs: number; reports: ProviderReport[] }
  | { outcome: 'none'; reason: string; waitedMs: number; reports: ProviderReport[] }
  | { outcome: 'error'; reason: string; devices: BlockDevice[]; waitedMs: number; reports: ProviderReport[] };

export const DEFAULT_LABEL = 'PILLARS';
const FAT = new Set(['vfat', 'msdos', 'fat', 'fat12', 'fat16', 'fat32']);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function isFloppy(d: BlockDevice): boolean {
  return d.bus === 'floppy' || /^fd\d+$/.test(d.name);
}

function scannable(d: BlockDevice): boolean {
  return !isFloppy(d) && (d.type === 'disk' || d.type === 'part');
}

const labelIs = (d: BlockDevice, label: string) =>
  d.label !== undefined && d.label.toUpperCase() === label.toUpperCase();
const isFat = (d: BlockDevice) => d.fsType !== undefined && FAT.has(d.fsType.toLowerCase());

/** A device as the console shows it: "/dev/sdb1 (usb, vfat, label PILLARS, 7.5 MiB)". */
export function describeDevice(d: BlockDevice): string {
  const parts = [d.bus, d.fsType ?? 'no file system', d.label !== undefined ? `label ${d.label}` : 'no label'];
  if (d.size > 0) parts.push(formatSize(d.size));
  return `${d.path} (${parts.join(', ')})`;
}

export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** When a whole disk and one of its partitions both match, the partition is the real one. */
function dropParents(ds: BlockDevice[]): BlockDevice[] {
  return ds.filter((d) => !ds.some((o) => o.parent === d.name));
}

function matchLocator(d: BlockDevice, loc: ConfigLocator): boolean {
  switch (loc.kind) {
    case 'label':
      return labelIs(d, loc.label);
    case 'uuid':
      return d.uuid !== undefined && d.uuid.toLowerCase() === loc.uuid.toLowerCase();
    case 'device':
      return d.path === loc.path || (d.links ?? []).includes(loc.path);
    default:
      return false;
  }
}

/** Why a device that a label scan looked at was not taken. */
function whyNot(d: BlockDevice, label: string): string {
  if (!d.fsType) return `${d.name}: no file system (no medium?)`;
  if (labelIs(d, label) && !isFat(d)) return `${d.name}: labelled ${d.label} but ${d.fsType}, not FAT`;
  return `${d.name}: ${d.label !== undefined ? `label ${d.label}` : 'no label'} (${d.fsType})`;
}

interface Scan {
  floppy: BlockDevice[];
  usb: BlockDevice[];
  all: BlockDevice[];
}

function scan(devs: BlockDevice[], label: string): Scan {
  const ok = (d: BlockDevice) => labelIs(d, label) && isFat(d);
  const floppy = dropParents(devs.filter((d) => isFloppy(d) && ok(d)));
  const usb = dropParents(devs.filter((d) => scannable(d) && ok(d)));
  return { floppy, usb, all: [...floppy, ...usb] };
}

function floppyMiss(devs: BlockDevice[], label: string): string {
  const fds = devs.filter(isFloppy);
  if (fds.length === 0) return 'no floppy drive';
  return fds.map((d) => whyNot(d, label)).join('; ');
}

function usbMiss(devs: BlockDevice[], label: string, waitedMs: number): string {
  const seen = devs.filter(scannable);
  const what = `no FAT device labelled ${label} after waiting ${secs(waitedMs)}`;
  return seen.length === 0
    ? `${what} (no USB/SATA block devices)`
    : `${what} (seen: ${seen.map((d) => whyNot(d, label)).join('; ')})`;
}

/**
 * The settle time after a first stick: the whole `settleMs` from when that stick appeared (a
 * second stick that has not begun to enumerate is invisible to any enumeration signal, and two
 * sticks must never end in a guess: the two-sticks boot test caught a box taking the first stick
 * at once), then, where the devices can tell, as long as something is still enumerating (bounded
 * by another `settleMs`). The window counts from the first stick's appearance when its device
 * can say it (a USB disk found while the boot was still busy has already waited part of it),
 * else from now. Returns whether another look is worth taking.
 */
async function settle(
  devices: BlockDevices,
  clock: DiscoveryClock,
  settleMs: number,
  pollMs: number,
  since: number,
): Promise<boolean> {
  const wait = Math.min(settleMs, Math.max(0, since + settleMs - clock.now()));
  if (wait > 0) await clock.sleep(wait);
  if (!devices.enumerating) return true;
  const end = clock.now() + settleMs;
  while (clock.now() < end && (await devices.enumerating())) {
    await clock.sleep(Math.min(pollMs, end - clock.now()));
  }
  return true;
}

/** When the first of `found` appeared, if every one can say; else now. */
function appearedAt(found: readonly BlockDevice[], now: number): number {
  const at = found.map((d) => d.appearedAt);
  return at.every((t): t is number => t !== undefined) ? Math.min(now, ...at) : now;
}

export async function discoverConfig(opts: DiscoveryOptions): Promise<DiscoveryResult> {
  const label = opts.label ?? DEFAULT_LABEL;
  const pollMs = opts.pollMs ?? 250;
  const settleMs = opts.settleMs ?? 1000;
  const { clock } = opts;
  const t0 = clock.now();
  const deadline = t0 + opts.stickWaitMs;
  const waited = () => clock.now() - t0;
  const overridden = (why: string): ProviderReport[] => [
    { provider: 'floppy', outcome: 'skipped', detail: why },
    { provider: 'usb-sata', outcome: 'skipped', detail: why },
  ];

  // 1. The kernel parameter overrides everything.
  const loc = opts.config;
  if (loc) {
    const shown = `pillars.config=${describeLocator(loc)}`;
    if (loc.kind === 'invalid') {
      const reports: ProviderReport[] = [
        { provider: 'kernel-parameter', outcome: 'error', detail: loc.message },
        ...overridden(`${shown} is set`),
      ];
      return { outcome: 'error', reason: loc.message, devices: [], waitedMs: 0, reports };
    }
    if (loc.kind === 'none') {
      const reports: ProviderReport[] = [
        { provider: 'kernel-parameter', outcome: 'won', detail: `${shown}: no config by request` },
        ...overridden(`${shown} is set`),
      ];
      return { outcome: 'none', reason: `${shown} on the kernel command line`, waitedMs: 0, reports };
    }
    let devs: BlockDevice[] = [];
    for (;;) {
      devs = await opts.devices.list();
      const hits = dropParents(devs.filter((d) => matchLocator(d, loc)));
      if (hits.length > 1) {
        const reason = `${shown} matches ${hits.length} devices: ${hits.map((d) => d.path).join(', ')} — remove all but one`;
        const reports: ProviderReport[] = [
          { provider: 'kernel-parameter', outcome: 'conflict', detail: reason },
          ...overridden(`${shown} is set`),
        ];
        return { outcome: 'error', reason, devices: hits, waitedMs: waited(), reports };
      }
      if (hits.length === 1) {
        const device = hits[0]!;
        const reports: ProviderReport[] = [
          { provider: 'kernel-parameter', outcome: 'won', detail: `${shown} → ${describeDevice(device)}` },
          ...overridden(`${shown} is set`),
        ];
        return { outcome: 'found', provider: 'kernel-parameter', device, waitedMs: waited(), reports };
      }
      if (clock.now() >= deadline) break;
      await clock.sleep(Math.min(pollMs, deadline - clock.now()));
    }
    const reason = `${shown}: no such device after waiting ${secs(waited())}`;
    const reports: ProviderReport[] = [
      { provider: 'kernel-parameter', outcome: 'error', detail: reason },
      ...overridden(`${shown} is set`),
    ];
    return { outcome: 'error', reason, devices: [], waitedMs: waited(), reports };
  }

  // 2 + 3. Floppy and USB/SATA by label, pooled, polled until the deadline.
  let devs = await opts.devices.list();
  let found = scan(devs, label);
  while (found.all.length === 0 && clock.now() < deadline) {
    await clock.sleep(Math.min(pollMs, deadline - clock.now()));
    devs = await opts.devices.list();
    found = scan(devs, label);
  }
  if (found.all.length === 1) opts.onCandidate?.(found.all[0]!);
  if (
    found.all.length > 0 &&
    settleMs > 0 &&
    (await settle(opts.devices, clock, settleMs, pollMs, appearedAt(found.all, clock.now())))
  ) {
    // A second stick may still have been enumerating: look once more before deciding.
    devs = await opts.devices.list();
    const again = scan(devs, label);
    if (again.all.length >= found.all.length) found = again;
  }

  const kernelSkip: ProviderReport = {
    provider: 'kernel-parameter',
    outcome: 'skipped',
    detail: 'no pillars.config= on the kernel command line',
  };
  if (found.all.length > 1) {
    const reason = `${found.all.length} media labelled ${label}: ${found.all.map((d) => describeDevice(d)).join(', ')} — remove all but one`;
    const reports: ProviderReport[] = [
      kernelSkip,
      found.floppy.length > 0
        ? { provider: 'floppy', outcome: 'conflict', detail: found.floppy.map((d) => d.path).join(', ') }
        : { provider: 'floppy', outcome: 'skipped', detail: floppyMiss(devs, label) },
      found.usb.length > 0
        ? { provider: 'usb-sata', outcome: 'conflict', detail: found.usb.map((d) => d.path).join(', ') }
        : { provider: 'usb-sata', outcome: 'skipped', detail: usbMiss(devs, label, waited()) },
    ];
    return { outcome: 'error', reason, devices: found.all, waitedMs: waited(), reports };
  }
  if (found.all.length === 1) {
    const device = found.all[0]!;
    const provider: ProviderName = found.floppy.length === 1 ? 'floppy' : 'usb-sata';
    const reports: ProviderReport[] = [
      kernelSkip,
      provider === 'floppy'
        ? { provider: 'floppy', outcome: 'won', detail: describeDevice(device) }
        : { provider: 'floppy', outcome: 'skipped', detail: floppyMiss(devs, label) },
      provider === 'usb-sata'
        ? { provider: 'usb-sata', outcome: 'won', detail: describeDevice(device) }
        : { provider: 'usb-sata', outcome: 'skipped', detail: usbMiss(devs, label, waited()) },
    ];
    return { outcome: 'found', provider, device, waitedMs: waited(), reports };
  }
  const reports: ProviderReport[] = [
    kernelSkip,
    { provider: 'floppy', outcome: 'skipped', detail: floppyMiss(devs, label) },
    { provider: 'usb-sata', outcome: 'skipped', detail: usbMiss(devs, label, waited()) },
  ];
  return { outcome: 'none', reason: `no config medium (no FAT device labelled ${label})`, waitedMs: waited(), reports };
}

/** What the config loader found on the medium, to complete the console line. */
export interface LoadedConfigInfo {
  file?: string;
  generation?: number;
  checksum?: string;
}

/**
 * Console lines: the verdict first, then one line per provider saying why it won or lost.
 *   pillars: config from usb-sata: /dev/sdb1 (usb, vfat, label PILLARS, 7.5 MiB), generation 7, sha256 0123abcd…
 *   pillars:   kernel-parameter: skipped — no pillars.config= on the kernel command line
 */
export function formatDiscovery(r: DiscoveryResult, loaded?: LoadedConfigInfo): string[] {
  let head: string;
  if (r.outcome === 'found') {
    const extra: string[] = [];
    if (loaded?.file) extra.push(loaded.file);
    if (loaded?.generation !== undefined) extra.push(`generation ${loaded.generation}`);
    if (loaded?.checksum) extra.push(`sha256 ${loaded.checksum.slice(0, 12)}`);
    head = `pillars: config from ${r.provider}: ${describeDevice(r.device)}${extra.length ? ', ' + extra.join(', ') : ''}`;
  } else if (r.outcome === 'none') {
    head = `pillars: no config: ${r.reason}`;
  } else {
    head = `pillars: config error: ${r.reason}`;
  }
  const lines = [head];
  for (const rep of r.reports) {
    if (r.outcome === 'found' && rep.outcome === 'won') continue;
    lines.push(`pillars:   ${rep.provider}: ${rep.outcome} — ${rep.detail}`);
  }
  return lines;
}
