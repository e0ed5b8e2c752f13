import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CLI and store suites share vault files and a PostgreSQL cluster; files run in parallel, tests inside a file in order.
    pool: 'forks',
    maxWorkers: 2,
  },
});
