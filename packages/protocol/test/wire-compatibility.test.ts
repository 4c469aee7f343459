import fc from "fast-check";
import type protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { photon } from "../src/index.js";
import { loadPublishedRoot, loadThreadlineRoot, messageTypes, services } from "./proto-roots.js";
import { isSyntheticOneof, messageArbitrary } from "./reflection-arbitrary.js";

const ours = loadThreadlineRoot();
const published = loadPublishedRoot();
const ourPhotonTypes = messageTypes(ours.lookup("photon.imessage.v1") as protobuf.Namespace);

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

/** The generated static class for a reflected type, e.g. photon.imessage.v1.Chat. */
function staticCodec(type: protobuf.Type): StaticCodec {
  const path = type.fullName.replace(/^\./, "").split(".").slice(1);
  let current: unknown = photon;
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

function publishedType(type: protobuf.Type): protobuf.Type {
  return published.lookupType(type.fullName);
}

function describeField(field: protobuf.Field) {
  field.resolve();
  return {
    id: field.id,
    type: field.resolvedType ? field.resolvedType.fullName : field.type,
    repeated: field.repeated,
    optional: Boolean(field.partOf && isSyntheticOneof(field.partOf)),
    oneof: field.partOf && !isSyntheticOneof(field.partOf) ? field.partOf.name : undefined,
  };
}

describe("wire compatibility with photon.imessage.v1 as published in @photon-ai/advanced-imessage@2.2.0", () => {
  it("implements a non-trivial set of the published message types", () => {
    expect(ourPhotonTypes.length).toBeGreaterThan(80);
  });

  it.each(ourPhotonTypes.map((type) => [type.fullName, type] as const))(
    "%s has the published field numbers, types, optional presence and oneof layout",
    (_name, type) => {
      const theirs = publishedType(type);
      const ourFields = Object.fromEntries(type.fieldsArray.map((f) => [f.name, describeField(f)]));
      const theirFields = Object.fromEntries(
        theirs.fieldsArray.map((f) => [f.name, describeField(f)]),
      );
      expect(ourFields).toEqual(theirFields);
    },
  );

  it("covers the AddressService requests, responses and address types", () => {
    const names = new Set(ourPhotonTypes.map((type) => type.name));
    for (const name of [
      "GetAddressInfoRequest",
      "GetAddressInfoResponse",
      "GetFocusStatusRequest",
      "GetFocusStatusResponse",
      "GetIMessageAvailabilityRequest",
      "GetIMessageAvailabilityResponse",
      "MultiServiceAddressInfo",
      "SingleServiceAddressInfo",
    ]) {
      expect(names, `${name} is defined`).toContain(name);
    }
  });

  it("covers the AttachmentService messages and the attachment and multipart sends", () => {
    const names = new Set(ourPhotonTypes.map((type) => type.name));
    for (const name of [
      "GetAttachmentInfoRequest",
      "GetAttachmentInfoResponse",
      "UploadAttachmentRequest",
      "UploadAttachmentResponse",
      "DownloadAttachmentRequest",
      "DownloadAttachmentResponse",
      "DownloadHeader",
      "AttachmentInfo",
      "CompanionInfo",
      "Companion",
      "SendAttachmentMessageRequest",
      "SendMultipartMessageRequest",
      "AttachmentRef",
      "MessagePart",
    ]) {
      expect(names, `${name} is defined`).toContain(name);
    }
    const messageService = ours.lookupService("photon.imessage.v1.MessageService");
    expect(Object.keys(messageService.methods)).toEqual(
      expect.arrayContaining(["SendAttachmentMessage", "SendMultipartMessage"]),
    );
  });

  it("covers the message lists, stickers, silenced notifications, embedded media and mini-app cards", () => {
    const names = new Set(ourPhotonTypes.map((type) => type.name));
    for (const name of [
      "ListRecentMessagesRequest",
      "ListRecentMessagesResponse",
      "ListChatMessagesRequest",
      "ListChatMessagesResponse",
      "PlaceStickerRequest",
      "StickerPlacement",
      "StickerPlaced",
      "MessagePlacedSticker",
      "NotifySilencedMessageRequest",
      "GetEmbeddedMediaRequest",
      "GetEmbeddedMediaResponse",
      "EmbeddedMedia",
      "MiniAppLayout",
      "MiniAppLayoutInfo",
      "MiniAppContent",
      "MiniAppCardSession",
      "SendCustomizedMiniAppMessageRequest",
      "UpdateCustomizedMiniAppMessageRequest",
    ]) {
      expect(names, `${name} is defined`).toContain(name);
    }
    const messageService = ours.lookupService("photon.imessage.v1.MessageService");
    expect(Object.keys(messageService.methods)).toEqual(
      expect.arrayContaining([
        "ListRecentMessages",
        "ListChatMessages",
        "PlaceSticker",
        "NotifySilencedMessage",
        "GetEmbeddedMedia",
        "SendCustomizedMiniAppMessage",
        "UpdateCustomizedMiniAppMessage",
      ]),
    );
    // The change oneof of message events carries the sticker placement, as published.
    const change = ours.lookupType("photon.imessage.v1.MessageChangeEvent").oneofs.change;
    expect(change?.fieldsArray.map((field) => field.name)).toContain("stickerPlaced");
  });

  it("every enum has the published values", () => {
    const enums = (ours.lookup("photon.imessage.v1") as protobuf.Namespace).nestedArray.filter(
      (nested): nested is protobuf.Enum => "values" in nested && !("fieldsArray" in nested),
    );
    expect(enums.length).toBeGreaterThan(3);
    for (const ourEnum of enums) {
      expect(ourEnum.values).toEqual(published.lookupEnum(ourEnum.fullName).values);
    }
  });

  it("every implemented service method has the published path, types and streaming flags", () => {
    const ourServices = services(ours.lookup("photon.imessage.v1") as protobuf.Namespace);
    expect(ourServices.map((s) => s.name).sort()).toEqual([
      "AddressService",
      "AttachmentService",
      "ChatService",
      "EventService",
      "GroupService",
      "LocationService",
      "MessageService",
      "PollService",
    ]);
    for (const service of ourServices) {
      const theirs = published.lookupService(service.fullName);
      for (const method of service.methodsArray) {
        const their = theirs.methods[method.name];
        expect(
          their,
          `${service.fullName}/${method.name} exists in the published protocol`,
        ).toBeDefined();
        method.resolve();
        their?.resolve();
        expect({
          path: `/${service.fullName.slice(1)}/${method.name}`,
          request: method.resolvedRequestType?.fullName,
          response: method.resolvedResponseType?.fullName,
          requestStream: Boolean(method.requestStream),
          responseStream: Boolean(method.responseStream),
        }).toEqual({
          path: `/${theirs.fullName.slice(1)}/${their?.name}`,
          request: their?.resolvedRequestType?.fullName,
          response: their?.resolvedResponseType?.fullName,
          requestStream: Boolean(their?.requestStream),
          responseStream: Boolean(their?.responseStream),
        });
      }
    }
  });

  it.each(ourPhotonTypes.map((type) => [type.fullName, type] as const))(
    "%s: Threadline-encoded bytes decode field by field with the published descriptors, and back",
    (_name, type) => {
      const codec = staticCodec(type);
      const theirs = publishedType(type);
      fc.assert(
        fc.property(messageArbitrary(type), (value) => {
          // ours -> theirs
          const ourBytes = codec.encode(value).finish();
          const decodedByThem = theirs.toObject(theirs.decode(ourBytes), conversion);
          const decodedByUs = codec.toObject(codec.decode(ourBytes), conversion);
          expect(decodedByThem).toEqual(decodedByUs);
          // theirs -> ours
          const theirBytes = theirs.encode(theirs.fromObject(value)).finish();
          expect(codec.toObject(codec.decode(theirBytes), conversion)).toEqual(
            theirs.toObject(theirs.decode(theirBytes), conversion),
          );
          // and both agree on what was meant
          expect(decodedByUs).toEqual(theirs.toObject(theirs.fromObject(value), conversion));
        }),
        { numRuns: 40 },
      );
    },
  );
});
