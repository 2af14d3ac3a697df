/**
 * The stick's pending mark (commit-confirm): its file, when it applies, the confirmed generation
 * it names, and a power cut at every step of its writes.
 */
import { describe, expect, test } from 'vitest';
import { sha256 } from '../../../overlay/config/hash.js';
import {
  markApplies,
  markCurrent,
  markTried,
  NoConfirmedGeneration,
  readProbation,
  savePending,
} from '../../../overlay/config/confirm.js';
import {
  clearMark,
  formatMark,
  MARK_FILE,
  MARK_NEW,
  parseMark,
  readMark,
  writeMark,
  type PendingMark,
} from '../../../overlay/config/mark.js';
import { MemoryStickFs } from '../../../overlay/config/memfs.js';
import { listHistory, readCurrent, saveConfig, type StickFs } from '../../../overlay/config/store.js';
import { Crash, CrashFs, memFrom } from './crash-fs.js';

const now = () => new Date('2026-01-02T03:04:05.000Z');
const cfg = (n: number) => `version: 1\n# generation body ${n}\n`;
const req = { windowSeconds: 300, since: '2026-01-02T03:04:05.000Z', tried: false, by: 'pillars stick import' };

const mark = (over: Partial<PendingMark> = {}): PendingMark => ({
  pending: { generation: 3, sha256: sha256(cfg(3)) },
  confirmed: 2,
  windowSeconds: 300,
  since: '2026-01-02T03:04:05.000Z',
  tried: false,
  by: 'pillars stick import',
  ...over,
});

async function stick(n: number): Promise<MemoryStickFs> {
  const fs = new MemoryStickFs(true);
  for (let i = 1; i <= n; i++) await saveConfig(fs, cfg(i), { now });
  return fs;
}

describe('the mark file', () => {
  test('round trip; a comment says what it means; any change to it is damage', () => {
    const text = formatMark(mark());
    expect(text).toMatch(/^# pillars: generation 3 awaits confirmation \(pillarsctl confirm on the box\)\.\n/);
    expect(text).toContain('\nconfirmed: 2\nwindow_seconds: 300\n');
    expect(parseMark(text)).toEqual(mark());
    expect(parseMark(text.replace('confirmed: 2', 'confirmed: 1'))).toEqual({ damaged: 'checksum mismatch' });
    expect(parseMark(text.slice(0, 80))).toEqual({ damaged: 'no checksum line (an interrupted write)' });
  });

  test('a complete .new file wins over the mark; a damaged file is skipped with a note', async () => {
    const fs = new MemoryStickFs(false);
    await writeMark(fs, mark());
    expect([...fs.files.keys()]).toEqual([MARK_FILE]);
    fs.files.set(MARK_NEW, formatMark(mark({ tried: true })));
    expect((await readMark(fs)).mark?.tried).toBe(true);
    fs.files.set(MARK_NEW, formatMark(mark({ tried: true })).slice(0, 50));
    expect(await readMark(fs)).toEqual({
      mark: mark(),
      notes: ['pillars.unconfirmed.new is damaged (no checksum line (an interrupted write)); skipped'],
    });
    expect(await clearMark(fs)).toBe(true);
    expect(fs.files.size).toBe(0);
    expect(await clearMark(fs)).toBe(false);
  });

  test('it applies to the generation it names (same text) and those between it and the confirmed one', async () => {
    const fs = await stick(3);
    const cur = await readCurrent(fs);
    expect(markApplies(mark(), cur)).toBe(true);
    expect(markApplies(mark({ pending: { generation: 3, sha256: sha256('other') } }), cur)).toBe(false);
    expect(markApplies(mark({ pending: { generation: 2, sha256: sha256(cfg(3)) } }), cur)).toBe(false);
    // A generation between the confirmed one and the one named (a cut save left it current).
    expect(markApplies(mark({ pending: { generation: 4, sha256: sha256('next') } }), cur)).toBe(true);
    expect(markApplies(mark({ confirmed: 3, pending: { generation: 4, sha256: sha256('next') } }), cur)).toBe(false);
    // Edited by hand since: the box boots the hand edit, as without a mark.
    expect(markApplies(mark(), { ...cur!, handEdited: true })).toBe(false);
  });
});

describe('saving a generation on probation', () => {
  test('from the laptop: the mark names the new generation and the one the stick held', async () => {
    const fs = await stick(2);
    const { gen, mark: m } = await savePending(fs, cfg(3), req, { now });
    expect(gen).toBe(3);
    expect(m).toEqual(mark());
    const p = await readProbation(fs);
    expect(p).toMatchObject({ mark: m, stale: false, notes: [] });
    expect(p.confirmed).toMatchObject({ gen: 2, body: cfg(2) });
  });

  test('a second change before confirmation falls back to the same confirmed generation', async () => {
    const fs = await stick(2);
    await savePending(fs, cfg(3), req, { now });
    const { mark: m } = await savePending(fs, cfg(4), { ...req, tried: true }, { now });
    expect(m).toMatchObject({ pending: { generation: 4 }, confirmed: 2, tried: true });
  });

  test('the box names the generation of the config it ran confirmed (by its text)', async () => {
    const fs = await stick(3);
    const { mark: m } = await savePending(fs, cfg(9), { ...req, confirmedSha: sha256(cfg(1)) }, { now });
    expect(m.confirmed).toBe(1);
    // A config that is not on the stick: what the stick would have booted.
    const { mark: m2 } = await savePending(fs, cfg(10), { ...req, confirmedSha: sha256('elsewhere') }, { now });
    expect(m2.confirmed).toBe(1);
  });

  test('a hand-edited pillars.yaml becomes a generation first, and is the confirmed one', async () => {
    const fs = await stick(1);
    fs.files.set('pillars.yaml', 'version: 1\n# by hand\n');
    const { gen, mark: m } = await savePending(fs, cfg(5), req, { now });
    expect(m).toMatchObject({ confirmed: 2, pending: { generation: 3 } });
    expect(gen).toBe(3);
    expect((await listHistory(fs)).map((h) => h.body)).toEqual([cfg(1), 'version: 1\n# by hand\n', cfg(5)]);
  });

  test('an empty stick has nothing to fall back to', async () => {
    await expect(savePending(new MemoryStickFs(), cfg(1), req)).rejects.toThrow(NoConfirmedGeneration);
  });

  test('a later plain save makes the mark stale; history keeps the confirmed generation however old', async () => {
    const fs = await stick(2);
    await savePending(fs, cfg(3), req, { now });
    for (let i = 4; i <= 30; i++) await saveConfig(fs, cfg(i), { now });
    const p = await readProbation(fs);
    expect(p).toMatchObject({ mark: undefined, stale: true });
    const gens = (await listHistory(fs)).map((h) => h.gen);
    expect(gens).toEqual([2, ...Array.from({ length: 20 }, (_, i) => i + 11)]);
  });

  test('the box marks the current generation it runs from the stick', async () => {
    const fs = await stick(3);
    expect(await markCurrent(fs, sha256(cfg(3)), { ...req, confirmedSha: sha256(cfg(2)), tried: true })).toEqual({
      mark: mark({ tried: true, by: req.by }),
    });
    expect(await markCurrent(fs, sha256(cfg(2)), req)).toEqual({
      why: 'the config on probation is not the stick’s current generation',
    });
    // Nothing older known good: no mark (the running config was not on the stick).
    const fresh = await stick(3);
    expect(await markCurrent(fresh, sha256(cfg(3)), { ...req, confirmedSha: sha256('x') })).toEqual({
      why: 'the stick holds no confirmed generation older than it',
    });
    expect(fresh.files.has(MARK_FILE)).toBe(false);
  });

  test('markTried records that the box runs it', async () => {
    const fs = await stick(2);
    const { mark: m } = await savePending(fs, cfg(3), req, { now });
    await markTried(fs, m);
    expect((await readMark(fs)).mark?.tried).toBe(true);
  });
});

/**
 * After a cut at any step: the stick yields the old config with no mark applying (the box boots it
 * as before), or the new one with its mark (the box boots the confirmed generation or runs the new
 * one on probation) — never the new one unmarked.
 */
describe('a power cut at every step', () => {
  const NEW = 'version: 1\n# on probation\n';
  const cases: [string, (fs: StickFs) => Promise<unknown>, (fs: StickFs) => Promise<void>][] = [
    ['savePending', async () => undefined, async (fs) => void (await savePending(fs, NEW, req, { now }))],
    [
      'savePending over a marked generation',
      async (fs) => savePending(fs, cfg(4), req, { now }),
      async (fs) => void (await savePending(fs, NEW, req, { now })),
    ],
    [
      'markTried',
      async (fs) => savePending(fs, NEW, req, { now }),
      async (fs) => void (await markTried(fs, (await readMark(fs)).mark!)),
    ],
    ['clearMark', async (fs) => savePending(fs, NEW, req, { now }), async (fs) => void (await clearMark(fs))],
  ];
  for (const renameReplaces of [false, true])
    for (const [name, before, step] of cases)
      test(`${name}, rename ${renameReplaces ? 'replaces' : 'needs remove'}`, async () => {
        let completed = false;
        let steps = 0;
        for (let crashAt = 1; crashAt < 200 && !completed; crashAt++) {
          const fs = new CrashFs(renameReplaces, Number.MAX_SAFE_INTEGER);
          for (let i = 1; i <= 3; i++) await saveConfig(fs, cfg(i), { now });
          await before(fs);
          const was = await readProbation(fs);
          (fs as unknown as { crashAt: number }).crashAt = fs.ops + crashAt;
          try {
            await step(fs);
            completed = true;
          } catch (e) {
            if (!(e instanceof Crash)) throw e;
            steps = crashAt;
          }
          for (const files of fs.afterCut()) {
            const p = await readProbation(await memFrom(files, renameReplaces));
            const at = `cut at step ${crashAt}`;
            if (name === 'clearMark') {
              // The mark stays (the conservative side) or is gone; the config is the same.
              expect(p.current?.body, at).toBe(NEW);
              if (p.mark) expect(p.mark, at).toEqual(was.mark);
            } else if (p.current?.body === NEW) {
              expect(p.mark, at).toBeDefined();
              expect(p.confirmed?.body, at).toBe(cfg(3));
            } else {
              // The old config, on probation exactly when it was, falling back to the same one.
              expect(p.current?.body, at).toBe(was.current?.body);
              expect(p.mark !== undefined, at).toBe(was.mark !== undefined);
              expect(p.confirmed?.body, at).toBe(was.confirmed?.body);
            }
          }
        }
        expect(completed).toBe(true);
        expect(steps).toBeGreaterThanOrEqual(name === 'clearMark' ? 2 : 4);
      });
});
