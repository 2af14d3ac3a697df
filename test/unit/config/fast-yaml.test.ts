/**
 * The fast reading (js-yaml with YAML 1.2's core schema, positions from its listener) must give
 * exactly what the `yaml` reading gives: the same data, the same issues at the same line:column.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import fc from 'fast-check';
import { loadConfig, locate as loadLocate } from '../../../overlay/config/load.js';
import { fastYaml } from '../../../overlay/config/fast-yaml.js';
import { fastLocator } from '../../../overlay/config/fast-locate.js';
import { applyEdits, cases, type Case } from './invalid-cases.js';

const fixtures = new URL('../../fixtures/config/', import.meta.url);
const base = (name: Case['base']) => readFileSync(new URL(`base-${name}.yaml`, fixtures), 'utf8');
const examples = readdirSync(new URL('examples/', fixtures)).map((f) =>
  readFileSync(new URL(`examples/${f}`, fixtures), 'utf8'),
);
const profiles = new URL('../../../profiles/', import.meta.url);
const starters = readdirSync(profiles)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(new URL(f, profiles), 'utf8'));
const texts = [
  base('director'),
  base('heartbeat'),
  ...examples,
  ...starters,
  ...cases.map((k) => applyEdits(base(k.base), k.edits)),
];

const slow = (text: string) => parseDocument(text, { uniqueKeys: false }).toJS({ maxAliasCount: 100 }) as unknown;

describe('the fast reading agrees with the yaml reading', () => {
  it('on every fixture, starter and invalid case: the same result, issues and positions', () => {
    for (const t of texts) expect(loadConfig(t)).toEqual(loadConfig(t, 'pillars.yaml', { slowOnly: true }));
  });

  it('reads the fixtures itself (it does not hand them all to the slow reading)', () => {
    const read = texts.filter((t) => fastYaml(t) !== undefined).length;
    expect(read / texts.length).toBeGreaterThan(0.8);
  });

  it('places issues itself: the listener positions equal the yaml positions for every path of every fixture', () => {
    let placed = 0;
    let total = 0;
    for (const t of [base('director'), base('heartbeat'), ...examples]) {
      const doc = parseDocument(t);
      const read = fastYaml(t);
      expect(read).toBeDefined();
      const where = fastLocator(t, read!.root);
      const paths: (string | number)[][] = [];
      const walk = (v: unknown, p: (string | number)[]) => {
        paths.push(p);
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
      };
      walk(doc.toJS(), []);
      for (const p of paths)
        for (const at of ['value', 'key', 'parent'] as const) {
          total++;
          const fast = where(p, at);
          if (fast === undefined) continue;
          placed++;
          const want = loadLocate(doc, p, at);
          expect(fast, `${JSON.stringify(p)} ${at}`).toBe(want);
        }
    }
    expect(placed / total).toBeGreaterThan(0.95);
  });

  it.each([
    ['0x1F', 31],
    ['0o17', 15],
    ['017', 17],
    ['1_000', '1_000'],
    ['0b101', '0b101'],
    ['+12', 12],
    ['-0.5e3', -500],
    ['.5', 0.5],
    ['1.', 1],
    ['-.inf', -Infinity],
    ['.NaN', NaN],
    ['yes', 'yes'],
    ['on', 'on'],
    ['True', true],
    ['FALSE', false],
    ['tRUE', 'tRUE'],
    ['~', null],
    ['Null', null],
    ['nULL', 'nULL'],
    ['2001-12-14', '2001-12-14'],
    ['12:30:00', '12:30:00'],
    ['"3"', '3'],
    ["'true'", 'true'],
    ['', null],
  ])('scalar %s reads as %s both ways', (src, want) => {
    const text = `v: ${src}\n`;
    expect(fastYaml(text)?.data).toEqual({ v: want });
    expect(slow(text)).toEqual({ v: want });
  });

  it('leaves anchors, aliases, tags, duplicate keys and several documents to the yaml reading', () => {
    for (const t of [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      '!!map\na: 1\n',
      'a:\n  - &x {b: 1}\n  - *x\n',
      '{a: !!int "1"}\n',
      'a: 1\na: 2\n',
      'a: 1\n---\nb: 2\n',
      'a: [1\n',
    ])
      expect(fastYaml(t), t).toBeUndefined();
    // The same characters inside values and comments do not count.
    expect(fastYaml('a: "x *y &z !w"\n# note: *see* & !this\nb: c*d\n')?.data).toEqual({ a: 'x *y &z !w', b: 'c*d' });
  });

  it('agrees with the yaml reading on generated maps of tricky scalars', () => {
    const scalar = fc.oneof(
      fc.constantFrom('0x10', '0o7', '1e3', '.inf', 'null', 'True', 'no', '1_0', '0b1', '-', '?x', 'a:b', 'a #c'),
      fc.integer().map(String),
      fc.double({ noNaN: true }).map(String),
      fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
      fc.stringMatching(/^[a-z][a-z0-9._/-]{0,10}$/),
    );
    const doc = fc.dictionary(
      fc.stringMatching(/^[a-z][a-z_]{0,6}$/),
      fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })),
      {
        maxKeys: 6,
      },
    );
    fc.assert(
      fc.property(doc, (d) => {
        const text = Object.entries(d)
          .map(([k, v]) => (Array.isArray(v) ? `${k}: [${v.join(', ')}]` : `${k}: ${v}`))
          .join('\n');
        const fast = fastYaml(text);
        // loadConfig takes the fast reading only for a map; anything else goes the yaml way.
        if (fast === undefined || typeof fast.data !== 'object' || fast.data === null) return;
        let want: unknown;
        try {
          const doc = parseDocument(text, { uniqueKeys: false });
          if (doc.errors.length > 0) return; // js-yaml is more lenient on some syntax; both are then re-read slowly when invalid
          want = doc.toJS();
        } catch {
          return;
        }
        expect(fast.data).toEqual(want);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe("the benchmark's hostile files", () => {
  it('each is a config error; one bad value at the end of 2 MiB is placed on its line by the fast reading', async () => {
    const { hostileFiles } = await import('../../../bench/validate.js');
    for (const [name, text] of hostileFiles()) {
      const r = loadConfig(text);
      expect(r.ok, name).toBe(false);
      if (name.startsWith('one bad value')) {
        expect(fastYaml(text)).toBeDefined();
        expect(r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
          '10010:188 director.virtual_servers[9999].real_servers[0].weight: must be 0-65535, got -5',
        ]);
      }
    }
  });
});
