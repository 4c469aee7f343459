import { defineConfig } from "tsup";

// Two entry points: the demo itself and the bot it runs as a separate process.
export default defineConfig({
  entry: ["src/main.ts", "src/bot-process.ts"],
  format: ["esm"],
  sourcemap: true,
  clean: true,
  target: "node20",
});
