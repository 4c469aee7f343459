import { defineConfig } from "tsup";

// Entry points: the demo itself and the bots it runs as separate processes.
export default defineConfig({
  entry: ["src/main.ts", "src/bot-process.ts", "src/whatsapp-bot-process.ts"],
  format: ["esm"],
  sourcemap: true,
  clean: true,
  target: "node20",
});
