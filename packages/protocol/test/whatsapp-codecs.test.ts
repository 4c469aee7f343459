// photon.whatsapp.v1 and the threadline.v1 WhatsApp additions: the generated static code
// and a reflection of proto/ agree byte for byte on random values. The published
// client ships no .proto files; its field numbers are checked against its own encoders
// in tests/whatsapp-interop (wire-compatibility.test.ts).
import fc from "fast-check";
import type protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { photon, threadline } from "../src/index.js";
import { loadThreadlineRoot, messageTypes } from "./proto-roots.js";
import { messageArbitrary } from "./reflection-arbitrary.js";

const ours = loadThreadlineRoot();
const whatsappTypes = messageTypes(ours.lookup("photon.whatsapp.v1") as protobuf.Namespace);
const extensionTypes = messageTypes(ours.lookup("threadline.v1") as protobuf.Namespace).filter(
  (type) => /WhatsApp/.test(type.name),
);

interface StaticCodec {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: protobuf.IConversionOptions): Record<string, unknown>;
}

function isStaticCodec(value: unknown): value is StaticCodec {
  return (
    typeof value === "function" && "encode" in value && "decode" in value && "toObject" in value
  );
}

/** The generated static class of a reflected type, e.g. photon.whatsapp.v1.Event. */
function staticCodec(type: protobuf.Type): StaticCodec {
  const [rootName, ...path] = type.fullName.replace(/^\./, "").split(".");
  let current: unknown = rootName === "photon" ? photon : threadline;
  for (const segment of path) {
    current =
      (current !== null && typeof current === "object") || typeof current === "function"
        ? (current as Record<string, unknown>)[segment]
        : undefined;
  }
  if (!isStaticCodec(current)) throw new Error(`no generated codec for ${type.fullName}`);
  return current;
}

const conversion: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  bytes: Array,
  defaults: false,
  oneofs: true,
};

describe("generated WhatsApp codecs", () => {
  it("cover the photon.whatsapp.v1 messages and the threadline.v1 additions", () => {
    expect(whatsappTypes.length).toBeGreaterThan(55);
    expect(extensionTypes.map((type) => type.name).sort()).toEqual([
      "FetchWhatsAppEventsRequest",
      "FetchWhatsAppEventsResponse",
      "SequencedWhatsAppEvent",
      "SubscribeWhatsAppEventsRequest",
      "SubscribeWhatsAppEventsResponse",
      "WhatsAppLiveMarker",
      "WhatsAppLogPosition",
    ]);
  });

  it.each([...whatsappTypes, ...extensionTypes].map((type) => [type.fullName, type] as const))(
    "%s: static code and the proto reflection encode and decode each other's bytes",
    (_name, type) => {
      const codec = staticCodec(type);
      fc.assert(
        fc.property(messageArbitrary(type), (value) => {
          const ourBytes = codec.encode(value).finish();
          expect(type.toObject(type.decode(ourBytes), conversion)).toEqual(
            codec.toObject(codec.decode(ourBytes), conversion),
          );
          const reflectedBytes = type.encode(type.fromObject(value)).finish();
          expect(codec.toObject(codec.decode(reflectedBytes), conversion)).toEqual(
            type.toObject(type.decode(reflectedBytes), conversion),
          );
        }),
        { numRuns: 30 },
      );
    },
  );
});
