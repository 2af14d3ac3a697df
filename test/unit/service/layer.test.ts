/** The service layer stands alone: roles declare services with it, the supervisor runs them. */
import { expect, test } from 'vitest';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

test('overlay/service imports nothing but its own files', async () => {
  const entry = fileURLToPath(new URL('../../../overlay/service/index.ts', import.meta.url));
  const r = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, packages: 'external', logLevel: 'silent' });
  const files = Object.keys(r.metafile.inputs).sort();
  expect(files).toEqual(['overlay/service/index.ts', 'overlay/service/machine.ts', 'overlay/service/spec.ts']);
  for (const input of Object.values(r.metafile.inputs)) expect(input.imports.filter((i) => i.external)).toEqual([]);
});
