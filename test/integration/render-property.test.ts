/**
 * Every config the validator accepts renders to files the daemons accept. fast-check generates
 * configs from the declaration table (overlay/config/model.ts): starting from a config that holds
 * every free-text field a renderer writes, each string the declarations mark as free text gets a
 * generated value full of hostile shapes (quotes, $(), backticks, ;, braces, #, !, non-ASCII, very
 * long), and each number, flag and choice a generated value within its declared range. Whatever
 * the validator accepts is rendered by every role for every node, and then:
 *  - keepalived.conf passes the image's own `keepalived -t`;
 *  - every shell script passes `sh -n`;
 *  - no free-text value reaches a .conf or .sh file unquoted.
 * Needs root and the image's rootfs (see test/helpers/image-tools.ts), not QEMU.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { loadConfig, type PillarsConfig } from '../../overlay/config/index.js';
import { validateValue, type Field, type RawIssue } from '../../overlay/config/decl.js';
import { pillarsConfig } from '../../overlay/config/model.js';
import { ROLES, selectRoles } from '../../overlay/roles/index.js';
import type { RenderedFile } from '../../overlay/roles/role.js';
import { contextFor } from '../fixtures/render/cases.js';
import { findRootfsTar, imageRootfs, inImage, withNetns } from '../helpers/image-tools.js';
import { run } from '../../builder/exec.js';

const asRoot = process.getuid?.() === 0;
const RUNS = Number(process.env.PILLARS_PROPERTY_RUNS ?? 60);
/** A fixed seed keeps CI repeatable; PILLARS_PROPERTY_SEED=random (or another number) explores further. */
const SEED_ENV = process.env.PILLARS_PROPERTY_SEED ?? '20261202';
const SEED = SEED_ENV === 'random' ? Date.now() % 2 ** 31 : Number(SEED_ENV);
const base = parse(readFileSync(new URL('../fixtures/property/rich.yaml', import.meta.url), 'utf8')) as unknown;

/** String formats that hold free text (as opposed to addresses and names other keys refer to). */
const FREE_FORMATS = new Set(['text', 'command', 'token', 'dnsName', 'urlPath', 'email', 'host']);
const isFree = (f: Field & { kind: 'string' }) =>
  f.secret === true || (f.format !== undefined && FREE_FORMATS.has(f.format));

/** Pieces hostile text is made of. */
const PIECES = [
  'a',
  'b',
  'Z',
  '0',
  '7',
  ' ',
  '  ',
  '/',
  '.',
  '-',
  '_',
  '@',
  ':',
  ',',
  '=',
  '+',
  '%',
  '"',
  "'",
  '\\',
  '$',
  '$(',
  ')',
  '`',
  ';',
  '&',
  '|',
  '<',
  '>',
  '{',
  '}',
  '#',
  '!',
  '*',
  '?',
  '~',
  '[',
  ']',
  '\n',
  '\t',
  '\r',
  '\u0000',
  '\u2028',
  'é',
  'ü',
  '✓',
  '日本',
  '😀',
  'global_defs',
  'virtual_server',
  'include',
];
const hostile: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 12 }).map((p) => p.join('')),
  fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }),
  fc.constantFrom('x'.repeat(1000), 'é'.repeat(300), "it's", 'say "hi"', 'a # b', 'a ! b', '@x', '~SEQ(x,1,2)', '.'),
);

/** Hostile shapes close to a format, so its filter accepts some (random text is never an e-mail). */
const near = (pieces: string[]) =>
  fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 8 }).map((p) => p.join(''));
const LABEL = ['a', 'Z', '0', '-', '_', 'é', ' ', '#', '{', '$', '"', 'include', 'global_defs'];
const NEAR: Partial<Record<string, fc.Arbitrary<string>>> = {
  email: fc.tuple(near([...LABEL, '.', '%', '+', "'"]), near(LABEL), near(LABEL)).map(([l, d, t]) => `${l}@${d}.${t}`),
  dnsName: fc.tuple(near(LABEL), near(LABEL), fc.constantFrom('', '.')).map(([a, b, dot]) => `${a}.${b}${dot}`),
  host: fc.tuple(near(LABEL), near(LABEL)).map(([a, b]) => `${a}.${b}`),
  urlPath: near([
    '/',
    'a',
    '.',
    '~',
    '!',
    '&',
    '(',
    ')',
    '*',
    '+',
    ',',
    ';',
    '=',
    ':',
    '@',
    '%',
    '?',
    '-',
    ' ',
    '$',
    '"',
    '{',
    '#',
  ]).map((p) => `/${p}`),
};

/** Does `v` pass `field` on its own (type, format, pattern, bytes, check)? */
function fits(field: Field, v: unknown): boolean {
  const issues: RawIssue[] = [];
  validateValue(field, v, [], issues);
  return issues.length === 0;
}

/**
 * An arbitrary for a variant of `value`, walking `field` alongside: the structure (which keys,
 * how many list entries, node and interface names) stays; leaves change within their declaration.
 * `free` collects the free-text values generated, for the "never unquoted" check.
 */
function vary(field: Field, value: unknown): fc.Arbitrary<unknown> {
  if (value === undefined) return fc.constant(undefined);
  switch (field.kind) {
    case 'string': {
      if (!isFree(field)) return fc.constant(value);
      // A command runs a program the image has (keepalived -t checks it exists and is secure).
      const gen =
        field.format === 'command'
          ? hostile.map((h) => `/usr/bin/busybox true ${h}`)
          : (NEAR[field.format ?? ''] ?? hostile);
      return fc.oneof(
        { weight: 1, arbitrary: fc.constant(value) },
        { weight: 3, arbitrary: gen.filter((s) => fits(field, s)) },
      );
    }
    case 'int': {
      const min = field.min ?? -1000;
      const max = Math.min(field.max ?? 100000, 2 ** 31 - 1);
      const step = field.multipleOf ?? 1;
      const gen = fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((n) => n * step);
      return fc.oneof({ weight: 9, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: gen });
    }
    case 'bool':
      return fc.oneof({ weight: 9, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: fc.boolean() });
    case 'enum':
      return fc.oneof(
        { weight: 9, arbitrary: fc.constant(value) },
        { weight: 1, arbitrary: fc.constantFrom(...field.values) },
      );
    case 'scalar':
      return fc.constant(value);
    case 'list':
      return fc.tuple(...(value as unknown[]).map((v) => vary(field.item, v)));
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>);
      return fc
        .tuple(...entries.map(([, v]) => vary(field.value, v)))
        .map((vs) => Object.fromEntries(entries.map(([k], i) => [k, vs[i]])));
    }
    case 'object':
    case 'variant': {
      const fields =
        field.kind === 'object' ? field.fields : field.variants[(value as Record<string, string>)[field.tag]!]!.fields;
      const entries = Object.entries(value as Record<string, unknown>);
      return fc
        .tuple(...entries.map(([k, v]) => (Object.hasOwn(fields, k) ? vary(fields[k]!, v) : fc.constant(v))))
        .map((vs) => Object.fromEntries(entries.map(([k], i) => [k, vs[i]]).filter(([, v]) => v !== undefined)));
    }
  }
}

/** Free-text values of a validated config, walking the declarations. */
function freeTexts(field: Field, value: unknown, out: string[] = []): string[] {
  if (value === undefined || value === null) return out;
  switch (field.kind) {
    case 'string':
      if (isFree(field)) out.push(value as string);
      break;
    case 'list':
      for (const v of value as unknown[]) freeTexts(field.item, v, out);
      break;
    case 'map':
      for (const v of Object.values(value as Record<string, unknown>)) freeTexts(field.value, v, out);
      break;
    case 'object':
    case 'variant': {
      const fields =
        field.kind === 'object' ? field.fields : field.variants[(value as Record<string, string>)[field.tag]!]!.fields;
      for (const [k, f] of Object.entries(fields)) freeTexts(f, (value as Record<string, unknown>)[k], out);
      break;
    }
  }
  return out;
}

function renderAll(config: PillarsConfig, nodeName: string): RenderedFile[] {
  const ctx = contextFor(config, nodeName);
  return selectRoles(config).run.flatMap((r) => ROLES.get(r)!.render(ctx));
}

/**
 * Every occurrence of `value` in `text` that needs quoting sits inside a quoted string of its line
 * (an odd number of one kind of quote mark before it: a value may also be a word inside a quoted
 * command line). Short values, and text the file holds anyway (the same file rendered from the
 * base config), say nothing about quoting and are skipped.
 */
function unquotedAt(text: string, value: string, baseText: string): number | undefined {
  if (/^[A-Za-z0-9_.:/%+=,-][A-Za-z0-9_.:/@%+=,-]*$/.test(value) || value.length < 3 || baseText.includes(value))
    return undefined;
  for (let i = text.indexOf(value); i >= 0; i = text.indexOf(value, i + 1)) {
    const lineStart = text.lastIndexOf('\n', i) + 1;
    const before = text.slice(lineStart, i);
    const open = (q: string) => (before.split(q).length - 1) % 2 === 1;
    if (!open('"') && !open("'")) return i;
  }
  return undefined;
}

describe.skipIf(!asRoot || !findRootfsTar('keepalived'))(
  'every accepted config renders to files the daemons accept',
  () => {
    it(`${RUNS} generated configs: keepalived -t, sh -n, nothing unquoted`, async () => {
      const rootfs = await imageRootfs('keepalived');
      const start = loadConfig(stringify(base));
      expect(start.ok ? [] : start.issues).toEqual([]);
      if (!start.ok) return;
      const baseFiles = new Map(
        Object.keys(start.config.nodes).flatMap((n) =>
          renderAll(start.config, n).map((f) => [`${n}:${f.path}`, f.content] as const),
        ),
      );
      const interfaces = ['ext', 'int'];
      let accepted = 0;
      let rejected = 0;
      let checked = 0;
      await withNetns({ interfaces }, async (ns) => {
        await fc.assert(
          fc.asyncProperty(vary(pillarsConfig, base), async (data) => {
            const r = loadConfig(stringify(data));
            if (!r.ok) rejected++;
            fc.pre(r.ok);
            if (!r.ok) return;
            accepted++;
            const free = freeTexts(pillarsConfig, r.config);
            for (const nodeName of Object.keys(r.config.nodes)) {
              const files = renderAll(r.config, nodeName);
              for (const f of files.filter((x) => x.path.endsWith('.conf') || x.path.endsWith('.sh'))) {
                const baseText = baseFiles.get(`${nodeName}:${f.path}`) ?? '';
                for (const v of free) {
                  const at = unquotedAt(f.content, v, baseText);
                  expect(at, `${f.path} holds ${JSON.stringify(v)} unquoted at ${at}:\n${f.content}`).toBeUndefined();
                }
              }
              for (const f of files.filter((x) => x.path.endsWith('.sh'))) {
                const sh = await run('sh', ['-n', '-c', f.content], { allowFailure: true, timeoutMs: 30_000 });
                expect(sh.code, `${f.path}: ${sh.stderr}\n${f.content}`).toBe(0);
              }
              for (const conf of files.filter((x) => /\/keepalived(-lvs)?\.conf$/.test(x.path))) {
                const name = `pillars-prop-${randomBytes(4).toString('hex')}.conf`;
                writeFileSync(join(rootfs, 'tmp', name), conf.content);
                try {
                  const [cmd, args] = inImage(ns, rootfs, ['keepalived', '-t', '-f', `/tmp/${name}`]);
                  const k = await run(cmd, args, { allowFailure: true, timeoutMs: 30_000 });
                  checked++;
                  expect(k.code, `keepalived -t on ${nodeName}: ${(k.stderr + k.stdout).trim()}\n${conf.content}`).toBe(
                    0,
                  );
                } finally {
                  rmSync(join(rootfs, 'tmp', name), { force: true });
                }
              }
            }
          }),
          { numRuns: RUNS, maxSkipsPerRun: 50, endOnFailure: true, seed: SEED },
        );
      });
      // The generator must mostly produce configs the validator accepts, or the test proves little.
      console.log(
        `render-property: ${accepted} configs accepted and checked, ${rejected} generated ones refused by the validator, ${checked} keepalived -t runs`,
      );
      expect(accepted).toBe(RUNS);
      // Two nodes, each with keepalived.conf (VRRP) and keepalived-lvs.conf (the health checks).
      expect(checked).toBe(RUNS * 4);
    }, 600_000);
  },
);
