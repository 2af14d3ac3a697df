/**
 * Which kernel modules the present hardware needs, like `modprobe -a` over every modalias file under
 * /sys/devices, but pure: given the modalias strings and the text of modules.alias, return the
 * module names. Patterns use fnmatch globs (`*`, `?`, `[...]`), as kmod does.
 */

export interface AliasRule {
  pattern: string;
  module: string;
}

/** Parse modules.alias ("alias PATTERN MODULE" lines; comments and other lines ignored). */
export function parseModulesAlias(text: string): AliasRule[] {
  const out: AliasRule[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'alias' || f.length < 3) continue;
    out.push({ pattern: f[1]!, module: f[2]! });
  }
  return out;
}

/**
 * fnmatch(3) without flags (`*`, `?`, `[...]` with `!`/`^` and ranges), matched directly: a RegExp
 * per rule costs more to compile than many matches under emulation (the unit tests hold it to a
 * RegExp translation). `*` backtracks to the last star only, which is enough for a glob.
 */
export function globMatch(glob: string, s: string): boolean {
  let g = 0;
  let i = 0;
  let starG = -1;
  let starI = 0;
  while (i < s.length) {
    const c = glob[g];
    if (c === '*') {
      starG = ++g;
      starI = i;
      continue;
    }
    if (c !== undefined) {
      const step = matchOne(glob, g, s[i]!);
      if (step > 0) {
        g += step;
        i++;
        continue;
      }
    }
    if (starG < 0) return false;
    g = starG;
    i = ++starI;
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/** Whether glob[g] (one character, `?` or a `[...]` class) matches ch: its length in the glob, or 0. */
function matchOne(glob: string, g: number, ch: string): number {
  const c = glob[g]!;
  if (c === '?') return 1;
  if (c !== '[') return c === ch ? 1 : 0;
  const end = glob.indexOf(']', g + 2);
  if (end < 0) return ch === '[' ? 1 : 0;
  let body = glob.slice(g + 1, end);
  const negate = body.startsWith('!') || body.startsWith('^');
  if (negate) body = body.slice(1);
  let hit = false;
  for (let k = 0; k < body.length; k++) {
    if (body[k + 1] === '-' && k + 2 < body.length) {
      if (ch >= body[k]! && ch <= body[k + 2]!) hit = true;
      k += 2;
    } else if (body[k] === ch) hit = true;
  }
  return hit !== negate ? end - g + 1 : 0;
}

/** The literal text before the first wildcard; used to skip most rules quickly. */
function literalPrefix(pattern: string): string {
  const m = /[*?[]/.exec(pattern);
  return m ? pattern.slice(0, m.index) : pattern;
}

export interface ModuleIndex {
  /** Module names for one modalias, in modules.alias order. */
  lookup(modalias: string): string[];
}

export function buildModuleIndex(rules: readonly AliasRule[]): ModuleIndex {
  // Bucket by the bus prefix ("pci:", "usb:", "acpi*:" …) so each lookup scans few rules, and match
  // the glob itself (globMatch): a RegExp per rule (about 1500 for the image's modules) took half a
  // second of the boot under emulation to compile.
  const buckets = new Map<string, { prefix: string; pattern: string; module: string }[]>();
  const key = (s: string) => {
    const i = s.indexOf(':');
    return i < 0 ? s : s.slice(0, i);
  };
  for (const r of rules) {
    const prefix = literalPrefix(r.pattern);
    const k = prefix.includes(':') ? key(prefix) : '*';
    let b = buckets.get(k);
    if (!b) buckets.set(k, (b = []));
    b.push({ prefix, pattern: r.pattern, module: r.module });
  }
  return {
    lookup(modalias) {
      const out: string[] = [];
      for (const b of [buckets.get(key(modalias)) ?? [], buckets.get('*') ?? []]) {
        for (const r of b) {
          if (modalias.startsWith(r.prefix) && globMatch(r.pattern, modalias) && !out.includes(r.module))
            out.push(r.module);
        }
      }
      return out;
    },
  };
}

/** Sorted, unique module names (kernel names use '_' and '-' interchangeably; normalised to '_'). */
export function modulesFor(modaliases: readonly string[], modulesAliasText: string): string[] {
  const index = buildModuleIndex(parseModulesAlias(modulesAliasText));
  const set = new Set<string>();
  for (const a of modaliases) {
    const alias = a.trim();
    if (!alias) continue;
    for (const m of index.lookup(alias)) set.add(m.replace(/-/g, '_'));
  }
  return [...set].sort();
}
