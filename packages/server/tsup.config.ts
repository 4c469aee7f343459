import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    testing: "src/testing.ts",
    cli: "src/cli.ts",
    // Next to the chunk holding startSeededServerProcess, which spawns it by a relative URL.
    "seeded-server-process": "src/testing/seeded-server-process.ts",
    // Next to the chunk holding openSqliteStore's caller (server.ts), which starts it as
    // SQLite's writer thread by a relative URL (see sqlite-writer-thread-module.ts).
    "sqlite-writer-thread": "src/sqlite-writer-thread.ts",
  },
  format: ["esm"],
  dts: { entry: ["src/index.ts", "src/testing.ts"] },
  sourcemap: true,
  clean: true,
  target: "node18",
  external: [
    "better-sqlite3",
    "@grpc/grpc-js",
    "@threadline/protocol",
    "pino",
    "libphonenumber-js",
  ],
});
