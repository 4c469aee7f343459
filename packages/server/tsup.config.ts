import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/testing.ts", "src/cli.ts"],
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
