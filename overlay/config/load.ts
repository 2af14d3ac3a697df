/**
 * loadConfig: YAML text → a frozen, typed, defaulted config, or issues with file:line:column.
 * Never prints; callers decide how to show issues (formatIssue / formatIssues).
 */
import {
  LineCounter,
  parseDocument,
  isMap,
  isSeq,
  isScalar,
  isPair,
  visit,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import { deepFreeze, describe, pathText, validateValue, type Path, type RawIssue } from './decl.js';
import { MAX_ALIAS_COUNT, MAX_ISSUES, precheck } from './limits.js';
import { pillarsConfig, type PillarsConfig } from './model.js';
import { crossCheck } from './rules.js';
import { fastYaml } from './fast-yaml.js';
import { fastLocator } from './fast-locate.js';

export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted field path, e.g. vrrp.instances[0].priority.lb1; empty for syntax errors. */
  path: string;
  message: string;
}

export type LoadResult = { ok: true; config: PillarsConfig } | { ok: false; issues: ConfigIssue[] };

/** `pillars.yaml:12:5: vrrp.instances[0].priority.lb1: must be 1-254, got 300` */
export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.path ? i.path + ': ' : ''}${i.message}`;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map(formatIssue).join('\n');
}

export function parseYaml(text: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: false,
    prettyErrors: false,
    keepSourceTokens: false,
  });
  return { doc, lines };
}

function keyText(k: unknown): string {
  return isScalar(k) ? String(k.value) : String(k);
}

/** Source offset of the node a path points at (its key, its value, or its parent's value). */
export function locate(doc: Document, path: Path, at: RawIssue['at'] = 'value'): number {
  const target = at === 'parent' ? path.slice(0, -1) : path;
  let node: unknown = doc.contents;
  let keyNode: YamlNode | undefined;
  let lastGood = (doc.contents as YamlNode | null)?.range?.[0] ?? 0;
  for (const seg of target) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      keyNode = pair.key as YamlNode;
      node = pair.value;
      lastGood = keyNode.range?.[0] ?? lastGood;
      const v = node as YamlNode | null;
      if (v?.range && !(isScalar(v) && v.value === null && v.range[0] === v.range[1]))
        lastGood = at === 'key' ? lastGood : v.range[0];
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      keyNode = node.items[seg] as YamlNode;
      node = keyNode;
      lastGood = keyNode.range?.[0] ?? lastGood;
    } else break;
  }
  if (at === 'key' && keyNode?.range) return keyNode.range[0];
  return lastGood;
}

/** Duplicate keys, reported with their path at the second occurrence. */
function duplicateKeys(doc: Document): RawIssue[] {
  const out: RawIssue[] = [];
  const walk = (node: unknown, path: Path) => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = keyText(pair.key);
        if (seen.has(k))
          out.push({ path: [...path, k], message: `duplicate key "${k}"`, offset: (pair.key as YamlNode).range?.[0] });
        else {
          seen.add(k);
          walk(pair.value, [...path, k]);
        }
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
  };
  walk(doc.contents, []);
  return out;
}

/**
 * Defaults that depend on another key, applied to the parsed data before validation:
 * a VRRPv2 instance without advert_int gets 1000 ms (v2 counts whole seconds), not the v3 default.
 */
export function applyDependentDefaults(data: unknown): unknown {
  const vrrp = (data as { vrrp?: { instances?: unknown } } | null)?.vrrp;
  if (vrrp && Array.isArray(vrrp.instances)) {
    for (const inst of vrrp.instances as unknown[]) {
      if (inst && typeof inst === 'object' && !Array.isArray(inst)) {
        const i = inst as Record<string, unknown>;
        if (i.version === 2 && i.advert_int === undefined) i.advert_int = 1000;
      }
    }
  }
  return data;
}

export interface LoadOptions {
  /** Skip the cross-field rules (used by tools that edit partial configs). */
  typesOnly?: boolean;
  /** Read with `yaml` only, never the fast reading (the tests compare both: they must agree). */
  slowOnly?: boolean;
}

/** The first alias YAML cannot resolve (its anchor is not set before it), with its offset. */
function aliasProblem(doc: Document, err: unknown): { offset: number; message: string } {
  let found: { offset: number; message: string } | undefined;
  let count = 0;
  visit(doc, {
    Alias(_key, node) {
      count++;
      const at = node.range?.[0] ?? 0;
      if (!found && node.resolve(doc) === undefined)
        found = { offset: at, message: `YAML alias *${node.source} has no anchor &${node.source} before it` };
      else if (!found && count === 1 && /alias count|resource exhaustion/i.test(String(err)))
        found = {
          offset: at,
          message: `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} expansions; write the values out)`,
        };
      return found ? visit.BREAK : undefined;
    },
  });
  return found ?? { offset: 0, message: `YAML: ${String((err as Error)?.message ?? err).split('\n')[0]}` };
}

/** At most MAX_ISSUES issues, then one line counting the rest (`total` counts them all). */
function bounded(list: ConfigIssue[], total = list.length): ConfigIssue[] {
  if (total <= MAX_ISSUES) return list;
  const next = list[MAX_ISSUES] ?? list[list.length - 1]!;
  return [
    ...list.slice(0, MAX_ISSUES),
    { ...next, path: '', message: `${total - MAX_ISSUES} more issues not shown (fix the ones above first)` },
  ];
}

/**
 * Issues come mostly in file order; locating each costs a walk of the document, so only the first
 * few times MAX_ISSUES are located and sorted (a file with 20,000 errors is answered as fast as one
 * with 200).
 */
const LOCATED = 4 * MAX_ISSUES;

export function loadConfig(text: string, fileName = 'pillars.yaml', opts: LoadOptions = {}): LoadResult {
  const lines = new LineCounter();
  const early = (offset: number, message: string): LoadResult => {
    // Count lines only up to the problem (the file may be huge).
    let line = 1;
    let col = 1;
    for (let i = 0; i < offset && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    return { ok: false, issues: [{ file: fileName, line, column: col, path: '', message }] };
  };
  const pre = precheck(text);
  if (pre) return early(pre.offset, pre.message);
  const sorted = (list: ConfigIssue[], total = list.length) =>
    bounded(
      list.sort((a, b) => a.line - b.line || a.column - b.column),
      total,
    );
  const fast = opts.slowOnly ? undefined : fastYaml(text);
  if (fast && typeof fast.data === 'object' && fast.data !== null && !Array.isArray(fast.data)) {
    const raw = validateData(fast.data, opts);
    if (raw.issues.length === 0) return { ok: true, config: deepFreeze(raw.value) };
    // Placed from the nodes the fast reading recorded; where they do not line up, yaml reads the file.
    const place = fastLocator(text, fast.root);
    let whole: Document | undefined;
    const where = (path: Path, at: RawIssue['at']) =>
      place(path, at) ?? locate((whole ??= parseDocument(text, { uniqueKeys: false, prettyErrors: false })), path, at);
    const lines = lineStarts(text);
    return {
      ok: false,
      issues: sorted(
        raw.issues.slice(0, LOCATED).map((r) => ({
          file: fileName,
          ...lineCol(lines, r.offset ?? where(r.path, r.at)),
          path: pathText(r.path),
          message: r.message,
        })),
        raw.issues.length,
      ),
    };
  }
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, keepSourceTokens: false });
  } catch (e) {
    // The parser's own limits (e.g. the stack): still a config error, never a crash.
    return early(0, `YAML cannot be read: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  const pos = (offset: number) => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const toIssue = (r: RawIssue): ConfigIssue => ({
    file: fileName,
    ...pos(r.offset ?? locate(doc, r.path, r.at)),
    path: pathText(r.path),
    message: r.message,
  });
  const located = (list: RawIssue[]) => sorted(list.slice(0, LOCATED).map(toIssue), list.length);

  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: sorted(
        doc.errors.map((e) => ({
          file: fileName,
          ...pos(e.pos[0]),
          path: '',
          message: `YAML syntax: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
        })),
      ),
    };
  }
  const dups = duplicateKeys(doc);
  if (dups.length > 0) return { ok: false, issues: located(dups) };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const p = aliasProblem(doc, e);
    return { ok: false, issues: [{ file: fileName, ...pos(p.offset), path: '', message: p.message }] };
  }
  if (data === null || data === undefined)
    return {
      ok: false,
      issues: [
        {
          file: fileName,
          line: 1,
          column: 1,
          path: '',
          message: 'the file is empty (start from a starter config: pillars stick init)',
        },
      ],
    };
  if (typeof data !== 'object' || Array.isArray(data)) {
    const start = (doc.contents as YamlNode | null)?.range?.[0] ?? 0;
    return {
      ok: false,
      issues: [
        {
          file: fileName,
          ...pos(start),
          path: '',
          message: `the file must be a map of sections (version, nodes, …), got ${describe(data)}`,
        },
      ],
    };
  }
  const checked = validateData(data, opts);
  if (checked.issues.length > 0) return { ok: false, issues: located(checked.issues) };
  return { ok: true, config: deepFreeze(checked.value) };
}

/** The declaration table's checks, then (when the types are right) the cross-section rules. */
function validateData(data: object, opts: LoadOptions): { issues: RawIssue[]; value: PillarsConfig } {
  const issues: RawIssue[] = [];
  const value = validateValue(pillarsConfig, applyDependentDefaults(data), [], issues) as PillarsConfig;
  if (issues.length === 0 && !opts.typesOnly) issues.push(...crossCheck(value));
  return { issues, value };
}

/** Offsets of the line starts, for line:column of any offset by binary search. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineCol(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}
