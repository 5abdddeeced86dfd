import { defineConfig } from 'vitest/config';

// chdb binds one data directory per process and is not safe across worker threads, so
// test files run in forked processes. Kafka suites share one broker started by globalSetup.
export default defineConfig({
  test: {
    pool: 'forks',
    // Two files at a time: most suites wait on a broker, a child process or a timer more than they compute.
    maxWorkers: 2,
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default'],
  },
});
