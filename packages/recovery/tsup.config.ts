import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    file: "src/file.ts",
    sqlite: "src/sqlite.ts",
    postgres: "src/postgres.ts",
    redis: "src/redis.ts",
    otel: "src/otel.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node18",
  // Optional peers stay imports so a selective install pulls in only what it uses.
  external: ["better-sqlite3", "pg", "ioredis", "@opentelemetry/api", "@threadline/core"],
});
