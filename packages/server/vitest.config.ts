import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests share a 2-core machine with other work; SQLite fsyncs and child processes
    // make heavy parallelism slower, not faster.
    maxWorkers: 2,
  },
});
