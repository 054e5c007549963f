import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Worker pools and ffmpeg children are heavy on a 2-core machine: one test file at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
