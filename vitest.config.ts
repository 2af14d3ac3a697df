import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests boot QEMU under software emulation: generous per-test timeouts, one file at a time.
    testTimeout: 20_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    reporters: ['default'],
  },
});
