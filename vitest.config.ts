import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Integration tests boot QEMU under software emulation on a 2-core machine: one file at
          // a time, generous timeouts, and the image is built once for all of them.
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
          globalSetup: ['test/integration/setup-image.ts'],
        },
      },
    ],
  },
});
