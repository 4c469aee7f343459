import { createHash } from "node:crypto";
import {
  type AdvancedIMessage,
  NotFoundError as PublishedNotFoundError,
} from "@photon-ai/advanced-imessage/grpc";
import { attachments } from "@threadline/attachments";
import { chats } from "@threadline/chats";
import { createClient, NotFoundError } from "@threadline/core";
import { messages } from "@threadline/messages";
import { describe, expect, it } from "vitest";
import { comparable } from "./comparable.js";
import { type InteropFixture, type Person, startInteropFixture } from "./fixture.js";

function withAttachments(fixture: InteropFixture, person: Person) {
  const threadline = createClient({
    address: fixture.server.address,
    token: person.token,
    tls: false,
    resources: { chats, messages, attachments },
  });
  return { photon: person.photon, threadline, address: person.address };
}

async function startAttachmentsInterop() {
  const fixture = await startInteropFixture();
  const alice = withAttachments(fixture, fixture.alice);
  const bob = withAttachments(fixture, fixture.bob);
  const carol = withAttachments(fixture, fixture.carol);
  await alice.threadline.chats.create([bob.address]);
  return {
    alice,
    bob,
    carol,
    aliceToBob: `any;-;${bob.address}`,
    async [Symbol.asyncDispose]() {
      for (const person of [alice, bob, carol]) await person.threadline.close();
      await fixture[Symbol.asyncDispose]();
    },
  };
}

function pngBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index += 1) bytes[index] = (index * 13 + 5) & 0xff;
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  return bytes;
}

const liveVideo = new Uint8Array([
  ...[0, 0, 0, 0x14],
  ...new TextEncoder().encode("ftypqt  "),
  ...new Uint8Array(4000).fill(9),
]);

/** A download as both clients yield it: the header, and each file's bytes with their hash. */
async function downloaded(stream: AsyncIterable<{ type: string; data?: Uint8Array }>) {
  let header: unknown;
  const parts: Record<string, Uint8Array[]> = { primaryChunk: [], companionChunk: [] };
  for await (const chunk of stream) {
    if (chunk.type === "header") header = chunk;
    else if (chunk.data !== undefined) parts[chunk.type]?.push(chunk.data);
  }
  const digest = (list: Uint8Array[] = []) =>
    createHash("sha256").update(Buffer.concat(list)).digest("hex");
  return {
    header: comparable(header),
    primary: digest(parts.primaryChunk),
    companion: digest(parts.companionChunk),
  };
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("attachments through the published client and @threadline/attachments", () => {
  it("the same upload gives the same metadata, and both download the same frames", async () => {
    await using interop = await startAttachmentsInterop();
    const { alice } = interop;
    const input = {
      fileName: "IMG_0001.HEIC",
      data: pngBytes(600_000),
      companion: { data: liveVideo },
    };
    const viaPhoton = await alice.photon.attachments.upload(input);
    const viaThreadline = await alice.threadline.attachments.upload(input);
    const { guid: photonGuid, ...photonRest } = viaPhoton.attachment;
    const { guid: threadlineGuid, ...threadlineRest } = viaThreadline.attachment;
    expect(photonGuid).not.toBe(threadlineGuid);
    expect(comparable(threadlineRest)).toStrictEqual(comparable(photonRest));
    expect(comparable(viaThreadline.companion)).toStrictEqual(comparable(viaPhoton.companion));
    expect(viaThreadline.attachment).toMatchObject({
      mimeType: "image/png",
      companionKind: "live-photo-video",
    });

    for (const guid of [photonGuid, threadlineGuid]) {
      expect(comparable(await alice.threadline.attachments.get(guid))).toStrictEqual(
        comparable(await alice.photon.attachments.get(guid)),
      );
      const photonDownload = await downloaded(alice.photon.attachments.downloadStream(guid));
      const threadlineDownload = await downloaded(
        alice.threadline.attachments.downloadStream(guid),
      );
      expect(threadlineDownload).toStrictEqual(photonDownload);
      expect(photonDownload.primary).toBe(createHash("sha256").update(input.data).digest("hex"));
      expect(photonDownload.companion).toBe(createHash("sha256").update(liveVideo).digest("hex"));
    }
  });

  it("sendAttachment and sendMultipart give the same messages through both clients", async () => {
    await using interop = await startAttachmentsInterop();
    const { alice, bob, aliceToBob } = interop;
    const { attachment } = await alice.threadline.attachments.upload({
      fileName: "note.pdf",
      data: new TextEncoder().encode("%PDF-1.7\n..."),
    });
    const sentByPhoton = await alice.photon.messages.sendAttachment(aliceToBob, attachment.guid, {
      isAudioMessage: true,
    });
    const sentByThreadline = await alice.threadline.messages.sendAttachment(
      aliceToBob,
      attachment.guid,
      {
        isAudioMessage: true,
      },
    );
    const parts = [
      { text: "See " },
      { text: "Bob", mentionedAddress: bob.address },
      { attachmentGuid: attachment.guid, attachmentName: "renamed.pdf" },
    ] as const;
    const multiByPhoton = await alice.photon.messages.sendMultipart(aliceToBob, parts, {
      subject: "Docs",
    });
    const multiByThreadline = await alice.threadline.messages.sendMultipart(aliceToBob, parts, {
      subject: "Docs",
    });
    const shape = (message: { content: unknown; isAudioMessage?: unknown; subject?: unknown }) =>
      comparable({ content: message.content, subject: message.subject });
    expect(shape(sentByThreadline)).toStrictEqual(shape(sentByPhoton));
    expect(shape(multiByThreadline)).toStrictEqual(shape(multiByPhoton));
    expect(sentByThreadline.content.attachments.map((a) => a.guid)).toEqual([attachment.guid]);
    expect(multiByThreadline.content.text).toBe("See Bob\uFFFC");
    // Bob reads each message through both clients and sees the same.
    for (const guid of [sentByPhoton.guid, multiByThreadline.guid]) {
      const { replyToGuid: _ignored, ...threadlineView } = await bob.threadline.messages.get(guid);
      expect(comparable(threadlineView)).toStrictEqual(
        comparable(await bob.photon.messages.get(guid)),
      );
    }
    // And the attachment is now Bob's to read, through either client.
    expect((await bob.photon.attachments.get(attachment.guid)).isOutgoing).toBe(false);
    expect((await bob.threadline.attachments.get(attachment.guid)).isOutgoing).toBe(false);
  });

  it("another account's attachment is NOT_FOUND through both clients", async () => {
    await using interop = await startAttachmentsInterop();
    const { alice, carol } = interop;
    const { attachment } = await alice.photon.attachments.upload({
      fileName: "private.png",
      data: pngBytes(1000),
    });
    const photonFailure = await failureOf(carol.photon.attachments.get(attachment.guid));
    const threadlineFailure = await failureOf(carol.threadline.attachments.get(attachment.guid));
    expect(photonFailure).toBeInstanceOf(PublishedNotFoundError);
    expect(threadlineFailure).toBeInstanceOf(NotFoundError);
    const downloads = async (photon: AdvancedIMessage) => {
      for await (const _chunk of photon.attachments.downloadStream(attachment.guid)) {
        // nothing may arrive
      }
    };
    expect(await failureOf(downloads(carol.photon))).toBeInstanceOf(PublishedNotFoundError);
    const threadlineDownload = async () => {
      for await (const _chunk of carol.threadline.attachments.downloadStream(attachment.guid)) {
        // nothing may arrive
      }
    };
    expect(await failureOf(threadlineDownload())).toBeInstanceOf(NotFoundError);
  });
});
