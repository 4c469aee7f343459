import { createHash } from "node:crypto";
import { NotFoundError, ValidationError } from "@threadline/core";
import { describe, expect, it } from "vitest";
import type { DownloadAttachmentChunk } from "../src/index.js";
import { pngBytes, startAttachmentsFixture } from "./attachments-fixture.js";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function collect(stream: AsyncIterable<DownloadAttachmentChunk>) {
  const frames: DownloadAttachmentChunk[] = [];
  for await (const frame of stream) frames.push(frame);
  const bytes = (type: "primaryChunk" | "companionChunk") =>
    Buffer.concat(
      frames.flatMap((frame) => (frame.type === type ? [Buffer.from(frame.data)] : [])),
    );
  return { frames, primary: bytes("primaryChunk"), companion: bytes("companionChunk") };
}

describe("im.attachments", () => {
  it("uploads in chunks, reads the metadata and downloads the same bytes", async () => {
    await using fixture = await startAttachmentsFixture();
    const data = pngBytes(3 * 1024 * 1024 + 17);
    const { attachment } = await fixture.alice.attachments.upload(
      { fileName: "photo.txt", data },
      { chunkBytes: 1024 * 1024 },
    );
    expect(attachment).toMatchObject({
      fileName: "photo.txt",
      mimeType: "image/png",
      uti: "public.png",
      totalBytes: data.length,
      isOutgoing: true,
      transferState: "finished",
    });
    expect(await fixture.alice.attachments.get(attachment.guid)).toEqual(attachment);
    const download = await collect(fixture.alice.attachments.downloadStream(attachment.guid));
    expect(download.frames[0]).toEqual({ type: "header", info: attachment });
    expect(sha256(download.primary)).toBe(sha256(data));
  });

  it("uploads a Live Photo with its companion and streams both", async () => {
    await using fixture = await startAttachmentsFixture();
    const video = Buffer.concat([
      Buffer.from([0, 0, 0, 0x14]),
      Buffer.from("ftypqt  "),
      Buffer.alloc(9000, 3),
    ]);
    const result = await fixture.alice.attachments.upload({
      fileName: "IMG_7.HEIC",
      data: pngBytes(5000),
      companion: { data: video },
    });
    expect(result.companion).toEqual({
      fileName: "IMG_7.mov",
      kind: "live-photo-video",
      mimeType: "video/quicktime",
      totalBytes: video.length,
    });
    expect(result.attachment.companionKind).toBe("live-photo-video");
    const download = await collect(
      fixture.alice.attachments.downloadStream(result.attachment.guid),
    );
    expect(sha256(download.companion)).toBe(sha256(video));
  });

  it("the same clientMessageId uploads once", async () => {
    await using fixture = await startAttachmentsFixture();
    const data = pngBytes(70_000);
    const first = await fixture.alice.attachments.upload(
      { fileName: "a.png", data },
      { clientMessageId: "upload-once", chunkBytes: 16_384 },
    );
    const again = await fixture.alice.attachments.upload(
      { fileName: "a.png", data },
      { clientMessageId: "upload-once", chunkBytes: 30_000 },
    );
    expect(again.attachment.guid).toBe(first.attachment.guid);
  });

  it("rejects bad arguments before any call, and what the server refuses, with typed errors", async () => {
    await using fixture = await startAttachmentsFixture();
    const im = fixture.alice;
    await expect(im.attachments.upload({ fileName: "", data: pngBytes(10) })).rejects.toThrow(
      ValidationError,
    );
    await expect(
      im.attachments.upload({ fileName: "a.png", data: new Uint8Array(0) }),
    ).rejects.toThrow(/input\.data must be a non-empty Uint8Array/);
    await expect(
      im.attachments.upload({ fileName: "a.png", data: "bytes" as unknown as Uint8Array }),
    ).rejects.toThrow(ValidationError);
    await expect(im.attachments.get("has space")).rejects.toThrow(
      /attachment must be an attachment GUID/,
    );
    expect(() => im.attachments.downloadStream("")).toThrow(ValidationError);
    await expect(im.attachments.get("00000000-0000-0000-0000-000000000000")).rejects.toThrow(
      NotFoundError,
    );
    const missing = im.attachments.downloadStream("00000000-0000-0000-0000-000000000000");
    await expect(collect(missing)).rejects.toThrow(NotFoundError);
  });

  it("another account gets NotFoundError until a message in a shared chat carries it", async () => {
    await using fixture = await startAttachmentsFixture();
    const { attachment } = await fixture.alice.attachments.upload({
      fileName: "a.png",
      data: pngBytes(1000),
    });
    await expect(fixture.bob.attachments.get(attachment.guid)).rejects.toThrow(NotFoundError);
    await expect(collect(fixture.bob.attachments.downloadStream(attachment.guid))).rejects.toThrow(
      NotFoundError,
    );
    const message = await fixture.alice.messages.sendAttachment(fixture.direct, attachment.guid, {
      isAudioMessage: false,
    });
    expect(message.content.attachments.map((a) => a.guid)).toEqual([attachment.guid]);
    const seen = await fixture.bob.attachments.get(attachment.guid);
    expect(seen.isOutgoing).toBe(false);
    expect(
      (await collect(fixture.bob.attachments.downloadStream(attachment.guid))).primary.length,
    ).toBe(1000);
    await expect(fixture.carol.attachments.get(attachment.guid)).rejects.toThrow(NotFoundError);
  });

  it("reading chunk by chunk delivers the bytes in order, and close() mid-download ends the server's call", async () => {
    await using fixture = await startAttachmentsFixture();
    const data = pngBytes(8 * 1024 * 1024);
    const { attachment } = await fixture.alice.attachments.upload({ fileName: "big.png", data });
    const stream = fixture.alice.attachments.downloadStream(attachment.guid, { bufferedChunks: 2 });
    const iterator = stream[Symbol.asyncIterator]();
    const header = await iterator.next();
    expect(header.value?.type).toBe("header");
    const parts: Buffer[] = [];
    while (parts.length < 3) {
      const next = await iterator.next();
      if (next.done === true) break;
      if (next.value.type === "primaryChunk") parts.push(Buffer.from(next.value.data));
    }
    await stream.close();
    expect(sha256(Buffer.concat(parts))).toBe(sha256(data.subarray(0, 3 * 256 * 1024)));
    const calls = fixture.server.server.calls;
    for (let waited = 0; calls.active.size > 0 && waited < 5000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect([...calls.active.values()]).toEqual([]);
  });
});

describe("im.messages attachment sends", () => {
  it("sendAttachment and sendMultipart arrive live and in catch-up", async () => {
    await using fixture = await startAttachmentsFixture();
    const live = fixture.bob.messages.subscribeEvents();
    await live.ready;
    const first = await fixture.alice.attachments.upload({
      fileName: "a.png",
      data: pngBytes(100),
    });
    const second = await fixture.alice.attachments.upload({
      fileName: "b.png",
      data: pngBytes(200, 3),
    });
    const sent = await fixture.alice.messages.sendAttachment(
      fixture.direct,
      first.attachment.guid,
      {
        clientMessageId: "attachment-send-1",
      },
    );
    const repeated = await fixture.alice.messages.sendAttachment(
      fixture.direct,
      first.attachment.guid,
      {
        clientMessageId: "attachment-send-1",
      },
    );
    expect(repeated.guid).toBe(sent.guid);
    const multipart = await fixture.alice.messages.sendMultipart(fixture.direct, [
      { text: "Hi " },
      { text: "Bob", mentionedAddress: "bob@example.com" },
      { attachmentGuid: second.attachment.guid, attachmentName: "holiday.png" },
    ]);
    expect(multipart.content.text).toBe("Hi Bob\uFFFC");
    expect(multipart.content.mentions).toEqual([
      expect.objectContaining({ address: "bob@example.com", start: 3, length: 3 }),
    ]);
    expect(multipart.content.attachments.map((a) => a.fileName)).toEqual(["holiday.png"]);
    const received: string[] = [];
    for await (const event of live) {
      if (event.type === "message.received") {
        received.push(event.message.guid);
        if (received.length === 2) break;
      }
    }
    expect(received).toEqual([sent.guid, multipart.guid]);
    const replayed: string[][] = [];
    for await (const event of fixture.bob.events.catchUp()) {
      if (event.type === "message.received" && event.message.content.attachments.length > 0) {
        replayed.push(event.message.content.attachments.map((a) => a.guid));
      }
    }
    expect(replayed).toEqual([[first.attachment.guid], [second.attachment.guid]]);
  });

  it("rejects malformed sends before any call", async () => {
    await using fixture = await startAttachmentsFixture();
    const im = fixture.alice;
    await expect(im.messages.sendAttachment(fixture.direct, "bad guid")).rejects.toThrow(
      ValidationError,
    );
    await expect(im.messages.sendMultipart(fixture.direct, [])).rejects.toThrow(/parts must be/);
    await expect(
      im.messages.sendMultipart(fixture.direct, [{ text: "x", attachmentGuid: "A" }]),
    ).rejects.toThrow(/has both text and attachmentGuid/);
    await expect(
      im.messages.sendMultipart(fixture.direct, [{ text: "x", bubbleIndex: 2 }]),
    ).rejects.toThrow(/bubbleIndex/);
    await expect(
      im.messages.sendMultipart(fixture.direct, [{ text: "x", mentionedAddress: "nobody" }]),
    ).rejects.toThrow(ValidationError);
    await expect(
      im.messages.sendAttachment(fixture.direct, "00000000-0000-0000-0000-000000000000"),
    ).rejects.toThrow(NotFoundError);
  });
});
