/**
 * The fast reading of pillars.yaml. The `yaml` package gives every node its source position (what
 * file:line:column errors need) but reads about 1 MB a second; js-yaml reads ten times faster and
 * keeps no positions. So a config is first read with js-yaml, and only a file that has something
 * to report (or a YAML feature this reading does not vouch for) is read again with `yaml`, whose
 * result is then authoritative.
 *
 * The two must agree on every file the fast reading accepts. js-yaml runs with a schema that is
 * exactly YAML 1.2's core schema as `yaml` implements it (the same null/bool/int/float patterns;
 * js-yaml's own core schema also reads `1_000` and `0b101` as numbers, which YAML 1.2 does not),
 * and the fast reading refuses to vouch for anchors, aliases and tags (their expansion limits and
 * messages are the `yaml` reading's business), for duplicate keys and for anything js-yaml rejects.
 * A listener records where each node starts (fast-locate.ts places issues with it).
 */
import jsyaml from 'js-yaml';
import { MAX_NESTING } from './limits.js';

const { Schema, Type, load, YAMLException } = jsyaml;

/** The YAML 1.2 core schema's implicit scalars (yaml's core schema, yaml/dist/schema/core). */
const CORE = {
  null: /^(?:~|[Nn]ull|NULL)?$/,
  bool: /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  int: /^[-+]?[0-9]+$/,
  intOct: /^0o[0-7]+$/,
  intHex: /^0x[0-9a-fA-F]+$/,
  float: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/,
  special: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
};

function coreNumber(s: string): number {
  if (CORE.intOct.test(s)) return parseInt(s.slice(2), 8);
  if (CORE.intHex.test(s)) return parseInt(s.slice(2), 16);
  if (CORE.int.test(s)) return parseInt(s, 10);
  if (CORE.special.test(s)) return /nan/i.test(s) ? NaN : s.startsWith('-') ? -Infinity : Infinity;
  return parseFloat(s);
}

const isNumber = (s: string) =>
  CORE.int.test(s) || CORE.intOct.test(s) || CORE.intHex.test(s) || CORE.float.test(s) || CORE.special.test(s);

const SCHEMA = new Schema({
  implicit: [
    new Type('tag:yaml.org,2002:null', {
      kind: 'scalar',
      resolve: (s: string | null) => s === null || CORE.null.test(s),
      construct: () => null,
    }),
    new Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (s: string | null) => s !== null && CORE.bool.test(s),
      construct: (s: string) => /^[Tt]/.test(s),
    }),
    new Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (s: string | null) => s !== null && isNumber(s),
      construct: coreNumber,
    }),
  ],
  explicit: [
    new Type('tag:yaml.org,2002:str', { kind: 'scalar', construct: (s: string | null) => s ?? '' }),
    new Type('tag:yaml.org,2002:seq', { kind: 'sequence', construct: (s: unknown[] | null) => s ?? [] }),
    new Type('tag:yaml.org,2002:map', { kind: 'mapping', construct: (s: object | null) => s ?? {} }),
  ],
});

/** A node as the listener saw it: where js-yaml began to read it, what it built, its children. */
export interface Span {
  /** Blanks and comments before the node may come first (see skipToContent). */
  open: number;
  result: unknown;
  children: Span[];
}

/** The first character of the node that starts at or after `i`: blanks, breaks, comments skipped. */
export function skipToContent(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else if (c === 0x23 /* # */) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else break;
  }
  return i;
}

/** A node starting with one of these carries an anchor (&), is an alias (*) or has a tag (!). */
const PROPERTY = new Set([0x26, 0x2a, 0x21]);

class NotVouched extends Error {}

/**
 * The data of `text` and the tree of its nodes, when the fast reading can vouch for it (the same
 * data `yaml` would build); otherwise undefined, and the caller reads the file with `yaml`.
 */
export function fastYaml(text: string): { data: unknown; root: Span } | undefined {
  const stack: Span[] = [];
  let root: Span | undefined;
  try {
    const data = load(text, {
      // js-yaml refuses duplicate keys unless `json` is set, and several documents in `load`.
      schema: SCHEMA,
      json: false,
      maxDepth: MAX_NESTING + 8,
      listener(event: 'open' | 'close', state: { position: number; result: unknown }) {
        if (event === 'open') {
          stack.push({ open: state.position, result: undefined, children: [] });
          return;
        }
        const s = stack.pop()!;
        if (PROPERTY.has(text.charCodeAt(skipToContent(text, s.open)))) throw new NotVouched();
        s.result = state.result;
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(s);
        else root ??= s;
      },
    } as jsyaml.LoadOptions);
    return root ? { data, root } : undefined;
  } catch (e) {
    if (e instanceof NotVouched || e instanceof YAMLException || e instanceof RangeError) return undefined;
    throw e;
  }
}
