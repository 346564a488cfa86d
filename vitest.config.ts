import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 600_000,
    // e2e suites share one deployment on the local engine; run files one at a time there.
    fileParallelism: true,
  },
});
