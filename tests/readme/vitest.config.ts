import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // Examples run as real processes (tsx) against a real server; the demo runs once.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
