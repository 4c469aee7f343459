import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { type CommandStorage, databaseUrlProblem, openCommandStore } from "./command-store.js";
import { defaultConfig } from "./config.js";
import {
  listRegisteredNumbers,
  registerWhatsAppNumber,
  removeWhatsAppNumber,
} from "./whatsapp/number-registry.js";

/** Usage lines of the `whatsapp` commands, for the CLI's help text. */
export const whatsappUsage = `  threadline-server whatsapp add --phone-number-id <id> --app-secret <secret> --access-token <token> --verify-token <token> [--data ${defaultConfig.dataPath} | --database postgres://…]
  threadline-server whatsapp list [--data ${defaultConfig.dataPath} | --database postgres://…]
  threadline-server whatsapp remove --phone-number-id <id> [--data ${defaultConfig.dataPath} | --database postgres://…]`;

/** How the CLI reports a mistake (usage, exit 2) or a failure (exit 1). */
export interface CommandErrors {
  readonly usage: (message: string) => Error;
  readonly failure: (message: string) => Error;
}

function required(value: string | undefined, flag: string, errors: CommandErrors): string {
  if (value === undefined || value === "") throw errors.usage(`whatsapp needs --${flag}`);
  return value;
}

/**
 * Runs `whatsapp add|list|remove`. Secrets are taken from the flags and never printed;
 * `list` shows phone number ids and dates only.
 */
export async function runWhatsAppCommand(
  args: readonly string[],
  errors: CommandErrors,
): Promise<void> {
  const [subcommand, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      data: { type: "string" },
      database: { type: "string" },
      "phone-number-id": { type: "string" },
      "app-secret": { type: "string" },
      "access-token": { type: "string" },
      "verify-token": { type: "string" },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0) {
    throw errors.usage(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  const dataPath = values.data ?? defaultConfig.dataPath;
  if (subcommand !== "add" && subcommand !== "list" && subcommand !== "remove") {
    throw errors.usage(
      `unknown whatsapp command ${JSON.stringify(subcommand ?? "")}; use add, list or remove`,
    );
  }
  if (values.database !== undefined && values.data !== undefined) {
    throw errors.usage("pass --data (a SQLite file) or --database (a PostgreSQL URL), not both");
  }
  const databaseProblem =
    values.database === undefined ? undefined : databaseUrlProblem(values.database);
  if (databaseProblem !== undefined) throw errors.usage(databaseProblem);
  const storage: CommandStorage =
    values.database === undefined
      ? { kind: "sqlite", path: dataPath }
      : { kind: "postgres", url: values.database };
  if (storage.kind === "sqlite" && subcommand !== "add" && !existsSync(dataPath)) {
    throw errors.failure(
      `there is no database at ${dataPath}; pass the --data file the server was started with`,
    );
  }
  const store = await openCommandStore(storage);
  try {
    if (subcommand === "add") {
      const registered = await registerWhatsAppNumber(store, {
        phoneNumberId: required(values["phone-number-id"], "phone-number-id", errors),
        appSecret: required(values["app-secret"], "app-secret", errors),
        accessToken: required(values["access-token"], "access-token", errors),
        verifyToken: required(values["verify-token"], "verify-token", errors),
      });
      process.stderr.write(
        `Registered WhatsApp business number ${registered.phoneNumberId}. Point Meta's webhook at http(s)://<host>:<http-port>/webhooks/whatsapp with the verify token you gave.\n`,
      );
      return;
    }
    if (subcommand === "list") {
      const numbers = await listRegisteredNumbers(store.repositories);
      for (const number of numbers) {
        process.stdout.write(
          `${number.phoneNumberId}\tregistered ${number.createdAt.toISOString()}\n`,
        );
      }
      process.stderr.write(
        `${numbers.length} WhatsApp business number(s). Secrets are never shown.\n`,
      );
      return;
    }
    const phoneNumberId = required(values["phone-number-id"], "phone-number-id", errors);
    await removeWhatsAppNumber(store, phoneNumberId);
    process.stderr.write(`Removed WhatsApp business number ${phoneNumberId} and its event log.\n`);
  } finally {
    await store.close();
  }
}
