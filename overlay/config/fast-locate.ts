/**
 * Positions for the fast reading (fast-yaml.ts): its listener recorded where each node starts, and
 * the nodes are matched to the data they built. This
 * places an issue anywhere in a file of a few MB in a fraction of what reading it with `yaml`
 * costs. Where the recorded nodes do not line up with the data in the plain way (a flow map entry
 * without a value, an explicit `?` key…), the answer is undefined and the caller asks `yaml`.
 */
import type { Path, RawIssue } from './decl.js';
import { skipToContent, type Span } from './fast-yaml.js';

const isMapData = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A node read through a failed block-mapping attempt wraps the real node once or more. */
function unwrap(s: Span): Span {
  while (s.children.length === 1 && s.children[0]!.result === s.result && typeof s.result === 'object')
    s = s.children[0]!;
  return s;
}

export type Locator = (path: Path, at: RawIssue['at']) => number | undefined;

/** A locator over `text`, from the node tree its fast reading recorded. */
export function fastLocator(text: string, top: Span): Locator {
  const start = (s: Span) => skipToContent(text, s.open);
  /** A null value with nothing written (`key:`) has no place of its own. */
  const empty = (s: Span) =>
    s.result === null && !/^(?:~|null|Null|NULL)(?![^\s,\]}#])/.test(text.slice(start(s), start(s) + 5));

  /** Key → pair number of a mapping node, once per node; null when its nodes do not line up. */
  const indexes = new Map<Span, Map<string, number> | null>();
  const keyIndex = (node: Span): Map<string, number> | null => {
    let index = indexes.get(node);
    if (index !== undefined) return index;
    const keys = Object.keys(node.result as object);
    const kids = node.children;
    index = kids.length === 2 * keys.length ? new Map() : null;
    for (let k = 0; index && k < keys.length; k++) {
      if (String(kids[2 * k]!.result) !== keys[k]) index = null;
      else index.set(keys[k]!, k);
    }
    indexes.set(node, index);
    return index;
  };

  return (path, at = 'value') => {
    const target = at === 'parent' ? path.slice(0, -1) : path;
    let node = unwrap(top);
    let keyStart: number | undefined;
    let lastGood = start(node);
    for (const seg of target) {
      if (isMapData(node.result)) {
        const index = keyIndex(node);
        if (!index) return undefined;
        const found = index.get(String(seg));
        if (found === undefined) break;
        const kids = node.children;
        keyStart = start(kids[2 * found]!);
        lastGood = keyStart;
        node = unwrap(kids[2 * found + 1]!);
        if (!empty(node)) lastGood = at === 'key' ? lastGood : start(node);
      } else if (Array.isArray(node.result) && typeof seg === 'number' && seg < node.result.length) {
        if (node.children.length !== node.result.length) return undefined;
        node = unwrap(node.children[seg]!);
        keyStart = start(node);
        lastGood = keyStart;
      } else break;
    }
    if (at === 'key' && keyStart !== undefined) return keyStart;
    return lastGood;
  };
}
