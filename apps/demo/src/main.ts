/**
 * `pnpm demo`: a bot recovers every event of a live account through a SIGKILL and a
 * restart, and the demo proves it with a verification table.
 */
import { parseDemoFlags, UsageError, usage } from "./demo-flags.js";
import { runDemo } from "./run-demo.js";
import { runWhatsAppScene } from "./whatsapp-scene.js";

async function main(): Promise<number> {
  let options: ReturnType<typeof parseDemoFlags>;
  try {
    options = parseDemoFlags(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
      return 64;
    }
    throw error;
  }
  if (options === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return options.channel === "whatsapp" ? runWhatsAppScene(options) : runDemo(options);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
