import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // End-to-end tests start a real server and open gRPC channels.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
