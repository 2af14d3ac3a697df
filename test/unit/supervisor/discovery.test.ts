import { describe, expect, it } from 'vitest';
import { parseConfigLocator, type ConfigLocator } from '../../../overlay/supervisor/cmdline.js';
import {
  describeDevice,
  discoverConfig,
  formatDiscovery,
  formatSize,
  type BlockDevice,
  type DiscoveryClock,
} from '../../../overlay/supervisor/discovery.js';

const dev = (name: string, extra: Partial<BlockDevice> = {}): BlockDevice => ({
  name,
  path: `/dev/${name}`,
  removable: true,
  bus: 'usb',
  type: 'part',
  size: 8 * 1024 * 1024,
  ...extra,
});
const disk = dev('sda', { bus: 'ata', type: 'disk', removable: false, size: 0 });
const root = dev('sda1', { bus: 'ata', parent: 'sda', fsType: 'ext4', label: 'root', removable: false, size: 0 });
const stick = dev('sdb1', { parent: 'sdb', fsType: 'vfat', label: 'PILLARS', uuid: '1234-ABCD' });
const stick2 = dev('sdc1', { parent: 'sdc', fsType: 'vfat', label: 'PILLARS', uuid: '1234-ABCD' });
const fdEmpty = dev('fd0', { bus: 'floppy', type: 'disk', size: 0 });
const fdPillars = dev('fd0', { bus: 'floppy', type: 'disk', fsType: 'vfat', label: 'PILLARS', size: 1474560 });
const fdOther = dev('fd0', { bus: 'floppy', type: 'disk', fsType: 'vfat', label: 'BACKUP', size: 1474560 });
const ext4Pillars = dev('sdd1', { fsType: 'ext4', label: 'PILLARS' });

/** Devices that appear at given times (ms after start); a clock that only moves by sleeping. */
function world(timeline: [number, BlockDevice[]][]) {
  let t = 0;
  const clock: DiscoveryClock = {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
  const devices = {
    lists: 0,
    async list() {
      this.lists++;
      let cur: BlockDevice[] = [];
      for (const [at, ds] of timeline) if (at <= t) cur = ds;
      return cur;
    },
  };
  return { clock, devices };
}

async function discover(timeline: [number, BlockDevice[]][], config?: ConfigLocator, stickWaitMs = 5000) {
  const w = world(timeline);
  const r = await discoverConfig({
    config,
    stickWaitMs,
    devices: w.devices,
    clock: w.clock,
    pollMs: 250,
    settleMs: 1000,
  });
  return { r, lists: w.devices.lists };
}

describe('config discovery', () => {
  it('a USB stick present at once → usb-sata wins after the settle look', async () => {
    const { r } = await discover([[0, [disk, root, dev('sdb', { type: 'disk' }), stick]]]);
    expect(r.outcome).toBe('found');
    if (r.outcome !== 'found') return;
    expect(r.provider).toBe('usb-sata');
    expect(r.device.path).toBe('/dev/sdb1');
    expect(r.waitedMs).toBe(1000);
    expect(formatDiscovery(r, { file: 'pillars.yaml', generation: 7, checksum: '0123456789abcdef0123' })).toEqual([
      'pillars: config from usb-sata: /dev/sdb1 (usb, vfat, label PILLARS, 8.0 MiB), pillars.yaml, generation 7, sha256 0123456789ab',
      'pillars:   kernel-parameter: skipped — no pillars.config= on the kernel command line',
      'pillars:   floppy: skipped — no floppy drive',
    ]);
  });

  it('a slow USB stick that shows up after 3 s is waited for', async () => {
    const { r } = await discover([
      [0, [disk, root]],
      [3000, [disk, root, stick]],
    ]);
    expect(r.outcome === 'found' && [r.provider, r.device.name, r.waitedMs]).toEqual(['usb-sata', 'sdb1', 4000]);
  });

  it('a stick slower than the wait → none, saying what was seen', async () => {
    const { r, lists } = await discover([
      [0, [disk, root, fdEmpty]],
      [6000, [disk, root, stick]],
    ]);
    expect(r.outcome).toBe('none');
    expect(lists).toBe(21); // bounded polling: 5 s / 250 ms + the first look
    expect(formatDiscovery(r)).toEqual([
      'pillars: no config: no config medium (no FAT device labelled PILLARS)',
      'pillars:   kernel-parameter: skipped — no pillars.config= on the kernel command line',
      'pillars:   floppy: skipped — fd0: no file system (no medium?)',
      'pillars:   usb-sata: skipped — no FAT device labelled PILLARS after waiting 5.0s (seen: sda: no file system (no medium?); sda1: label root (ext4))',
    ]);
  });

  it('the slow-stick wait catches it', async () => {
    const { r } = await discover(
      [
        [0, [disk]],
        [6000, [disk, stick]],
      ],
      undefined,
      30_000,
    );
    expect(r.outcome === 'found' && r.device.name).toBe('sdb1');
  });

  it('a floppy labelled PILLARS wins; the USB provider says why it lost', async () => {
    const { r } = await discover([[0, [fdPillars, disk, root]]]);
    expect(r.outcome === 'found' && r.provider).toBe('floppy');
    expect(formatDiscovery(r).slice(1)).toEqual([
      'pillars:   kernel-parameter: skipped — no pillars.config= on the kernel command line',
      'pillars:   usb-sata: skipped — no FAT device labelled PILLARS after waiting 1.0s (seen: sda: no file system (no medium?); sda1: label root (ext4))',
    ]);
  });

  it.each<[string, BlockDevice[], RegExp]>([
    [
      'two USB sticks',
      [stick, stick2],
      /^2 media labelled PILLARS: \/dev\/sdb1 .*, \/dev\/sdc1 .* — remove all but one$/,
    ],
    ['a floppy and a stick', [fdPillars, stick], /^2 media labelled PILLARS: \/dev\/fd0 .*, \/dev\/sdb1/],
  ])('%s → error, not a guess', async (_t, devs, re) => {
    const { r } = await discover([[0, devs]]);
    expect(r.outcome).toBe('error');
    if (r.outcome !== 'error') return;
    expect(r.reason).toMatch(re);
    expect(r.devices).toHaveLength(2);
    expect(r.reports.filter((p) => p.outcome === 'conflict').length).toBeGreaterThan(0);
  });

  it('a second stick still enumerating during the settle time is caught', async () => {
    const { r } = await discover([
      [0, [stick]],
      [500, [stick, stick2]],
    ]);
    expect(r.outcome).toBe('error');
  });

  describe('the settle time counts from when the first stick appeared', () => {
    const early = (at: number) => ({ ...stick, appearedAt: at });

    it('a USB stick there 800 ms before the first look is taken 200 ms after it', async () => {
      const { r } = await discover([[0, [disk, early(-800)]]]);
      expect(r.outcome === 'found' && [r.device.name, r.waitedMs]).toEqual(['sdb1', 200]);
    });

    it('one there for seconds is taken at once', async () => {
      const { r } = await discover([[0, [disk, early(-5000)]]]);
      expect(r.outcome === 'found' && r.waitedMs).toBe(0);
    });

    it('a second stick within the window from the first one’s appearance is still caught', async () => {
      const { r } = await discover([
        [0, [early(-500)]],
        [400, [early(-500), { ...stick2, appearedAt: 400 }]],
      ]);
      expect(r.outcome).toBe('error');
      if (r.outcome === 'error') expect(r.reason).toMatch(/^2 media labelled PILLARS/);
    });

    it('no appearance time (floppy), or one in the future, waits the whole settle time', async () => {
      const floppy = await discover([[0, [fdPillars]]]);
      expect(floppy.r.outcome === 'found' && floppy.r.waitedMs).toBe(1000);
      const future = await discover([[0, [early(60_000)]]]);
      expect(future.r.outcome === 'found' && future.r.waitedMs).toBe(1000);
      const mixed = await discover([[0, [early(-5000), { ...stick2, label: 'OTHER' }]]]);
      expect(mixed.r.outcome === 'found' && mixed.r.waitedMs).toBe(0);
    });
  });

  it('names the first medium found to onCandidate before the settle time, once, and only a lone one', async () => {
    const seen: Array<[string, number]> = [];
    const w = world([
      [0, [disk]],
      [750, [disk, stick]],
    ]);
    const r = await discoverConfig({
      stickWaitMs: 5000,
      devices: w.devices,
      clock: w.clock,
      pollMs: 250,
      settleMs: 1000,
      onCandidate: (d) => seen.push([d.name, w.clock.now()]),
    });
    expect(r.outcome === 'found' && r.waitedMs).toBe(1750);
    expect(seen).toEqual([['sdb1', 750]]);

    const two: string[] = [];
    const w2 = world([[0, [stick, stick2]]]);
    await discoverConfig({
      stickWaitMs: 5000,
      devices: w2.devices,
      clock: w2.clock,
      onCandidate: (d) => two.push(d.name),
    });
    expect(two).toEqual([]);
  });

  describe('with an enumeration signal (event-driven settle)', () => {
    async function discoverWithPending(timeline: [number, BlockDevice[]][], pendingUntil: number) {
      const w = world(timeline);
      const devices = { list: () => w.devices.list(), enumerating: async () => w.clock.now() < pendingUntil };
      return discoverConfig({ stickWaitMs: 5000, devices, clock: w.clock, pollMs: 250, settleMs: 1000 });
    }

    it('a stick that is there with nothing else enumerating is taken after the settle time (a second stick may not have begun to enumerate)', async () => {
      const r = await discoverWithPending([[0, [disk, root, stick]]], 0);
      expect(r.outcome === 'found' && [r.device.name, r.waitedMs]).toEqual(['sdb1', 1000]);
    });

    it('a stick appearing after 2 s is taken one settle time after it appears', async () => {
      const r = await discoverWithPending(
        [
          [0, [disk]],
          [2000, [disk, stick]],
        ],
        0,
      );
      expect(r.outcome === 'found' && [r.device.name, r.waitedMs]).toEqual(['sdb1', 3000]);
    });

    it('a second stick still enumerating is waited for and caught', async () => {
      const r = await discoverWithPending(
        [
          [0, [stick]],
          [500, [stick, stick2]],
        ],
        500,
      );
      expect(r.outcome).toBe('error');
    });

    it('an interface that never gets its disk bounds the settle time (settle + one more)', async () => {
      const r = await discoverWithPending([[0, [stick]]], Infinity);
      expect(r.outcome === 'found' && r.waitedMs).toBe(2000);
    });
  });

  it('a superfloppy-formatted stick seen as disk and partition counts once', async () => {
    const whole = dev('sdb', { type: 'disk', fsType: 'vfat', label: 'PILLARS' });
    const { r } = await discover([[0, [whole, stick]]]);
    expect(r.outcome === 'found' && r.device.name).toBe('sdb1');
  });

  it.each<[string, BlockDevice[], string]>([
    ['PILLARS but ext4 is not taken', [ext4Pillars], 'sdd1: labelled PILLARS but ext4, not FAT'],
    ['a floppy with another label', [fdOther], 'fd0: label BACKUP (vfat)'],
  ])('%s', async (_t, devs, detail) => {
    const { r } = await discover([[0, devs]]);
    expect(r.outcome).toBe('none');
    expect(r.reports.map((p) => p.detail).join('\n')).toContain(detail);
  });

  it('lowercase label still matches (FAT labels are case-insensitive)', async () => {
    const { r } = await discover([[0, [dev('sdb1', { fsType: 'vfat', label: 'pillars' })]]]);
    expect(r.outcome).toBe('found');
  });

  describe('kernel parameter', () => {
    it.each<[string, BlockDevice[], string]>([
      ['LABEL=PILLARS', [stick, root], '/dev/sdb1'],
      ['UUID=1234-abcd', [stick, root], '/dev/sdb1'],
      ['/dev/sda1', [stick, root], '/dev/sda1'],
      ['/dev/disk/by-label/CFG', [root, dev('sde1', { links: ['/dev/disk/by-label/CFG'] })], '/dev/sde1'],
      ['LABEL=OTHER', [stick, dev('sdf1', { label: 'OTHER', fsType: 'vfat' })], '/dev/sdf1'],
    ])('pillars.config=%s overrides, even with a PILLARS stick present', async (raw, devs, path) => {
      const { r } = await discover([[0, devs]], parseConfigLocator(raw));
      expect(r.outcome === 'found' && [r.provider, r.device.path]).toEqual(['kernel-parameter', path]);
      expect(r.reports.filter((p) => p.outcome === 'skipped').map((p) => p.detail)).toEqual([
        `pillars.config=${raw} is set`,
        `pillars.config=${raw} is set`,
      ]);
      expect(r.waitedMs).toBe(0);
    });

    it('waits for the named device, then gives up with an error (no fallback to scanning)', async () => {
      const { r } = await discover([[0, [stick]]], parseConfigLocator('/dev/sdz1'));
      expect(r.outcome).toBe('error');
      expect(r.outcome === 'error' && r.reason).toBe('pillars.config=/dev/sdz1: no such device after waiting 5.0s');
    });

    it('finds a named device that appears late', async () => {
      const { r } = await discover(
        [
          [0, []],
          [2000, [stick]],
        ],
        parseConfigLocator('LABEL=PILLARS'),
      );
      expect(r.outcome === 'found' && r.waitedMs).toBe(2000);
    });

    it('a label matching two devices is an error', async () => {
      const { r } = await discover([[0, [stick, stick2]]], parseConfigLocator('LABEL=PILLARS'));
      expect(r.outcome === 'error' && r.reason).toBe(
        'pillars.config=LABEL=PILLARS matches 2 devices: /dev/sdb1, /dev/sdc1 — remove all but one',
      );
    });

    it('none → no config, by request', async () => {
      const { r, lists } = await discover([[0, [stick]]], { kind: 'none' });
      expect(r.outcome === 'none' && r.reason).toBe('pillars.config=none on the kernel command line');
      expect(lists).toBe(0);
    });

    it('an invalid value is an error', async () => {
      const { r } = await discover([[0, [stick]]], parseConfigLocator('sdb1'));
      expect(r.outcome).toBe('error');
      expect(formatDiscovery(r)[0]).toBe(
        'pillars: config error: pillars.config=sdb1: expected LABEL=NAME, UUID=ID, /dev/DEVICE or none',
      );
    });
  });

  it.each([
    [0, '0 B'],
    [1474560, '1.4 MiB'],
    [8 * 1024 ** 3, '8.0 GiB'],
  ])('formatSize(%i) = %s', (n, s) => expect(formatSize(n)).toBe(s));

  it('describes a device without file system', () => {
    expect(describeDevice(fdEmpty)).toBe('/dev/fd0 (floppy, no file system, no label)');
  });
});
