import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // Every test starts a real server and opens gRPC channels from two different clients.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
