/** The service layer stands alone: roles declare services with it, the supervisor runs them. */
import { expect, test } from 'vitest';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

test('overlay/service imports nothing but its own files', async () => {
  const entry = fileURLToPath(new URL('../../../overlay/service/index.ts', import.meta.url));
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
  const files = Object.keys(r.metafile.inputs).sort();
  expect(files).toEqual([
    'overlay/service/index.ts',
    'overlay/service/lines.ts',
    'overlay/service/machine.ts',
    'overlay/service/process.ts',
    'overlay/service/spec.ts',
  ]);
  for (const input of Object.values(r.metafile.inputs)) expect(input.imports.filter((i) => i.external)).toEqual([]);
});

test('overlay/system imports nothing from the supervisor', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const dir = fileURLToPath(new URL('../../../overlay/system/', import.meta.url));
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    expect(readFileSync(dir + f, 'utf8'), f).not.toMatch(/from '\.\.\/supervisor\//);
  }
});
