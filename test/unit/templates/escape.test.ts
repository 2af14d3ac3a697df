import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  compileTemplate,
  haToken,
  keepalivedValue,
  nftValue,
  RenderRefused,
  shellWord,
} from '../../../overlay/templates/escape.js';

/** Every hostile shape an admin (or a config arriving over the network) could send. */
const HOSTILE = [
  'plain',
  'two words',
  'say "hi"',
  "it's",
  `both " and '`,
  'line\nbreak',
  'cr\rreturn',
  'tab\there',
  'nul\u0000byte',
  'esc\u001b[31m',
  'ls\u2028sep',
  '$(reboot)',
  '`reboot`',
  '${HOME}',
  '$HOME',
  'a; reboot',
  'a && reboot',
  'a | tee /etc/passwd',
  '} global_defs { router_id x',
  '{',
  '}',
  '# comment',
  'a # comment',
  '! comment',
  'a!b',
  'back\\slash',
  '\\',
  'ünïcødé ✓',
  '@cond',
  '~SEQ(x,1,2)',
  '-dash',
  '*glob?',
  '',
  'x'.repeat(5000),
];

/** Outcome of escaping: the text, or refused (a RenderRefused, never another error). */
function attempt(fn: (v: unknown) => string, v: string): string | undefined {
  try {
    return fn(v);
  } catch (e) {
    expect(e).toBeInstanceOf(RenderRefused);
    return undefined;
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

describe('shell words', () => {
  test('every hostile value is one word that sh reads back unchanged, or refused', () => {
    const accepted: string[] = [];
    for (const v of HOSTILE) {
      const w = attempt(shellWord, v);
      if (CONTROL.test(v)) expect(w).toBeUndefined();
      if (w !== undefined) accepted.push(w);
    }
    // One sh run reads every word back: printf prints one line per argument.
    const script = `printf '%s\\n' ${accepted.join(' ')} ; printf 'END\\n'`;
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const back = r.stdout.split('\n');
    const expected = HOSTILE.filter((v) => !CONTROL.test(v));
    expect(back.slice(0, expected.length)).toEqual(expected);
    expect(back[expected.length]).toBe('END');
  });
});

/**
 * keepalived's line reading (lib/parser.c): outside quotes `!` and `#` start a comment and
 * whitespace splits words; "…" and '…' quote; `{`/`}` are block words.
 */
function keepalivedWords(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || line[i] === '!' || line[i] === '#') break;
    let word = '';
    while (i < line.length && !/\s/.test(line[i]!)) {
      const ch = line[i]!;
      if (ch === '"' || ch === "'") {
        const end = line.indexOf(ch, i + 1);
        if (end < 0) throw new Error(`unmatched quote in ${line}`);
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if ((ch === '!' || ch === '#') && word === '') break;
      else word += line[i++];
    }
    out.push(word);
  }
  return out;
}

describe('keepalived values', () => {
  test('every hostile value is exactly one word on its line, or refused', () => {
    for (const v of HOSTILE) {
      const w = attempt(keepalivedValue, v);
      if (CONTROL.test(v) || /[{}$\\]/.test(v) || v === '' || (v.includes('"') && v.includes("'"))) {
        expect(w, JSON.stringify(v)).toBeUndefined();
        continue;
      }
      expect(w, JSON.stringify(v)).toBeDefined();
      expect(w!.startsWith('@') || w!.startsWith('~')).toBe(false);
      expect(keepalivedWords(`  script ${w} ! trailing comment`)).toEqual(['script', v]);
    }
  });
  test('a list is several words, each escaped', () => {
    expect(keepalivedValue(['192.0.2.10/24', 'dev', 'lan'])).toBe('192.0.2.10/24 dev lan');
    expect(() => keepalivedValue(['192.0.2.10', '}'])).toThrow(RenderRefused);
  });
  test('a template compiled for keepalived escapes every <%= %>', () => {
    const render = compileTemplate<{ s: string }>('vrrp_script x {\n  script <%= s %>\n}\n', 'keepalived', ['s']);
    expect(render({ s: '/bin/check a # b' })).toBe('vrrp_script x {\n  script "/bin/check a # b"\n}\n');
    expect(() => render({ s: '/bin/x\n}\nglobal_defs {' })).toThrow(RenderRefused);
  });
});

/** nft: a quoted string runs to the next `"`; bare words are identifiers, addresses and numbers. */
function nftWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|([^\s";{}#]+)|([;{}#])/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

describe('nft values', () => {
  test('every hostile value is one string or word, or refused', () => {
    for (const v of HOSTILE) {
      const w = attempt(nftValue, v);
      if (CONTROL.test(v) || /["\\]/.test(v)) {
        expect(w, JSON.stringify(v)).toBeUndefined();
        continue;
      }
      expect(nftWords(`comment ${w} accept`), JSON.stringify(v)).toEqual(['comment', v, 'accept']);
    }
  });
});

describe('heartbeat tokens', () => {
  test('a token holds no whitespace or #, so it stays one token', () => {
    for (const v of HOSTILE) {
      const w = attempt(haToken, v);
      if (CONTROL.test(v) || /[\s#]/.test(v) || v === '') {
        expect(w, JSON.stringify(v)).toBeUndefined();
        continue;
      }
      expect(`node1 ${w} IPaddr`.split(/\s+/)).toEqual(['node1', v, 'IPaddr']);
    }
  });
});
