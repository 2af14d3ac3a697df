/**
 * overlay/config is bundled into the image: it may use only `yaml`, `js-yaml` (the fast reading) and
 * node built-ins, and of the
 * rest of the overlay only the role table (a data-only leaf that says which sections a profile has).
 */
import { expect, test } from 'vitest';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

test('overlay/config bundles with esbuild, importing only yaml, js-yaml and node built-ins', async () => {
  const entry = fileURLToPath(new URL('../../../overlay/config/index.ts', import.meta.url));
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    packages: 'external',
    logLevel: 'silent',
  });
  const imports = new Set<string>();
  for (const input of Object.values(r.metafile.inputs))
    for (const i of input.imports) if (i.external) imports.add(i.path);
  expect([...imports].filter((p) => p !== 'yaml' && p !== 'js-yaml' && !p.startsWith('node:'))).toEqual([]);
  const files = Object.keys(r.metafile.inputs);
  expect(files.filter((f) => !f.startsWith('overlay/config/'))).toEqual(['overlay/roles/table.ts']);
});
