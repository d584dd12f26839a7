import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/fleet-global.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // Fleet tests share one fleet of hosts; each test file owns distinct hosts or paths.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
