// Checks proto/photon/whatsapp/v1 against the published client's own codecs. The
// package ships no .proto files, only generated JavaScript, so the field numbers and
// wire types are read from its encoders (`writer.uint32(tag).string(message.field)`)
// and compared, field by field, with what Threadline's generated code writes.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { photon } from "@threadline/protocol";
import { describe, expect, it } from "vitest";

interface PublishedField {
  readonly message: string;
  readonly field: string;
  readonly tag: number;
  /** The writer method (string, bool, int32, double, bytes, int64) or "message"/"timestamp". */
  readonly kind: string;
  readonly repeated: boolean;
}

function publishedSource(): string {
  // The package exports only an ESM entry (no require condition, no ./package.json),
  // so its file is read through this workspace's node_modules link.
  const entry = new URL(
    "../node_modules/@photon-ai/whatsapp-business/dist/index.js",
    import.meta.url,
  );
  return readFileSync(fileURLToPath(entry), "utf8");
}

function publishedFields(source: string): PublishedField[] {
  // The bundle keeps one "// src/<path>" banner per source file; the codecs are the
  // files generated from the client's photon/whatsapp/v1 protos.
  const generated = source
    .split("\n// src/")
    .filter((chunk) => chunk.startsWith("generated/photon/whatsapp/v1/"))
    .map((chunk) => `\n${chunk}`)
    .join("\n");
  expect(generated.length).toBeGreaterThan(0);
  const fields: PublishedField[] = [];
  const messagePattern =
    /\nvar (\w+) = \{\n {2}encode\((?:message|_), writer = new BinaryWriter\(\)\) \{([\s\S]*?)\n {4}return writer;/g;
  for (const [, rawName = "", body = ""] of generated.matchAll(messagePattern)) {
    // The bundler renamed the message called Error, which shadows the global.
    const message = rawName === "Error2" ? "Error" : rawName;
    let repeatedField: string | undefined;
    for (const line of body.split("\n").map((text) => text.trim())) {
      const loop = /^for \(const v of message\.(\w+)\)/.exec(line);
      if (loop?.[1] !== undefined) {
        repeatedField = loop[1];
        continue;
      }
      const scalar = /writer\.uint32\((\d+)\)\.(\w+)\((?:message\.(\w+)|v)\)/.exec(line);
      const nested =
        /(\w+)\.encode\((?:toTimestamp\()?(?:message\.(\w+)|v)\)?, writer\.uint32\((\d+)\)\.fork\(\)\)/.exec(
          line,
        );
      if (scalar !== null) {
        const field = scalar[3] ?? repeatedField ?? "";
        fields.push({
          message,
          field,
          tag: Number(scalar[1]),
          kind: scalar[2] ?? "",
          repeated: scalar[3] === undefined,
        });
      } else if (nested !== null) {
        const field = nested[2] ?? repeatedField ?? "";
        const kind = line.includes("toTimestamp(") ? "timestamp" : "message";
        fields.push({
          message,
          field,
          tag: Number(nested[3]),
          kind,
          repeated: nested[2] === undefined,
        });
      }
      if (scalar !== null || nested !== null) repeatedField = undefined;
    }
  }
  return fields;
}

function sample(kind: string): unknown {
  switch (kind) {
    case "string":
      return "x";
    case "bool":
      return true;
    case "int32":
    case "int64":
      return 1;
    case "double":
      return 1.5;
    case "bytes":
      return new Uint8Array([7]);
    case "timestamp":
      return { seconds: 1, nanos: 0 };
    default:
      return {};
  }
}

interface Codec {
  encode(message: object): { finish(): Uint8Array };
}

function ourCodec(message: string): Codec | undefined {
  const value: unknown = Reflect.get(photon.whatsapp.v1, message);
  return typeof value === "function" && "encode" in value ? (value as Codec) : undefined;
}

/** The first tag (field number << 3 | wire type) of an encoded message. */
function firstTag(bytes: Uint8Array): number {
  let tag = 0;
  let shift = 0;
  for (const byte of bytes) {
    tag += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return tag;
    shift += 7;
  }
  throw new Error("truncated tag");
}

const source = publishedSource();
const fields = publishedFields(source);
const publishedWriteCount = [
  ...source
    .split("\n// src/")
    .filter((chunk) => chunk.startsWith("generated/photon/whatsapp/v1/"))
    .join("\n")
    .matchAll(
      /encode\((?:message|_), writer = new BinaryWriter\(\)\) \{[\s\S]*?\n {4}return writer;/g,
    ),
].reduce((total, [body]) => total + (body.match(/writer\.uint32\(\d+\)/g)?.length ?? 0), 0);
const messages = [...new Set(fields.map((field) => field.message))];

describe("proto/photon/whatsapp/v1 against @photon-ai/whatsapp-business@0.3.2", () => {
  it("reads the published encoders (every message of the client's three proto files)", () => {
    expect(messages.length).toBeGreaterThan(50);
    // Every field write of the published codecs was recognised (none silently skipped).
    expect(fields.length).toBe(publishedWriteCount);
    expect(messages).toContain("SendMessageRequest");
    expect(messages).toContain("InboundMessage");
    expect(messages).toContain("MediaServiceGetUrlResponse");
  });

  it.each(messages)(
    "%s: every published field has the same number and wire type in ours",
    (message) => {
      const codec = ourCodec(message);
      expect(codec, `photon.whatsapp.v1.${message} is missing`).toBeDefined();
      for (const field of fields.filter((candidate) => candidate.message === message)) {
        const value = sample(field.kind);
        const bytes =
          codec?.encode({ [field.field]: field.repeated ? [value] : value }).finish() ??
          new Uint8Array();
        expect(bytes.byteLength, `${message}.${field.field} was not written`).toBeGreaterThan(0);
        expect(firstTag(bytes), `${message}.${field.field}`).toBe(field.tag);
      }
    },
  );
});
