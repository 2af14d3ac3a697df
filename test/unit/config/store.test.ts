import { describe, expect, test } from 'vitest';
import { mkdtemp, readFile, writeFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStickFs } from '../../../overlay/config/memfs.js';
import { DirectoryStickFs } from '../../../overlay/config/nodefs.js';
import { Crash, CrashFs, memFrom } from './crash-fs.js';
import {
  listHistory,
  readCurrent,
  restoreGeneration,
  saveConfig,
  splitTrailer,
  withTrailer,
  historyPath,
  type StickFs,
} from '../../../overlay/config/store.js';

const now = () => new Date('2026-01-02T03:04:05.000Z');
const cfg = (n: number) => `version: 1\n# generation body ${n}\n`;

describe('trailer', () => {
  test('round trip and tamper detection', () => {
    const t = withTrailer('a: 1\n', 7, '2026-01-02T03:04:05.000Z');
    expect(t).toMatch(/\n# pillars-generation: 7 2026-01-02T03:04:05.000Z sha256:[0-9a-f]{64}\n$/);
    expect(splitTrailer(t)).toMatchObject({ body: 'a: 1\n', gen: 7, valid: true });
    expect(splitTrailer(t.replace('a: 1', 'a: 2')).valid).toBe(false);
    expect(splitTrailer('a: 1\n')).toMatchObject({ body: 'a: 1\n', gen: undefined, valid: false });
  });
});

describe('save and read', () => {
  test('generations count up and history keeps the last 20', async () => {
    const fs = new MemoryStickFs();
    for (let i = 1; i <= 25; i++) expect(await saveConfig(fs, cfg(i), { now })).toBe(i);
    const cur = await readCurrent(fs);
    expect(cur).toMatchObject({ body: cfg(25), gen: 25, source: 'pillars.yaml', handEdited: false, notes: [] });
    const h = await listHistory(fs);
    expect(h.map((e) => e.gen)).toEqual(Array.from({ length: 20 }, (_, i) => i + 6));
    expect(fs.files.has('pillars.new')).toBe(false);
  });
  test('restore saves an old generation as a new one', async () => {
    const fs = new MemoryStickFs();
    await saveConfig(fs, cfg(1), { now });
    await saveConfig(fs, cfg(2), { now });
    expect(await restoreGeneration(fs, 1, { now })).toBe(3);
    expect((await readCurrent(fs))?.body).toBe(cfg(1));
    expect(await restoreGeneration(fs, 99, { now })).toBeUndefined();
  });
  test('a hand-edited pillars.yaml (no trailer) is taken as is, and kept as a generation on the next save', async () => {
    const fs = new MemoryStickFs();
    await saveConfig(fs, cfg(1), { now });
    fs.files.set('pillars.yaml', 'version: 1\n# edited in notepad\n');
    expect(await readCurrent(fs)).toMatchObject({
      body: 'version: 1\n# edited in notepad\n',
      handEdited: true,
      gen: 1,
    });
    expect(await saveConfig(fs, cfg(3), { now })).toBe(3);
    expect((await listHistory(fs)).map((h) => [h.gen, h.body])).toEqual([
      [1, cfg(1)],
      [2, 'version: 1\n# edited in notepad\n'],
      [3, cfg(3)],
    ]);
  });
  test('a hand edit that kept the trailer line is still a hand edit', async () => {
    const fs = new MemoryStickFs();
    await saveConfig(fs, cfg(1), { now });
    fs.files.set('pillars.yaml', fs.files.get('pillars.yaml')!.replace('body 1', 'body one'));
    expect(await readCurrent(fs)).toMatchObject({
      body: 'version: 1\n# generation body one\n',
      handEdited: true,
      gen: 1,
    });
  });
  test('a damaged history entry is skipped and reported', async () => {
    const fs = new MemoryStickFs();
    await saveConfig(fs, cfg(1), { now });
    await saveConfig(fs, cfg(2), { now });
    fs.files.set(historyPath(1), fs.files.get(historyPath(1))!.slice(0, 10));
    const cur = await readCurrent(fs);
    expect(cur?.notes).toEqual(['history/gen-000001.yaml is damaged (checksum mismatch); skipped']);
    expect((await listHistory(fs)).map((h) => h.valid)).toEqual([false, true]);
  });
  test('a save cut while writing its history file leaves that number used; the next save says which it takes', async () => {
    const fs = new MemoryStickFs();
    await saveConfig(fs, cfg(1), { now });
    // Cut saves: each left a torn history file behind and the config at generation 1.
    fs.files.set(historyPath(2), withTrailer(cfg(2), 2, now().toISOString()).slice(0, 12));
    fs.files.set(historyPath(3), withTrailer(cfg(3), 3, now().toISOString()).slice(0, 12));
    expect((await readCurrent(fs))?.gen).toBe(1);
    const told: number[] = [];
    expect(await saveConfig(fs, cfg(4), { now, onGeneration: (g) => told.push(g) })).toBe(4);
    expect(told).toEqual([4]);
    expect(await readCurrent(fs)).toMatchObject({ body: cfg(4), gen: 4 });
  });
  test('an empty stick has no config', async () => {
    expect(await readCurrent(new MemoryStickFs())).toBeUndefined();
  });
});

describe('a power cut at every step of a save leaves the old or the new config', () => {
  const starts: [string, (fs: StickFs) => Promise<string | undefined>][] = [
    ['empty stick', async () => undefined],
    [
      'after three saves',
      async (fs) => {
        for (let i = 1; i <= 3; i++) await saveConfig(fs, cfg(i), { now });
        return cfg(3);
      },
    ],
    [
      'hand-edited pillars.yaml',
      async (fs) => {
        await fs.write('pillars.yaml', 'version: 1\n# by hand\n');
        await fs.sync();
        return 'version: 1\n# by hand\n';
      },
    ],
    [
      'history full (pruning)',
      async (fs) => {
        for (let i = 1; i <= 20; i++) await saveConfig(fs, cfg(i), { now });
        return cfg(20);
      },
    ],
  ];
  for (const renameReplaces of [false, true])
    for (const [name, setup] of starts)
      test(`${name}, rename ${renameReplaces ? 'replaces' : 'needs remove'}`, async () => {
        const NEW = 'version: 1\n# the new one\n';
        let completed = false;
        let steps = 0;
        for (let crashAt = 1; crashAt < 200 && !completed; crashAt++) {
          const fs = new CrashFs(renameReplaces, Number.MAX_SAFE_INTEGER);
          const old = await setup(fs);
          (fs as unknown as { crashAt: number }).crashAt = fs.ops + crashAt;
          try {
            await saveConfig(fs, NEW, { now });
            completed = true;
          } catch (e) {
            if (!(e instanceof Crash)) throw e;
          }
          steps = crashAt;
          for (const state of fs.afterCut()) {
            const cur = await readCurrent(await memFrom(state, renameReplaces));
            const allowed = completed ? [NEW] : [old, NEW];
            expect(allowed, `cut at step ${crashAt}: got ${JSON.stringify(cur?.body)}`).toContain(cur?.body);
            // the stick keeps working: the next save succeeds and reads back
            const after = await memFrom(state, renameReplaces);
            await saveConfig(after, 'version: 1\n# next\n', { now });
            expect((await readCurrent(after))?.body).toBe('version: 1\n# next\n');
          }
        }
        expect(completed).toBe(true);
        expect(steps).toBeGreaterThan(5);
      });
});

describe('unreadable files (a FAT entry left pointing at free clusters by a power cut)', () => {
  class BrokenFs extends MemoryStickFs {
    readonly broken = new Set<string>();
    override async read(path: string): Promise<string | undefined> {
      if (this.broken.has(path))
        throw new Error(`cannot read ${path} from usb.img: Fat problem while decoding 60 0\nmore`);
      return super.read(path);
    }
  }

  test('pillars.yaml unreadable: the newest intact generation from history is used, with a note', async () => {
    const fs = new BrokenFs(true);
    for (let i = 1; i <= 3; i++) await saveConfig(fs, cfg(i), { now });
    fs.broken.add('pillars.yaml');
    const cur = await readCurrent(fs);
    expect(cur?.body).toBe(cfg(3));
    expect(cur?.gen).toBe(3);
    expect(cur?.notes).toEqual([
      'pillars.yaml is unreadable (cannot read pillars.yaml from usb.img: Fat problem while decoding 60 0); skipped',
      'using generation 3 from history/gen-000003.yaml',
    ]);
  });

  test('an unreadable history file or pillars.new is skipped, and the next save still works', async () => {
    const fs = new BrokenFs(true);
    for (let i = 1; i <= 3; i++) await saveConfig(fs, cfg(i), { now });
    await fs.write('pillars.new', 'whatever');
    fs.broken.add('history/gen-000003.yaml');
    fs.broken.add('pillars.new');
    const cur = await readCurrent(fs);
    expect(cur?.body).toBe(cfg(3));
    expect(cur?.notes).toContain(
      'history/gen-000003.yaml is unreadable (cannot read history/gen-000003.yaml from usb.img: Fat problem while decoding 60 0); skipped',
    );
    expect(cur?.notes).toContain(
      'pillars.new is unreadable (cannot read pillars.new from usb.img: Fat problem while decoding 60 0); skipped',
    );
    expect(await saveConfig(fs, cfg(4), { now })).toBe(4);
    fs.broken.clear();
    expect((await readCurrent(fs))?.body).toBe(cfg(4));
  });
});

describe('DirectoryStickFs (a mounted stick)', () => {
  test('save, read, history and restore on a real directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pillars-dirfs-'));
    try {
      const fs = new DirectoryStickFs(dir);
      await saveConfig(fs, cfg(1), { now });
      await saveConfig(fs, cfg(2), { now });
      expect((await readCurrent(fs))?.body).toBe(cfg(2));
      expect(await readdir(join(dir, 'history'))).toEqual(['gen-000001.yaml', 'gen-000002.yaml']);
      expect(splitTrailer(await readFile(join(dir, 'pillars.yaml'), 'utf8'))).toMatchObject({ gen: 2, valid: true });
      await writeFile(join(dir, 'pillars.yaml'), 'version: 1\n');
      expect(await readCurrent(fs)).toMatchObject({ handEdited: true, body: 'version: 1\n' });
      expect(await restoreGeneration(fs, 1, { now })).toBe(4);
      expect((await readCurrent(fs))?.body).toBe(cfg(1));
      await expect(fs.read('../etc/passwd')).rejects.toThrow('path leaves the stick');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadStickConfig', () => {
  test('reads and validates in one call', async () => {
    const { loadStickConfig } = await import('../../../overlay/config/read.js');
    const fs = new MemoryStickFs();
    expect(await loadStickConfig(fs)).toEqual({ current: undefined, result: undefined });
    await saveConfig(fs, 'version: 1\nnodes: {}\n', { now });
    const r = await loadStickConfig(fs);
    expect(r.current?.gen).toBe(1);
    expect(r.result).toEqual({
      ok: false,
      issues: [{ file: 'pillars.yaml', line: 2, column: 8, path: 'nodes', message: 'must have at least 1 entry' }],
    });
  });
});
