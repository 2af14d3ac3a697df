/**
 * Path patterns for strip lists, matched against record paths (relative, no leading '/'):
 *   `*`   any run of characters within one path component
 *   `?`   one character within a component
 *   `**`  any number of whole components (including none): `usr/share/doc/**` matches
 *         `usr/share/doc` itself and everything under it; `**\/*.pyc` matches at any depth
 *   `[...]` a character class, `{a,b}` alternatives
 *   `!pat` re-includes what earlier patterns excluded (the last matching pattern decides)
 * A leading '/' or './' in a pattern is ignored.
 */
import { filterRecords, type ArchiveRecord } from './records.js';

export function globToRegExp(glob: string): RegExp {
  let g = glob.trim();
  while (g.startsWith('./')) g = g.slice(2);
  g = g.replace(/^\/+/, '').replace(/\/+$/, '');
  let re = '';
  let braces = 0;
  for (let i = 0; i < g.length; i++) {
    const c = g[i] as string;
    if (c === '*' && g[i + 1] === '*') {
      const startOk = i === 0 || g[i - 1] === '/';
      const next = g[i + 2];
      if (startOk && next === '/') {
        re += '(?:[^/]*(?:/[^/]*)*/)?'; // '**/' — zero or more leading components
        i += 2;
      } else if (startOk && next === undefined && i > 0) {
        re = re.slice(0, -1) + '(?:/.*)?'; // '/**' at the end — the dir itself and below
        i += 1;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = g.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = g.slice(i + 1, end);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  if (braces) throw new Error(`unbalanced '{' in pattern ${JSON.stringify(glob)}`);
  return new RegExp(`^${re}$`, 's');
}

export type PathMatcher = (path: string) => boolean;

/** True when the last pattern that matches `path` is a positive one. */
export function compileMatcher(patterns: readonly string[]): PathMatcher {
  const rules = patterns
    .map((p) => p.trim())
    .filter((p) => p !== '' && !p.startsWith('#'))
    .map((p) =>
      p.startsWith('!') ? { neg: true, re: globToRegExp(p.slice(1)) } : { neg: false, re: globToRegExp(p) },
    );
  return (path) => {
    let hit = false;
    for (const r of rules) if (r.re.test(path)) hit = !r.neg;
    return hit;
  };
}

/** Drop records whose path matches the strip patterns (hardlink groups re-anchored). */
export function excludePaths(records: readonly ArchiveRecord[], patterns: readonly string[]): ArchiveRecord[] {
  const strip = compileMatcher(patterns);
  return filterRecords(records, (r) => !strip(r.path));
}
