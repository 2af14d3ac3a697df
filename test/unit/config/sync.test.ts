/**
 * Config sync's decision between two sticks: which side is newer, a conflict, or the same config,
 * from the versions (generation, sha256) each stick holds; and the lineage read from a stick.
 */
import { describe, expect, it } from 'vitest';
import { clearMark, savePending } from '../../../overlay/config/confirm.js';
import { MemoryStickFs } from '../../../overlay/config/memfs.js';
import { readCurrent, saveConfig, withTrailer } from '../../../overlay/config/store.js';
import {
  derive,
  lastCommon,
  MAX_LINEAGE,
  parseLineage,
  readLineage,
  relate,
  versionSha,
  type Lineage,
  type Relation,
  type Version,
} from '../../../overlay/config/sync.js';

/** A version by generation and a letter standing for its text. */
const v = (gen: number, text: string): Version => ({ generation: gen, sha256: versionSha(`text ${text}\n`) });
/** A stick's lineage from "1a 2b 3c": the last one is current. */
const L = (spec: string): Lineage => {
  const versions = spec.split(' ').map((x) => v(Number(x.slice(0, -1)), x.slice(-1)));
  return { current: versions.at(-1)!, versions };
};

describe('relate: which stick is newer', () => {
  const cases: Array<[string, string, string, Relation, number | undefined]> = [
    // name, local, remote, relation, common generation
    ['same config', '1a 2b', '1a 2b', 'equal', 2],
    ['the same text under two numbers is the same config', '1a 2b', '1a 3b', 'equal', 1],
    ['local saved once since', '1a 2b 3c', '1a 2b', 'local-newer', 2],
    ['local saved three times since', '1a 2b 3c 4d 5e', '1a 2b', 'local-newer', 2],
    ['remote saved since', '1a 2b', '1a 2b 3c', 'remote-newer', 2],
    ['both saved since 2: same number, other texts', '1a 2b 3c', '1a 2b 3d', 'conflict', 2],
    ['both saved since 2: different numbers', '1a 2b 3c 4e', '1a 2b 3d', 'conflict', 2],
    ['no version in common', '1a 2b', '1c 2d', 'conflict', undefined],
    ['remote went back to an old text as a new generation', '1a 2b', '1a 2b 3a', 'remote-newer', 2],
    ['local restored the text the remote holds: the same config', '1a 2b 3a', '1a', 'equal', 1],
    ['the remote is at a version this side has left behind', '1a 2b 3c 4d', '1a 2b 3c', 'local-newer', 3],
  ];
  it.each(cases)('%s', (_name, local, remote, relation, common) => {
    const d = relate(L(local), L(remote));
    expect(d.relation).toBe(relation);
    expect(d.common?.generation).toBe(common);
    // seen from the other side
    const back = relate(L(remote), L(local)).relation;
    const mirror: Record<Relation, Relation> = {
      equal: 'equal',
      conflict: 'conflict',
      'local-newer': 'remote-newer',
      'remote-newer': 'local-newer',
    };
    expect(back).toBe(mirror[relation]);
  });

  it('a hand edit (a text under an existing number) is a change of its own', () => {
    const edited: Lineage = { current: v(2, 'x'), versions: [v(1, 'a'), v(2, 'b'), v(2, 'x')] };
    expect(relate(edited, L('1a 2b')).relation).toBe('local-newer');
    expect(relate(edited, L('1a 2b 3c')).relation).toBe('conflict');
    expect(lastCommon(edited, L('1a 2b 3c'))).toEqual(v(2, 'b'));
  });
});

describe('derive: the lineage of a config based on a stick version', () => {
  it('is the versions up to the base, then the new one', () => {
    expect(derive(L('1a 2b 3c'), v(2, 'b'), v(4, 'd'))).toEqual(L('1a 2b 4d'));
    expect(derive(L('1a 2b'), v(2, 'b'), v(3, 'c'))).toEqual(L('1a 2b 3c'));
  });
  it('is the base itself when the text did not change', () => {
    expect(derive(L('1a 2b'), v(2, 'b'), v(3, 'b'))).toEqual(L('1a 2b'));
  });
});

describe('readLineage: what a stick holds', () => {
  const now = () => new Date('2026-01-02T03:04:05.000Z');
  it('every intact generation, the current one last, with the sha256 of its trailer', async () => {
    const fs = new MemoryStickFs();
    for (const t of ['a', 'b', 'c']) await saveConfig(fs, `text ${t}\n`, { now });
    const r = await readLineage(fs);
    expect(r?.lineage).toEqual(L('1a 2b 3c'));
    expect(r?.body).toBe('text c\n');
    const trailer = /sha256:([0-9a-f]{64})/.exec(fs.files.get('pillars.yaml')!)![1];
    expect(r?.lineage.current.sha256).toBe(trailer);
  });
  it('a hand-edited pillars.yaml is current under the newest number, with its own sha256', async () => {
    const fs = new MemoryStickFs();
    await saveConfig(fs, 'text a\n', { now });
    fs.files.set('pillars.yaml', 'text x');
    const r = await readLineage(fs);
    expect(r?.lineage.current).toEqual(v(1, 'x'));
    expect(r?.lineage.versions).toEqual([v(1, 'a'), v(1, 'x')]);
  });
  it('a generation on probation (commit-confirm) does not count: the stick is the confirmed one it boots', async () => {
    const fs = new MemoryStickFs();
    for (const t of ['a', 'b']) await saveConfig(fs, `text ${t}\n`, { now });
    const req = { windowSeconds: 300, since: now().toISOString(), tried: true, by: 'test' };
    await savePending(fs, 'text c\n', req, { now });
    const r = await readLineage(fs);
    expect(r).toEqual({ lineage: L('1a 2b'), body: 'text b\n', unconfirmed: v(3, 'c') });
    // confirmed: the mark goes, generation 3 is the stick's
    await clearMark(fs);
    expect((await readLineage(fs))?.lineage).toEqual(L('1a 2b 3c'));
  });
  it('nothing on an empty stick', async () => {
    expect(await readLineage(new MemoryStickFs())).toBeUndefined();
  });
});

describe('saveConfig atLeast: a config from the peer keeps its number', () => {
  const now = () => new Date('2026-01-02T03:04:05.000Z');
  it('takes the number when it is higher, else the next one', async () => {
    const fs = new MemoryStickFs();
    await saveConfig(fs, 'text a\n', { now });
    expect(await saveConfig(fs, 'text b\n', { now, atLeast: 7 })).toBe(7);
    expect((await readCurrent(fs))?.gen).toBe(7);
    expect(await saveConfig(fs, 'text c\n', { now, atLeast: 3 })).toBe(8);
    expect(fs.files.get('history/gen-000007.yaml')).toBe(withTrailer('text b\n', 7, now().toISOString()));
  });
});

describe('parseLineage: a lineage from the peer', () => {
  it('takes a well-formed one and drops extra fields', () => {
    const l = L('1a 2b');
    expect(parseLineage({ ...l, extra: 1 })).toEqual(l);
  });
  it.each([
    ['not an object', 'x'],
    ['no current', { versions: [] }],
    ['current not among the versions', { current: v(3, 'c'), versions: [v(1, 'a')] }],
    ['a bad sha256', { current: { generation: 1, sha256: 'zz' }, versions: [{ generation: 1, sha256: 'zz' }] }],
    ['a fractional generation', { current: { generation: 1.5, sha256: v(1, 'a').sha256 }, versions: [] }],
    ['too many versions', { current: v(1, 'a'), versions: Array.from({ length: MAX_LINEAGE + 1 }, () => v(1, 'a')) }],
  ])('refuses %s', (_name, value) => {
    expect(parseLineage(value)).toBeUndefined();
  });
});
