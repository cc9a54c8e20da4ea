import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/soak/**', 'node_modules/**', 'dist/**'],
    // Tests run the real CLI and daemon from dist/: build once when stale.
    globalSetup: ['test/helpers/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real shells, daemons and servers: two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
