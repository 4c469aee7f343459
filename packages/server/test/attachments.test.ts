import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import type { photon } from "@threadline/protocol";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { SqliteStore } from "../src/storage/sqlite-store.js";
import {
  type AttachmentHarness,
  errorCodeOf,
  pngBytes,
  sha256,
  startAttachmentHarness,
} from "./support/attachment-harness.js";
import { rejectionOf } from "./support/grpc-client.js";

type MessageResponse = photon.imessage.v1.MessageResponse;

let harness: AttachmentHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(maxAttachmentBytes?: number): Promise<AttachmentHarness> {
  harness = await startAttachmentHarness(
    maxAttachmentBytes === undefined ? {} : { maxAttachmentBytes },
  );
  return harness;
}

describe("attachments: upload, info and download", () => {
  it("stores the bytes, types them from their content and streams them back whole", async () => {
    const server = await start();
    const alice = await server.account("alice@example.com");
    const bytes = pngBytes(700_000);
    const uploaded = await alice.upload({ fileName: "../../etc/holiday.txt", data: bytes });
    expect(uploaded.attachment?.mimeType).toBe("image/png");
    expect(uploaded.attachment?.uti).toBe("public.png");
    expect(uploaded.attachment?.fileName).toBe("holiday.txt");
    expect(uploaded.attachment?.totalBytes).toBe(bytes.length);
    expect(uploaded.attachment?.isOutgoing).toBe(true);
    const guid = uploaded.attachment?.guid ?? "";
    const info = await alice.attachments.unary<photon.imessage.v1.GetAttachmentInfoResponse>(
      "getAttachmentInfo",
      { attachmentGuid: guid },
    );
    expect(info.attachment?.guid).toBe(guid);
    const download = await alice.download(guid);
    expect(download.header?.attachment?.guid).toBe(guid);
    expect(sha256(download.primary)).toBe(sha256(bytes));
    // 700,000 bytes in 256 KiB chunks: a header and three chunks.
    expect(download.frames).toBe(4);
  });

  it("stores a Live Photo companion and streams it after the primary bytes", async () => {
    const server = await start();
    const alice = await server.account("alice@example.com");
    const video = Buffer.concat([
      Buffer.from([0, 0, 0, 0x14]),
      Buffer.from("ftypqt  "),
      Buffer.alloc(5000, 7),
    ]);
    const uploaded = await alice.upload({
      fileName: "IMG_1.HEIC",
      data: pngBytes(2000),
      companion: { data: video, kind: 1 },
    });
    expect(uploaded.companion).toMatchObject({
      fileName: "IMG_1.mov",
      mimeType: "video/quicktime",
      totalBytes: video.length,
      kind: 1,
    });
    expect(uploaded.attachment?.companionKind).toBe(1);
    const download = await alice.download(uploaded.attachment?.guid ?? "");
    expect(download.header?.companion?.totalBytes).toBe(video.length);
    expect(sha256(download.companion)).toBe(sha256(video));
  });

  it("an upload retried with the same idempotency key is stored once", async () => {
    const server = await start();
    const alice = await server.account("alice@example.com");
    const bytes = pngBytes(10_000);
    const first = await alice.upload({ fileName: "a.png", data: bytes }, "upload-key-1");
    const again = await alice.upload({ fileName: "a.png", data: bytes }, "upload-key-1");
    expect(again.attachment?.guid).toBe(first.attachment?.guid);
    const rows = (server.server.store as SqliteStore).read(
      (db) => db.prepare("SELECT COUNT(*) AS count FROM attachments").get() as { count: number },
    );
    expect(rows.count).toBe(1);
    const reused = await rejectionOf(
      alice.upload({ fileName: "a.png", data: pngBytes(10_000, 2) }, "upload-key-1"),
    );
    expect(errorCodeOf(reused)).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});

describe("attachments: every rejection is typed", () => {
  it("refuses an upload over the limit, naming the limit", async () => {
    const server = await start(4096);
    const alice = await server.account("alice@example.com");
    const error = await rejectionOf(alice.upload({ fileName: "big.png", data: pngBytes(4097) }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(errorCodeOf(error)).toBe("PAYLOAD_TOO_LARGE");
    expect(error.details).toContain("4097 bytes");
    expect(error.details).toContain("limit of 4096 bytes");
    // The companion counts towards the limit.
    const withCompanion = await rejectionOf(
      alice.upload({
        fileName: "a.png",
        data: pngBytes(3000),
        companion: { data: Buffer.alloc(1200, 1), kind: 1 },
      }),
    );
    expect(errorCodeOf(withCompanion)).toBe("PAYLOAD_TOO_LARGE");
    const count = (server.server.store as SqliteStore).read(
      (db) => db.prepare("SELECT COUNT(*) AS count FROM attachments").get() as { count: number },
    );
    expect(count.count).toBe(0);
  });

  it("refuses empty bytes, a companion without a kind, a malformed and an unknown GUID", async () => {
    const server = await start();
    const alice = await server.account("alice@example.com");
    const empty = await rejectionOf(alice.upload({ fileName: "a.png", data: new Uint8Array(0) }));
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    expect(empty.details).toContain("data is empty");
    const noKind = await rejectionOf(
      alice.upload({ fileName: "a.png", data: pngBytes(100), companion: { data: pngBytes(10) } }),
    );
    expect(noKind.code).toBe(status.INVALID_ARGUMENT);
    expect(noKind.details).toContain("COMPANION_KIND_LIVE_PHOTO_VIDEO");
    const badGuid = await rejectionOf(
      alice.attachments.unary("getAttachmentInfo", { attachmentGuid: "has space" }),
    );
    expect(badGuid.code).toBe(status.INVALID_ARGUMENT);
    expect(badGuid.details).toContain("attachment GUID");
    const missing = await rejectionOf(
      alice.attachments.unary("getAttachmentInfo", { attachmentGuid: "" }),
    );
    expect(missing.code).toBe(status.INVALID_ARGUMENT);
    const unknown = await rejectionOf(
      alice.attachments.unary("getAttachmentInfo", {
        attachmentGuid: "00000000-0000-0000-0000-000000000000",
      }),
    );
    expect(unknown.code).toBe(status.NOT_FOUND);
    const unknownDownload = await rejectionOf(
      alice.download("00000000-0000-0000-0000-000000000000"),
    );
    expect(unknownDownload.code).toBe(status.NOT_FOUND);
  });

  it("refuses sends naming a server path, no attachment, or a malformed multipart", async () => {
    const server = await start();
    const alice = await server.account("alice@example.com");
    await server.account("bob@example.com");
    const chatGuid = await alice.directChat("bob@example.com");
    const path = await rejectionOf(
      alice.messages.unary("sendAttachmentMessage", {
        chatGuid,
        attachment: { attachmentPath: "/etc/passwd" },
      }),
    );
    expect(path.code).toBe(status.INVALID_ARGUMENT);
    expect(path.details).toContain("attachment_path is not accepted");
    const none = await rejectionOf(alice.messages.unary("sendAttachmentMessage", { chatGuid }));
    expect(none.code).toBe(status.INVALID_ARGUMENT);
    const noParts = await rejectionOf(
      alice.messages.unary("sendMultipartMessage", { chatGuid, parts: [] }),
    );
    expect(noParts.details).toContain("1 to 32 parts");
    const both = await rejectionOf(
      alice.messages.unary("sendMultipartMessage", {
        chatGuid,
        parts: [{ text: "hi", attachment: { attachmentGuid: "X" } }],
      }),
    );
    expect(both.details).toContain("exactly one of text and attachment");
    const bubble = await rejectionOf(
      alice.messages.unary("sendMultipartMessage", {
        chatGuid,
        parts: [{ text: "hi", bubbleIndex: 3 }],
      }),
    );
    expect(bubble.details).toContain("bubble_index");
    const unknown = await rejectionOf(
      alice.messages.unary("sendAttachmentMessage", {
        chatGuid,
        attachment: { attachmentGuid: "00000000-0000-0000-0000-000000000000" },
      }),
    );
    expect(unknown.code).toBe(status.NOT_FOUND);
  });
});

describe("attachments: access", () => {
  it("another account gets NOT_FOUND until a message in a shared chat carries it", async () => {
    const server = await start();
    const alice = await server.account("alice@example.com");
    const bob = await server.account("bob@example.com");
    const carol = await server.account("carol@example.com");
    const uploaded = await alice.upload({ fileName: "a.png", data: pngBytes(5000) });
    const guid = uploaded.attachment?.guid ?? "";
    for (const other of [bob, carol]) {
      const info = await rejectionOf(
        other.attachments.unary("getAttachmentInfo", { attachmentGuid: guid }),
      );
      expect(info.code).toBe(status.NOT_FOUND);
      expect((await rejectionOf(other.download(guid))).code).toBe(status.NOT_FOUND);
      // Nor can they send it.
      const chatGuid = await other.directChat("alice@example.com");
      const send = await rejectionOf(
        other.messages.unary("sendAttachmentMessage", {
          chatGuid,
          attachment: { attachmentGuid: guid },
        }),
      );
      expect(send.code).toBe(status.NOT_FOUND);
    }
    const chatGuid = await alice.directChat("bob@example.com");
    const sent = await alice.messages.unary<MessageResponse>("sendAttachmentMessage", {
      chatGuid,
      attachment: { attachmentGuid: guid },
    });
    const bobsView = await bob.download(guid);
    expect(bobsView.header?.attachment?.isOutgoing).toBe(false);
    expect(bobsView.primary.length).toBe(5000);
    expect((await rejectionOf(carol.download(guid))).code).toBe(status.NOT_FOUND);
    // Unsending hides it again from everyone but its uploader.
    await alice.messages.unary("unsendMessage", {
      target: { chatGuid, messageGuid: sent.message?.guid ?? "" },
    });
    expect((await rejectionOf(bob.download(guid))).code).toBe(status.NOT_FOUND);
    expect((await alice.download(guid)).primary.length).toBe(5000);
  });
});

describe("attachments: messages", () => {
  it("sendAttachment writes message.received with the attachment to every log, once per key", async () => {
    const server = await start();
    const alice = await server.account("alice@example.com");
    const bob = await server.account("bob@example.com");
    const chatGuid = await alice.directChat("bob@example.com");
    const uploaded = await alice.upload({ fileName: "voice.m4a", data: pngBytes(3000) });
    const guid = uploaded.attachment?.guid ?? "";
    const request = {
      chatGuid,
      attachment: { attachmentGuid: guid, attachmentName: "renamed.png" },
      isAudioMessage: true,
      clientMessageId: "send-1",
    };
    const sent = await alice.messages.unary<MessageResponse>("sendAttachmentMessage", request);
    const again = await alice.messages.unary<MessageResponse>("sendAttachmentMessage", request);
    expect(again.message?.guid).toBe(sent.message?.guid);
    expect(sent.message?.isAudioMessage).toBe(true);
    expect(sent.message?.content?.attachments?.map((a) => [a.guid, a.fileName])).toEqual([
      [guid, "renamed.png"],
    ]);
    for (const [account, outgoing] of [
      [alice, true],
      [bob, false],
    ] as const) {
      const received = (await account.catchUp()).filter(
        (frame) => frame.messageChanged?.messageReceived != null,
      );
      expect(received).toHaveLength(1);
      const attachments =
        received[0]?.messageChanged?.messageReceived?.message?.content?.attachments ?? [];
      expect(attachments.map((a) => [a.guid, a.isOutgoing])).toEqual([[guid, outgoing]]);
    }
    const fetched = await bob.messages.unary<photon.imessage.v1.GetMessageResponse>("getMessage", {
      messageGuid: sent.message?.guid ?? "",
    });
    expect(fetched.message?.content?.attachments?.[0]?.guid).toBe(guid);
  });

  it("sendMultipart joins text, mention and attachment parts into one message", async () => {
    const server = await start();
    const alice = await server.account("alice@example.com");
    await server.account("bob@example.com");
    const chatGuid = await alice.directChat("bob@example.com");
    const first = await alice.upload({ fileName: "one.png", data: pngBytes(100) });
    const second = await alice.upload({ fileName: "two.pdf", data: Buffer.from("%PDF-1.7\n") });
    const sent = await alice.messages.unary<MessageResponse>("sendMultipartMessage", {
      chatGuid,
      parts: [
        { text: "Look ", formatting: [{ type: "bold", start: 0, length: 4 }] },
        { text: "Bob", mentionedAddress: "BOB@example.com" },
        { attachment: { attachmentGuid: first.attachment?.guid ?? "" } },
        { attachment: { attachmentGuid: second.attachment?.guid ?? "" } },
      ],
      subject: "Trip",
    });
    const content = sent.message?.content;
    expect(content?.text).toBe("Look Bob\uFFFC\uFFFC");
    expect(content?.mentions).toEqual([
      expect.objectContaining({ address: "bob@example.com", start: 5, length: 3 }),
    ]);
    expect(content?.formatting?.[0]).toMatchObject({ type: "bold", start: 0, length: 4 });
    expect(content?.attachments?.map((a) => a.mimeType)).toEqual(["image/png", "application/pdf"]);
    expect(sent.message?.subject).toBe("Trip");
  });

  it("editing an attachment message keeps its attachments in the message.edited event", async () => {
    const server = await start();
    const alice = await server.account("alice@example.com");
    const bob = await server.account("bob@example.com");
    const chatGuid = await alice.directChat("bob@example.com");
    const uploaded = await alice.upload({ fileName: "a.png", data: pngBytes(100) });
    const sent = await alice.messages.unary<MessageResponse>("sendAttachmentMessage", {
      chatGuid,
      attachment: { attachmentGuid: uploaded.attachment?.guid ?? "" },
    });
    await alice.messages.unary("editMessage", {
      target: { chatGuid, messageGuid: sent.message?.guid ?? "" },
      newText: "with a caption",
    });
    const edited = (await bob.catchUp()).flatMap((frame) =>
      frame.messageChanged?.messageEdited ? [frame.messageChanged.messageEdited] : [],
    );
    expect(edited).toHaveLength(1);
    expect(edited[0]?.content?.text).toBe("with a caption");
    expect(edited[0]?.content?.attachments?.map((a) => a.guid)).toEqual([
      uploaded.attachment?.guid,
    ]);
  });

  it("live message streams carry attachment messages", async () => {
    const server = await start();
    const alice = await server.account("alice@example.com");
    const bob = await server.account("bob@example.com");
    const chatGuid = await alice.directChat("bob@example.com");
    const uploaded = await alice.upload({ fileName: "a.png", data: pngBytes(100) });
    const live = bob.messages.stream<photon.imessage.v1.SubscribeMessageEventsResponse>(
      "subscribeMessageEvents",
      {},
    );
    await new Promise<void>((resolve) => live.once("metadata", () => resolve()));
    const frame = new Promise<photon.imessage.v1.SubscribeMessageEventsResponse>((resolve) => {
      live.on("data", (value: photon.imessage.v1.SubscribeMessageEventsResponse) => {
        if (value.payload === "messageChanged") resolve(value);
      });
    });
    live.on("error", () => undefined);
    await alice.messages.unary("sendAttachmentMessage", {
      chatGuid,
      attachment: { attachmentGuid: uploaded.attachment?.guid ?? "" },
    });
    const received = (await frame).messageChanged?.messageReceived?.message;
    expect(received?.content?.attachments?.[0]?.guid).toBe(uploaded.attachment?.guid);
    live.cancel();
  });
});

describe("attachments: chunked upload (threadline.v1)", () => {
  it("any split into chunks, with retried and misplaced appends, stores exactly the bytes sent", async () => {
    const server = await start(64 * 1024);
    const alice = await server.account("alice@example.com");
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 20_000 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.constantFrom("retry", "wrongOffset", "none"), {
          minLength: 12,
          maxLength: 12,
        }),
        async (bytes, sizes, faults) => {
          const { uploadId } = await alice.startUpload({ fileName: "p.bin" });
          let offset = 0;
          let index = 0;
          while (offset < bytes.length) {
            const size = sizes[index % sizes.length] ?? 1;
            const chunk = bytes.subarray(offset, offset + size);
            const fault = faults[index % faults.length];
            if (fault === "wrongOffset") {
              const error = await rejectionOf(
                alice.append({ uploadId, offset: offset + 1, data: chunk }),
              );
              expect(error.code).toBe(status.FAILED_PRECONDITION);
            }
            const answer = await alice.append({ uploadId, offset, data: chunk });
            expect(answer.receivedBytes).toBe(offset + chunk.length);
            if (fault === "retry") {
              const retried = await alice.append({ uploadId, offset, data: chunk });
              expect(retried.receivedBytes).toBe(offset + chunk.length);
            }
            offset += chunk.length;
            index += 1;
          }
          const finished = await alice.finish(uploadId);
          const download = await alice.download(finished.attachment?.guid ?? "");
          expect(sha256(download.primary)).toBe(sha256(bytes));
        },
      ),
      { numRuns: 25 },
    );
    // Nothing of the finished uploads is left in the temporary directory.
    expect(await readdir(join(server.directory, "threadline.db.attachments", "incoming"))).toEqual(
      [],
    );
  });

  it("refuses appends past the limit and to another account's upload", async () => {
    const server = await start(1000);
    const alice = await server.account("alice@example.com");
    const bob = await server.account("bob@example.com");
    const { uploadId, maxTotalBytes } = await alice.startUpload({ fileName: "p.bin" });
    expect(maxTotalBytes).toBe(1000);
    await alice.append({ uploadId, offset: 0, data: pngBytes(900) });
    const over = await rejectionOf(alice.append({ uploadId, offset: 900, data: pngBytes(101) }));
    expect(errorCodeOf(over)).toBe("PAYLOAD_TOO_LARGE");
    expect(over.details).toContain("limit of 1000 bytes");
    const foreign = await rejectionOf(bob.append({ uploadId, offset: 900, data: pngBytes(10) }));
    expect(foreign.code).toBe(status.NOT_FOUND);
    const emptyFinish = await alice.startUpload({ fileName: "e.bin" });
    const empty = await rejectionOf(alice.finish(emptyFinish.uploadId));
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    const finished = await alice.finish(uploadId);
    expect(finished.attachment?.totalBytes).toBe(900);
    // A finished upload takes no more chunks.
    const late = await rejectionOf(alice.append({ uploadId, offset: 900, data: pngBytes(10) }));
    expect(late.code).toBe(status.NOT_FOUND);
  });
});
