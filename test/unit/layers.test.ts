/**
 * The in-image code imports one way only: the appliance layer orchestrates over roles (pure) and
 * interfaces that system/ implements; system/ never reaches up into the supervisor or the
 * appliance; roles/ never reaches into the runtime; the service and template layers depend on
 * nothing. This test reads every import of overlay/ and fails on one that points upward.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const OVERLAY = resolve(import.meta.dirname, '../../overlay');

/** Which overlay directories each directory may import from (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  service: [],
  templates: [],
  // The config model reads the role table (a data-only leaf) for its sections.
  config: ['roles/table.ts'],
  roles: ['config', 'service', 'templates'],
  system: ['config', 'service', 'roles'],
  appliance: ['config', 'service', 'roles', 'templates', 'status', 'supervisor'],
};

/** Files only the entry point (supervisor/main.ts) may import. */
const ENTRY_ONLY = ['appliance'];
const ENTRY = 'supervisor/main.ts';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports of a file (static, re-exports, type-only and dynamic), as overlay paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(OVERLAY, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const top = (path: string) => path.split('/')[0]!;

/** The imports of every overlay file, as [from, to] overlay paths. */
function overlayImports(): Array<[string, string]> {
  return tsFiles(OVERLAY).flatMap((file) =>
    importsOf(file).map((to): [string, string] => [relative(OVERLAY, file), to]),
  );
}

/** Every import that breaks the layering, as `from → to`. Pure. */
function violations(edges: ReadonlyArray<readonly [string, string]>): string[] {
  const out: string[] = [];
  for (const [from, to] of edges) {
    const layer = top(from);
    const target = top(to);
    if (target === layer || target.startsWith('..')) continue;
    const allowed = MAY_IMPORT[layer];
    if ((ENTRY_ONLY.includes(target) && from !== ENTRY) || (allowed && !allowed.some((a) => to === a || target === a)))
      out.push(`${from} → ${to}`);
  }
  return out;
}

describe('layers', () => {
  it('the overlay has files in every layer this test names', () => {
    for (const layer of [...Object.keys(MAY_IMPORT), ...ENTRY_ONLY])
      expect(tsFiles(join(OVERLAY, layer)).length, layer).toBeGreaterThan(0);
  });

  it('no lower layer imports a higher one', () => {
    const edges = overlayImports();
    expect(edges.length).toBeGreaterThan(100);
    expect(violations(edges)).toEqual([]);
  });

  it('names each kind of upward import', () => {
    expect(
      violations([
        ['system/role-files.ts', 'supervisor/supervisor.ts'],
        ['system/exec.ts', 'appliance/configure.ts'],
        ['roles/vrrp/index.ts', 'supervisor/service-machine.ts'],
        ['config/model.ts', 'roles/index.ts'],
        ['service/spec.ts', 'config/index.ts'],
        ['status/page.ts', 'appliance/control.ts'],
        // allowed
        ['config/model.ts', 'roles/table.ts'],
        ['system/role-files.ts', 'roles/index.ts'],
        ['supervisor/main.ts', 'appliance/boot.ts'],
      ]),
    ).toEqual([
      'system/role-files.ts → supervisor/supervisor.ts',
      'system/exec.ts → appliance/configure.ts',
      'roles/vrrp/index.ts → supervisor/service-machine.ts',
      'config/model.ts → roles/index.ts',
      'service/spec.ts → config/index.ts',
      'status/page.ts → appliance/control.ts',
    ]);
  });
});
