import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no database; `integration` talks to the real MariaDB and PostgreSQL
// servers that scripts/services.sh starts. Each integration test file works in its own databases.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
