/**
 * The declaration language of the config model. Every key of pillars.yaml is declared once with one
 * of these constructors (type, default, range or enum, doc, checks); the TypeScript type (`Infer`),
 * the validator (`validateValue`), the JSON Schema (schema.ts) and the markdown reference
 * (reference.ts) are all derived from those declarations.
 */
import { MAC, HOSTNAME, isNetmask, parseCidr, parseHostPort, parseIp } from './net.js';
import { echo } from './limits.js';

interface Base {
  doc: string;
  /** Absent → an issue "required". Keys with a default are never required. */
  required?: boolean;
  /** Masked by `show` unless asked; never echoed in validation messages. */
  secret?: boolean;
  /** Extra check on the value after the type check; returns a message or undefined. */
  check?: (value: never) => string | undefined;
}

/** Built-in string formats, each with the phrase used in messages and in the reference. */
export const FORMATS = {
  ip: { text: 'an IPv4 or IPv6 address', test: (s: string) => parseIp(s) !== undefined },
  ipv4: { text: 'an IPv4 address', test: (s: string) => parseIp(s)?.family === 4 },
  cidr: { text: 'an address with prefix length (e.g. 10.0.0.1/24)', test: (s: string) => parseCidr(s) !== undefined },
  ipOrCidr: {
    text: 'an address, optionally with prefix length (e.g. 10.0.0.10 or 10.0.0.10/24)',
    test: (s: string) => parseCidr(s, true) !== undefined,
  },
  mac: { text: 'a MAC address (e.g. 52:54:00:12:34:56)', test: (s: string) => MAC.test(s.toLowerCase()) },
  hostname: { text: 'a hostname', test: (s: string) => HOSTNAME.test(s) },
  hostPort: { text: 'host:port (e.g. 10.0.0.1:80)', test: (s: string) => parseHostPort(s) !== undefined },
  host: { text: 'a hostname or address', test: (s: string) => HOSTNAME.test(s) || parseIp(s) !== undefined },
  netmask: { text: 'a netmask (e.g. 255.255.255.0)', test: isNetmask },
  email: {
    text: 'an e-mail address (letters, digits and ._%+- before the @, a domain after it)',
    test: (s: string) => /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/.test(s),
  },
  absPath: { text: 'an absolute path', test: (s: string) => s.startsWith('/') },
  dnsName: {
    // Host-name labels (RFC 1123) of at least two characters: keepalived's DNS_CHECK drops a name
    // with a trailing dot or with a one-character label ("a.example.org") as "has empty label"
    // (found by the property test, confirmed against the image's keepalived -t).
    text: 'a DNS name (labels of 2-63 letters, digits and -, not starting or ending with -, no trailing "."), or "." for the root',
    test: (s: string) =>
      s === '.' ||
      (s.length <= 253 &&
        /^([A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]\.)*[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/.test(s)),
  },
  urlPath: {
    text: 'a URL path starting with / (RFC 3986 characters; no spaces, quotes, $ or backslashes)',
    test: (s: string) => /^\/[A-Za-z0-9._~!&()*+,;=:@%/?-]*$/.test(s),
  },
  command: {
    // keepalived splits a script line into words itself and refuses an unterminated quote.
    text: 'a command line: an absolute program path and arguments, without backslashes, braces, $, backticks, both kinds of quote or an unpaired quote',
    test: (s: string) =>
      /^\/\S/.test(s) &&
      !/[\\{}$`]/.test(s) &&
      !(s.includes('"') && s.includes("'")) &&
      (s.split('"').length - 1) % 2 === 0 &&
      (s.split("'").length - 1) % 2 === 0,
  },
  text: { text: 'one line of text without double quotes or backslashes', test: (s: string) => !/["\\]/.test(s) },
  token: {
    text: 'one word (no spaces, quotes, #, backslashes, braces or $)',
    test: (s: string) => /^[^\s"'#\\{}$]+$/.test(s),
  },
} as const;
export type Format = keyof typeof FORMATS;

export interface StringField extends Base {
  kind: 'string';
  default?: string;
  format?: Format;
  pattern?: RegExp;
  /** How `pattern` reads in a message: "must be <patternText>". */
  patternText?: string;
  minLength?: number;
  maxLength?: number;
  /** Limits in UTF-8 bytes (secrets: daemons count bytes, not characters). */
  minBytes?: number;
  maxBytes?: number;
}
export interface IntField extends Base {
  kind: 'int';
  default?: number;
  min?: number;
  max?: number;
  multipleOf?: number;
  unit?: string;
}
export interface BoolField extends Base {
  kind: 'bool';
  default?: boolean;
}
export interface EnumField extends Base {
  kind: 'enum';
  values: readonly (string | number)[];
  default?: string | number;
}
/** A string, number or boolean (sysctl values). */
export interface ScalarField extends Base {
  kind: 'scalar';
  default?: string | number | boolean;
}
export interface ListField extends Base {
  kind: 'list';
  item: Field;
  minItems?: number;
  maxItems?: number;
  default?: readonly unknown[];
}
export interface MapField extends Base {
  kind: 'map';
  keyPattern: RegExp;
  keyText: string;
  /** Placeholder shown in the reference, e.g. "<node>". */
  keyName: string;
  value: Field;
  minEntries?: number;
  default?: Readonly<Record<string, unknown>>;
}
export interface ObjectField extends Base {
  kind: 'object';
  fields: Readonly<Record<string, Field>>;
  /** `{}` → an absent object is taken as empty, so its defaults apply. */
  default?: Readonly<Record<string, never>>;
}
export interface VariantField extends Base {
  kind: 'variant';
  default?: never;
  tag: string;
  variants: Readonly<Record<string, ObjectField>>;
}
export type Field =
  StringField | IntField | BoolField | EnumField | ScalarField | ListField | MapField | ObjectField | VariantField;

// ---- constructors (keep literal types so `Infer` can see defaults and enums) ----
type Opts<F> = Omit<F, 'kind'>;
export const str = <const O extends Opts<StringField>>(o: O) =>
  ({ kind: 'string', ...o }) as const satisfies StringField;
export const int = <const O extends Opts<IntField>>(o: O) => ({ kind: 'int', ...o }) as const satisfies IntField;
export const bool = <const O extends Opts<BoolField>>(o: O) => ({ kind: 'bool', ...o }) as const satisfies BoolField;
export const oneOf = <const O extends Opts<EnumField>>(o: O) => ({ kind: 'enum', ...o }) as const satisfies EnumField;
export const scalar = <const O extends Opts<ScalarField>>(o: O) =>
  ({ kind: 'scalar', ...o }) as const satisfies ScalarField;
export const list = <const O extends Opts<ListField>>(o: O) => ({ kind: 'list', ...o }) as const satisfies ListField;
export const map = <const O extends Opts<MapField>>(o: O) => ({ kind: 'map', ...o }) as const satisfies MapField;
export const obj = <const O extends Opts<ObjectField>>(o: O) =>
  ({ kind: 'object', ...o }) as const satisfies ObjectField;
export const variant = <const O extends Opts<VariantField>>(o: O) =>
  ({ kind: 'variant', ...o }) as const satisfies VariantField;

// ---- the TypeScript type of a declaration ----
type Present<F> = F extends { required: true } ? true : F extends { default: unknown } ? true : false;
export type InferObject<Fs> = {
  readonly [K in keyof Fs as Present<Fs[K]> extends true ? K : never]: Infer<Fs[K]>;
} & {
  readonly [K in keyof Fs as Present<Fs[K]> extends true ? never : K]?: Infer<Fs[K]>;
};
type Flat<T> = { [K in keyof T]: T[K] };
export type Infer<F> = F extends { kind: 'string' }
  ? string
  : F extends { kind: 'int' }
    ? number
    : F extends { kind: 'bool' }
      ? boolean
      : F extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : F extends { kind: 'scalar' }
          ? string | number | boolean
          : F extends { kind: 'list'; item: infer I }
            ? readonly Infer<I>[]
            : F extends { kind: 'map'; value: infer V }
              ? Readonly<Record<string, Infer<V>>>
              : F extends { kind: 'object'; fields: infer Fs }
                ? Flat<InferObject<Fs>>
                : F extends { kind: 'variant'; tag: infer T extends string; variants: infer Vs }
                  ? {
                      [K in keyof Vs]: Flat<
                        { readonly [P in T]: K } & InferObject<Vs[K] extends { fields: infer Fs } ? Fs : never>
                      >;
                    }[keyof Vs]
                  : never;

// ---- validation of a plain value (from YAML) against a declaration ----
export type Path = readonly (string | number)[];

export interface RawIssue {
  path: Path;
  message: string;
  /** Point at the key rather than the value (unknown and duplicate keys). */
  at?: 'key' | 'value' | 'parent';
  /** Exact source offset, when the reporter already knows it. */
  offset?: number;
}

export function pathText(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return echo(v);
  return String(v);
}

// Control characters (C0 including tab, DEL, C1) and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** "U+000A (a line break) at character 12" for the first control character of `s`. */
function controlText(s: string): string | undefined {
  const m = CONTROL.exec(s);
  if (!m) return undefined;
  const cp = m[0].charCodeAt(0);
  const what = cp === 10 || cp === 13 || cp > 0x2000 ? ' (a line break)' : cp === 9 ? ' (a tab)' : '';
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}${what} at character ${m.index + 1}`;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

function suggestion(key: string, known: readonly string[]): string {
  if (key.length > 40) return '';
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const dist = editDistance(key.toLowerCase(), k);
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

export function rangeText(f: IntField): string {
  if (f.min !== undefined && f.max !== undefined) return `${f.min}-${f.max}`;
  if (f.min !== undefined) return `at least ${f.min}`;
  if (f.max !== undefined) return `at most ${f.max}`;
  return 'an integer';
}

/**
 * Checks `value` against `field`, pushes issues, and returns the value with defaults filled in
 * (undefined when the value was unusable).
 */
export function validateValue(field: Field, value: unknown, path: Path, issues: RawIssue[]): unknown {
  const bad = (message: string, at: RawIssue['at'] = 'value') => {
    issues.push({ path, message, at });
    return undefined;
  };
  const custom = (v: unknown) => {
    const msg = field.check?.(v as never);
    if (msg) return bad(msg);
    return v;
  };
  switch (field.kind) {
    case 'string': {
      if (typeof value !== 'string')
        return bad(`must be a string, got ${field.secret ? 'a ' + typeName(value) : describe(value)}`);
      const shown = field.secret ? `${value.length} characters` : echo(value);
      // No field holds a line break or a control character: it would end the line of any file it reaches.
      const control = controlText(value);
      if (control) return bad(`must not contain control characters or line breaks, got ${control}`);
      const bytes = Buffer.byteLength(value, 'utf8');
      if (field.minBytes !== undefined && bytes < field.minBytes)
        return bad(`must be at least ${field.minBytes} bytes, got ${bytes}`);
      if (field.maxBytes !== undefined && bytes > field.maxBytes)
        return bad(`must be at most ${field.maxBytes} bytes (UTF-8), got ${bytes}`);
      if (field.minLength !== undefined && value.length < field.minLength)
        return bad(`must be at least ${field.minLength} characters, got ${field.secret ? value.length : shown}`);
      if (field.maxLength !== undefined && value.length > field.maxLength)
        return bad(`must be at most ${field.maxLength} characters, got ${field.secret ? value.length : shown}`);
      if (field.format && !FORMATS[field.format].test(value))
        return bad(`must be ${FORMATS[field.format].text}, got ${shown}`);
      if (field.pattern && !field.pattern.test(value))
        return bad(`must be ${field.patternText ?? `like ${field.pattern.source}`}, got ${shown}`);
      return custom(value);
    }
    case 'int': {
      if (typeof value !== 'number' || !Number.isInteger(value))
        return bad(`must be an integer, got ${describe(value)}`);
      if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max))
        return bad(`must be ${rangeText(field)}, got ${value}`);
      if (field.multipleOf !== undefined && value % field.multipleOf !== 0)
        return bad(`must be a multiple of ${field.multipleOf}, got ${value}`);
      return custom(value);
    }
    case 'bool':
      if (typeof value !== 'boolean') return bad(`must be true or false, got ${describe(value)}`);
      return custom(value);
    case 'enum':
      if (!field.values.includes(value as string | number))
        return bad(`must be one of ${field.values.join(', ')}, got ${describe(value)}`);
      return custom(value);
    case 'scalar':
      if (!['string', 'number', 'boolean'].includes(typeof value))
        return bad(`must be a string, number or boolean, got ${describe(value)}`);
      return custom(value);
    case 'list': {
      if (!Array.isArray(value)) return bad(`must be a list, got ${describe(value)}`);
      if (field.minItems !== undefined && value.length < field.minItems)
        return bad(`must have at least ${field.minItems} ${field.minItems === 1 ? 'entry' : 'entries'}`);
      if (field.maxItems !== undefined && value.length > field.maxItems)
        return bad(`must have at most ${field.maxItems} entries, got ${value.length}`);
      const out = value.map((v, i) => validateValue(field.item, v, [...path, i], issues));
      return custom(out);
    }
    case 'map': {
      if (!isMap(value)) return bad(`must be a map, got ${describe(value)}`);
      const out: Record<string, unknown> = {};
      const keys = Object.keys(value);
      if (field.minEntries !== undefined && keys.length < field.minEntries)
        return bad(`must have at least ${field.minEntries} ${field.minEntries === 1 ? 'entry' : 'entries'}`);
      for (const k of keys) {
        if (!field.keyPattern.test(k)) {
          issues.push({ path: [...path, k], message: `key ${echo(k)} must be ${field.keyText}`, at: 'key' });
          continue;
        }
        out[k] = validateValue(field.value, value[k], [...path, k], issues);
      }
      return custom(out);
    }
    case 'object': {
      if (!isMap(value)) return bad(`must be a map, got ${describe(value)}`);
      return custom(validateFields(field.fields, value, path, issues, []));
    }
    case 'variant': {
      if (!isMap(value)) return bad(`must be a map, got ${describe(value)}`);
      const names = Object.keys(field.variants);
      const tag = Object.hasOwn(value, field.tag) ? value[field.tag] : undefined;
      if (tag === undefined) {
        issues.push({ path: [...path, field.tag], message: `required (one of ${names.join(', ')})`, at: 'parent' });
        return undefined;
      }
      const v = typeof tag === 'string' && Object.hasOwn(field.variants, tag) ? field.variants[tag] : undefined;
      if (!v) {
        issues.push({
          path: [...path, field.tag],
          message: `must be one of ${names.join(', ')}, got ${describe(tag)}`,
        });
        return undefined;
      }
      return custom(validateFields(v.fields, value, path, issues, [field.tag]));
    }
  }
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'nothing';
  return typeof v === 'object' ? 'map' : typeof v;
}

function validateFields(
  fields: Readonly<Record<string, Field>>,
  value: Record<string, unknown>,
  path: Path,
  issues: RawIssue[],
  passthrough: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of passthrough) out[k] = value[k];
  // Only the map's own keys: `constructor` or `toString` must not read Object.prototype.
  const own = (k: string): unknown => (Object.hasOwn(value, k) ? value[k] : undefined);
  const known = Object.keys(fields);
  for (const k of Object.keys(value)) {
    if (passthrough.includes(k)) continue;
    if (!Object.hasOwn(fields, k))
      issues.push({ path: [...path, k], message: `unknown key ${echo(k)}${suggestion(k, known)}`, at: 'key' });
  }
  for (const [k, f] of Object.entries(fields)) {
    const v = own(k);
    if (v === undefined) {
      if (f.default !== undefined) out[k] = validateValue(f, structuredClone(f.default), [...path, k], issues);
      else if (f.required) issues.push({ path: [...path, k], message: 'required', at: 'parent' });
      continue;
    }
    const r = validateValue(f, v, [...path, k], issues);
    if (r !== undefined) out[k] = r;
  }
  return out;
}

/** Deep-freeze a validated value so nobody downstream can change the running config by accident. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Paths (with "*" for list items and map keys) of the fields marked secret. */
export function secretPaths(field: Field, prefix: (string | '*')[] = []): (string | '*')[][] {
  if (field.secret) return [prefix];
  switch (field.kind) {
    case 'list':
      return secretPaths(field.item, [...prefix, '*']);
    case 'map':
      return secretPaths(field.value, [...prefix, '*']);
    case 'object':
      return Object.entries(field.fields).flatMap(([k, f]) => secretPaths(f, [...prefix, k]));
    case 'variant':
      return Object.values(field.variants).flatMap((v) => secretPaths(v, prefix));
    default:
      return [];
  }
}
