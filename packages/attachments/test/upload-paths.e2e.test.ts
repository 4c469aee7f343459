import { createHash } from "node:crypto";
import type { ClientContext } from "@threadline/core";
import { recordingContext } from "@threadline/core/testing";
import { describe, expect, it } from "vitest";
import { attachments } from "../src/index.js";
import { pngBytes, startAttachmentsFixture } from "./attachments-fixture.js";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

// The client context of a server without threadline.attachment_upload.
function plainServer(context: ClientContext): ClientContext {
  return {
    ...context,
    serverCapabilities: async (operation) => ({
      ...(await context.serverCapabilities(operation)),
      capabilities: new Set<string>(),
    }),
  };
}

describe("upload paths", () => {
  it("a Threadline server gets chunks (start, appends, finish) with one idempotency key on the finish", async () => {
    await using fixture = await startAttachmentsFixture();
    const { calls, context } = recordingContext(fixture.alice.context);
    const data = pngBytes(50_000);
    await attachments(context).upload(
      { fileName: "a.png", data },
      { chunkBytes: 20_000, clientMessageId: "paths-1" },
    );
    expect(calls.map((call) => call.path.split("/")[2])).toEqual([
      "StartAttachmentUpload",
      "AppendAttachmentChunk",
      "AppendAttachmentChunk",
      "AppendAttachmentChunk",
      "FinishAttachmentUpload",
    ]);
    expect(calls.at(-1)?.options).toMatchObject({ mutating: true, idempotencyKey: "paths-1" });
  });

  it("a server without chunked uploads gets UploadAttachment, with the same result and key", async () => {
    await using fixture = await startAttachmentsFixture();
    const { calls, context } = recordingContext(plainServer(fixture.alice.context));
    const data = pngBytes(50_000);
    const plain = await attachments(context).upload(
      { fileName: "a.png", data, companion: { data: pngBytes(300) } },
      { clientMessageId: "paths-2" },
    );
    expect(calls.map((call) => call.path.split("/")[2])).toEqual(["UploadAttachment"]);
    expect(calls[0]?.options).toMatchObject({ mutating: true, idempotencyKey: "paths-2" });
    expect(plain.companion?.totalBytes).toBe(300);
    // Chunked with the same key and files: the server recognises the same upload.
    const chunked = await fixture.alice.attachments.upload(
      { fileName: "a.png", data, companion: { data: pngBytes(300) } },
      { clientMessageId: "paths-2" },
    );
    expect(chunked.attachment.guid).toBe(plain.attachment.guid);
    const bytes: Uint8Array[] = [];
    for await (const chunk of fixture.alice.attachments.downloadStream(plain.attachment.guid)) {
      if (chunk.type === "primaryChunk") bytes.push(chunk.data);
    }
    expect(sha256(Buffer.concat(bytes))).toBe(sha256(data));
  });

  it("a file over the server's limit is refused before its bytes are sent", async () => {
    await using fixture = await startAttachmentsFixture();
    const { calls, context } = recordingContext(fixture.alice.context);
    const limit = fixture.server.server.config.maxAttachmentBytes;
    const huge = new Uint8Array(limit + 1);
    await expect(attachments(context).upload({ fileName: "huge.bin", data: huge })).rejects.toThrow(
      `over the server's limit of ${limit} bytes`,
    );
    expect(calls.map((call) => call.path.split("/")[2])).toEqual(["StartAttachmentUpload"]);
  });
});
