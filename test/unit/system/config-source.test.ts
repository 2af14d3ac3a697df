import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStickConfig, MemoryStickFs, saveConfig } from '../../../overlay/config/index.js';
import { parseCmdline } from '../../../overlay/supervisor/cmdline.js';
import { checksumOf, findConfig, type ConfigSourceDeps } from '../../../overlay/supervisor/config-source.js';
import type { BlockDevice } from '../../../overlay/supervisor/discovery.js';
import { formatReturn, parseRunLine } from '../../../overlay/supervisor/test-channel.js';

const starter = readFileSync(join(import.meta.dirname, '../../../profiles/director.starter.yaml'), 'utf8');
const stick: BlockDevice = {
  name: 'sda',
  path: '/dev/sda',
  removable: true,
  bus: 'usb',
  type: 'disk',
  fsType: 'vfat',
  label: 'PILLARS',
  size: 8 << 20,
};

async function deps(opts: { devices?: BlockDevice[]; body?: string; macs?: string[]; mountFails?: boolean }) {
  const fs = new MemoryStickFs();
  if (opts.body !== undefined) await saveConfig(fs, opts.body, { now: () => new Date(0) });
  const said: string[] = [];
  let t = 0;
  const d: ConfigSourceDeps = {
    devices: { list: async () => opts.devices ?? [stick] },
    clock: { now: () => t, sleep: async (ms) => void (t += ms) },
    mountReadOnly: async () => {
      if (opts.mountFails) throw new Error('mount: wrong fs type');
    },
    load: () => loadStickConfig(fs),
    macs: () => opts.macs ?? ['52:54:00:00:01:01', '52:54:00:00:01:02'],
    say: (l) => said.push(l),
  };
  return { d, said };
}

const params = parseCmdline('console=ttyS0');

describe('findConfig', () => {
  it('a valid stick: node by MAC, generation and checksum on the console', async () => {
    const { d, said } = await deps({ body: starter });
    const o = await findConfig(params, d);
    expect(o.ok).toBe(true);
    if (!o.ok) return;
    expect(o.nodeName).toBe('lb1');
    expect(o.source).toMatchObject({
      provider: 'usb-sata',
      device: '/dev/sda',
      generation: 1,
      checksum: checksumOf(o.body),
    });
    expect(said[0]).toMatch(
      /^pillars: config from usb-sata: \/dev\/sda \(usb, vfat, label PILLARS, 8\.0 MiB\), pillars\.yaml, generation 1, sha256 [0-9a-f]{12}$/,
    );
    expect(said).toContain('pillars: node lb1 (matched by MAC address on wan, lan)');
  });

  it('pillars.node= overrides the MACs', async () => {
    const { d } = await deps({ body: starter, macs: [] });
    const o = await findConfig(parseCmdline('pillars.node=lb2'), d);
    expect(o.ok && o.nodeName).toBe('lb2');
  });

  it.each([
    ['no stick', { devices: [] }, /^no config medium/],
    [
      'unmountable',
      { body: starter, mountFails: true },
      /^cannot mount \/dev\/sda .* read-only: mount: wrong fs type$/,
    ],
    ['empty stick', {}, /^no pillars\.yaml on \/dev\/sda$/],
    ['invalid', { body: 'version: 1\nnodes: {}\n' }, /^invalid config on \/dev\/sda \(1 error\)$/],
    [
      'no node matches',
      { body: starter, macs: ['52:54:00:99:99:99'] },
      /^no node of the config has one of this box's MAC addresses/,
    ],
    [
      'two sticks',
      { body: starter, devices: [stick, { ...stick, name: 'sdb', path: '/dev/sdb' }] },
      /^2 media labelled PILLARS/,
    ],
  ])('%s → safe state with the reason', async (_n, o, reason) => {
    const { d } = await deps(o);
    const r = await findConfig(params, d);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  describe('reading the stick ahead while discovery waits for a second one', () => {
    function withReadAhead(d: ConfigSourceDeps, fail = false) {
      const log: string[] = [];
      const inner = d.load;
      d.readAhead = (dev) => {
        log.push(`ahead ${dev.path}`);
        return {
          read: fail ? Promise.reject(new Error('mount: no medium')) : inner(),
          undo: async () => void log.push('undo'),
        };
      };
      d.load = async (ahead) => {
        log.push(ahead ? 'load (read ahead)' : 'load');
        return ahead ?? inner();
      };
      return log;
    }

    it('the medium discovery keeps is read once, ahead', async () => {
      const { d } = await deps({ body: starter });
      const log = withReadAhead(d);
      const o = await findConfig(params, d);
      expect(o.ok && o.nodeName).toBe('lb1');
      expect(log).toEqual(['ahead /dev/sda', 'load (read ahead)']);
    });

    it('a second stick during the settle time: the read ahead is undone, two sticks refused', async () => {
      const { d } = await deps({ body: starter });
      let t = 0;
      d.clock = { now: () => t, sleep: async (ms) => void (t += ms) };
      d.devices = { list: async () => (t < 500 ? [stick] : [stick, { ...stick, name: 'sdb', path: '/dev/sdb' }]) };
      const log = withReadAhead(d);
      const o = await findConfig(params, d);
      expect(!o.ok && o.reason).toMatch(/^2 media labelled PILLARS/);
      expect(log).toEqual(['ahead /dev/sda', 'undo']);
    });

    it('a failed read ahead is read again the normal way, and its failure reported', async () => {
      const { d } = await deps({ body: starter });
      const log = withReadAhead(d, true);
      const o = await findConfig(params, d);
      expect(o.ok).toBe(true);
      expect(log).toEqual(['ahead /dev/sda', 'load']);
      const { d: bad } = await deps({ body: starter, mountFails: true });
      withReadAhead(bad, true);
      const r = await findConfig(params, bad);
      expect(!r.ok && r.reason).toMatch(/^cannot mount \/dev\/sda .* read-only: mount: wrong fs type$/);
    });
  });

  it('invalid config issues carry file:line:column', async () => {
    const { d } = await deps({ body: 'version: 1\nnodes: {}\n' });
    const r = await findConfig(params, d);
    expect(!r.ok && r.issues[0]).toMatchObject({ file: 'pillars.yaml', line: 2 });
  });
});

describe('test channel framing', () => {
  it('round-trips commands and answers', () => {
    const cmd = 'pillarsctl status --json | head -1';
    expect(parseRunLine(`@pt-run c7 ${Buffer.from(cmd).toString('base64')}`)).toEqual({ id: 'c7', command: cmd });
    expect(parseRunLine('garbage')).toBeUndefined();
    expect(formatReturn('c7', 0, 'ok\n')).toBe(`@pt-ret c7 0 ${Buffer.from('ok\n').toString('base64')}`);
  });
});
