/**
 * Escaping by construction: one escaper per output language. Every template is compiled with the
 * escaper of the language it writes (`compileTemplate`), so each `<%= value %>` passes through it
 * and a value that reaches a renderer cannot change the structure of the file. `<%- %>` (raw) is
 * only for text the renderer built itself from already-escaped parts.
 *
 * An escaper quotes where the language can quote, and refuses (throws RenderRefused) what the
 * language cannot carry at all. The validator refuses such values first with file:line; the
 * refusal here is the second wall, and the box then stays in the safe state with the reason.
 */
import ejs from 'ejs';

export class RenderRefused extends Error {
  constructor(
    readonly language: OutputLanguage,
    readonly value: string,
    why: string,
  ) {
    super(
      `${language}: refusing to render ${JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)}: ${why}`,
    );
    this.name = 'RenderRefused';
  }
}

export type OutputLanguage = 'keepalived' | 'shell' | 'nft' | 'ha';

// Control characters (C0, DEL, C1) and the Unicode line/paragraph separators never belong in a value.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const refuseControl = (language: OutputLanguage, s: string) => {
  if (CONTROL.test(s)) throw new RenderRefused(language, s, 'control characters and line breaks are not allowed');
};

/**
 * keepalived.conf (keepalived's lib/parser.c): a line is split into words at whitespace; a word
 * may be quoted with "…" or '…', and inside quotes a backslash escapes the next character (in the
 * argv of scripts) while other keywords take the quoted text as it is, so a backslash reads
 * differently per keyword. `{` and `}` open and close blocks, `!` and `#` start a comment outside
 * quotes, and `$NAME`/`${NAME}` are definitions substituted before the line is split. A value is
 * written as one bare word when it is plainly safe, otherwise as one quoted word: double quotes,
 * or single quotes when it holds a double quote. What no quoting can carry is refused: control
 * characters, both kinds of quote at once, backslashes, braces and `$`. A list is written as
 * several words, each escaped on its own.
 */
export function keepalivedValue(v: unknown): string {
  // A list is several words on one line ("192.0.2.10/24 dev lan"), each escaped on its own.
  if (Array.isArray(v)) return v.map(keepalivedValue).join(' ');
  const s = String(v);
  refuseControl('keepalived', s);
  if (s === '') throw new RenderRefused('keepalived', s, 'an empty value is not allowed');
  if (/[\\{}$]/.test(s)) throw new RenderRefused('keepalived', s, 'backslashes, braces and $ are not allowed');
  if (s.includes('"') && s.includes("'"))
    throw new RenderRefused('keepalived', s, 'a value cannot hold both kinds of quote');
  // A bare word never starts with @ (a conditional line) or ~ (~SEQ, ~LST).
  if (/^[A-Za-z0-9_.:/%+=,-][A-Za-z0-9_.:/@%+=,-]*$/.test(s)) return s;
  return s.includes('"') ? `'${s}'` : `"${s}"`;
}

/** POSIX shell: one word, single-quoted unless it is plainly safe. */
export function shellWord(v: unknown): string {
  const s = String(v);
  refuseControl('shell', s);
  return /^[A-Za-z0-9_.:/@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * nftables: identifiers, addresses and numbers are written bare; anything else as a quoted
 * string. nft strings have no escape for `"` or `\`, and `;`, `{`, `}`, `#` outside a string
 * change the structure, so those are refused.
 */
export function nftValue(v: unknown): string {
  const s = String(v);
  refuseControl('nft', s);
  if (/["\\]/.test(s)) throw new RenderRefused('nft', s, 'double quotes and backslashes are not allowed');
  return /^[A-Za-z0-9_.:/-]+$/.test(s) ? s : `"${s}"`;
}

/** ha.cf / haresources / authkeys: whitespace-separated tokens, `#` starts a comment. */
export function haToken(v: unknown): string {
  const s = String(v);
  refuseControl('ha', s);
  if (s === '' || /[\s#]/.test(s))
    throw new RenderRefused('ha', s, 'whitespace and # are not allowed in a heartbeat token');
  return s;
}

const ESCAPERS: Readonly<Record<OutputLanguage, (v: unknown) => string>> = {
  keepalived: keepalivedValue,
  shell: shellWord,
  nft: nftValue,
  ha: haToken,
};

/**
 * Compile an ejs template whose `<%= %>` outputs are escaped for `language`. The locals are
 * destructured from `it` (strict mode: no `with`), as the existing templates use them.
 *
 * Compiled at the first render, not when the module loads: the supervisor bundle holds every
 * role's templates, a box renders only its own roles', and compiling all of them at start-up cost
 * about 0.25 s of the boot under emulation. Every template is rendered by the tests.
 */
export function compileTemplate<T extends Record<string, unknown>>(
  template: string,
  language: OutputLanguage,
  locals: readonly (keyof T & string)[],
): (data: T) => string {
  return lazyTemplate(() =>
    ejs.compile(template, {
      escape: ESCAPERS[language],
      strict: true,
      localsName: 'it',
      destructuredLocals: [...locals],
    }),
  );
}

/** A template function compiled by `compile` at its first call and kept from then on. */
export function lazyTemplate<T>(compile: () => (data: T) => string): (data: T) => string {
  let fn: ((data: T) => string) | undefined;
  return (data: T) => (fn ??= compile())(data);
}
