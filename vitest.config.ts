import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (contracts, unit with mocked clients, infra templates + cdk-nag) runs in parallel;
 * `e2e` deploys the real CDK app once to the local engine (test/e2e/global-setup.ts) and runs its files
 * one after another against that deployment.
 */
export default defineConfig({
  // `courier/*` resolves to the toolkit's sources through tsconfig.json `paths`, as for tsx and esbuild.
  resolve: { tsconfigPaths: true },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/contracts/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/adoption/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
