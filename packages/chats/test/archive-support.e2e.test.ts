import { Server, ServerCredentials } from "@grpc/grpc-js";
import { createClient, UnimplementedError } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { chats } from "../src/index.js";

/**
 * A gRPC server that implements nothing: every call, GetServerInfo included, answers
 * UNIMPLEMENTED, which is how a plain photon.imessage.v1 server answers the
 * threadline.v1 additions.
 */
async function startServerWithoutAdditions() {
  const server = new Server();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    async [Symbol.asyncDispose]() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

describe("archive on a server without threadline.chat_archive", () => {
  it("archive and unarchive reject with UnimplementedError naming the capability", async () => {
    await using server = await startServerWithoutAdditions();
    await using im = createClient({ address: server.address, token: "t", resources: { chats } });
    for (const call of [
      () => im.chats.archive("any;-;bob@example.com"),
      () => im.chats.unarchive("any;-;bob@example.com"),
    ]) {
      const attempt = call();
      await expect(attempt).rejects.toBeInstanceOf(UnimplementedError);
      await expect(attempt).rejects.toThrow(
        /needs a Threadline server with the "threadline\.chat_archive" capability/,
      );
    }
  });
});
