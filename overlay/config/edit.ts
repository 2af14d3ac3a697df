/**
 * Editing pillars.yaml by field path while keeping the admin's comments and layout (yaml Document
 * API): get, set, unset, and masking of secrets for display.
 */
import { isMap, isScalar, isSeq, parse as parseYamlValue, type Document } from 'yaml';
import { secretPaths, type Field, type Path } from './decl.js';
import { parseYaml } from './load.js';
import { pillarsConfig } from './model.js';

export class PathError extends Error {}

/** "vrrp.instances[0].priority.lb1" → ["vrrp","instances",0,"priority","lb1"]; quoted keys keep dots. */
export function parsePath(text: string): Path {
  const out: (string | number)[] = [];
  const re = /\s*(?:\[(\d+)\]|\["([^"]*)"\]|\.?"([^"]*)"|\.?([^.[\]"]+))/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m || m[0] === '') throw new PathError(`cannot read field path "${text}" at character ${i + 1}`);
    if (m[1] !== undefined) out.push(Number(m[1]));
    else out.push(m[2] ?? m[3] ?? m[4]!);
    i = re.lastIndex;
  }
  if (out.length === 0) throw new PathError('empty field path');
  return joinDottedKeys(out);
}

/** `sysctl.net.ipv4.ip_forward` → ["sysctl", "net.ipv4.ip_forward"]: maps keyed by dotted names take the rest. */
function joinDottedKeys(path: (string | number)[]): Path {
  let f: Field | undefined = pillarsConfig;
  for (let i = 0; i < path.length; i++) {
    if (f?.kind === 'map' && f.keyName === '<name>' && typeof path[i] === 'string') {
      return [...path.slice(0, i), path.slice(i).join('.')];
    }
    f = fieldAt(f, path[i]!);
  }
  return path;
}

/** The declaration at one step below `f` (undefined when unknown). */
export function fieldAt(f: Field | undefined, seg: string | number, tagValue?: unknown): Field | undefined {
  if (!f) return undefined;
  switch (f.kind) {
    case 'list':
      return typeof seg === 'number' ? f.item : undefined;
    case 'map':
      return typeof seg === 'string' ? f.value : undefined;
    case 'object':
      return typeof seg === 'string' ? f.fields[seg] : undefined;
    case 'variant': {
      if (seg === f.tag) return { kind: 'enum', doc: f.doc, values: Object.keys(f.variants) };
      const v = typeof tagValue === 'string' ? f.variants[tagValue] : undefined;
      const all = v ? [v] : Object.values(f.variants);
      for (const o of all) if (typeof seg === 'string' && o.fields[seg]) return o.fields[seg];
      return undefined;
    }
    default:
      return undefined;
  }
}

export function declarationOf(path: Path): Field | undefined {
  let f: Field | undefined = pillarsConfig;
  for (const seg of path) f = fieldAt(f, seg);
  return f;
}

export function openDocument(text: string): Document {
  const { doc } = parseYaml(text);
  if (doc.errors.length > 0)
    throw new PathError(`the file is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  return doc;
}

export function getValue(text: string, path: Path): unknown {
  const doc = openDocument(text);
  if (!doc.hasIn(path)) throw new PathError(`no value at ${pathString(path)}`);
  const node = doc.getIn(path, true);
  return isScalar(node) ? node.value : ((node as { toJSON(): unknown } | undefined)?.toJSON?.() ?? node);
}

/** The command-line VALUE as YAML (so 200 is a number, [a, b] a list), but kept a string where a string is declared. */
export function parseValueText(path: Path, valueText: string): unknown {
  const f = declarationOf(path);
  if (f?.kind === 'string') return valueText;
  try {
    return parseYamlValue(valueText);
  } catch {
    return valueText;
  }
}

export function setValue(text: string, path: Path, value: unknown): string {
  const doc = openDocument(text);
  if (doc.contents === null) doc.contents = doc.createNode({});
  const parent = path.slice(0, -1);
  const last = path[path.length - 1];
  if (parent.length > 0 && doc.hasIn(parent)) {
    const p = doc.getIn(parent, true);
    if (isSeq(p) && typeof last === 'number' && last > p.items.length)
      throw new PathError(`${pathString(parent)} has ${p.items.length} entries; use index ${p.items.length} to append`);
    if (!isMap(p) && !isSeq(p)) throw new PathError(`${pathString(parent)} is not a map or list`);
  }
  // An existing scalar replaced by a scalar: splice the text, so layout and comments stay byte for byte.
  const old = doc.hasIn(path) ? doc.getIn(path, true) : undefined;
  if (isScalar(old) && old.range && (value === null || typeof value !== 'object') && !old.type?.startsWith('BLOCK')) {
    return text.slice(0, old.range[0]) + scalarText(value) + text.slice(old.range[1]);
  }
  doc.setIn(path, doc.createNode(value));
  return doc.toString({ lineWidth: 0 });
}

/** A scalar as YAML that reads back as the same value, in block and in flow context. */
export function scalarText(v: unknown): string {
  if (typeof v !== 'string') return v === null || v === undefined ? 'null' : String(v);
  if (/^[A-Za-z0-9_./@+-][A-Za-z0-9_./@+ -]*$/.test(v) && !/ $/.test(v) && parseYamlValue(v) === v) return v;
  return JSON.stringify(v);
}

export function unsetValue(text: string, path: Path): string {
  const doc = openDocument(text);
  if (!doc.hasIn(path)) throw new PathError(`no value at ${pathString(path)}`);
  doc.deleteIn(path);
  return doc.toString({ lineWidth: 0 });
}

export const MASK = '********';

/**
 * The text with every secret value replaced by '********' (comments and layout kept). Quoted, so
 * the masked text is still YAML (a bare ******** is an alias) and `stick show --json` can parse it.
 */
export function maskSecrets(text: string): string {
  const { doc } = parseYaml(text);
  if (doc.errors.length > 0) return text;
  const patterns = secretPaths(pillarsConfig);
  const ranges: [number, number][] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isScalar(node)) {
      if (
        node.range &&
        patterns.some((p) => p.length === path.length && p.every((seg, i) => seg === '*' || seg === path[i]))
      )
        ranges.push([node.range[0], node.range[1]]);
      return;
    }
    if (isMap(node))
      for (const pair of node.items)
        walk(pair.value, [...path, isScalar(pair.key) ? String(pair.key.value) : String(pair.key)]);
    else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
  };
  walk(doc.contents, []);
  let out = text;
  for (const [a, b] of ranges.sort((x, y) => y[0] - x[0])) out = `${out.slice(0, a)}'${MASK}'${out.slice(b)}`;
  return out;
}

export function pathString(path: Path): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : /[.[\]"]/.test(p) ? `["${p}"]` : i === 0 ? p : `.${p}`))
    .join('');
}
