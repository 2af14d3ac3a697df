import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';

/** ejs templates are imported as text, as the image's esbuild bundle does with its text loader. */
const ejsAsText = {
  name: 'ejs-as-text',
  enforce: 'pre' as const,
  load(id: string) {
    if (id.endsWith('.ejs')) return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
    return null;
  },
};

export default defineConfig({
  plugins: [ejsAsText],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Integration tests boot QEMU under software emulation on a 2-core machine: one file at
          // a time, generous timeouts, and the image is built once for all of them. Tests marked
          // concurrent (single boots that wait for nothing timed) run two at a time, a core each.
          fileParallelism: false,
          maxWorkers: 1,
          maxConcurrency: 2,
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
          globalSetup: ['test/integration/setup-image.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The long lab suite (`npm run test:lab`): every drill scenario of every role. CI runs
          // `npm test` (unit + integration: one boot of every profile, one short drill per role).
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 600_000,
          hookTimeout: 1_800_000,
          globalSetup: ['test/integration/setup-image.ts'],
        },
      },
    ],
  },
});
