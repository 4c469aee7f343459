import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The smoke test runs the built demo: a server, a bot process, a crash and a restart.
    testTimeout: 120_000,
    hookTimeout: 30_000,
  },
});
