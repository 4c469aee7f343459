/**
 * A client in its own process for the large-attachment test: uploads (or downloads)
 * one attachment through @threadline/attachments and prints one JSON line with its
 * resident memory before and at its peak during the transfer. Run with
 * `node --expose-gc --import tsx transfer-client.ts <upload|download> <address> <token> <size|guid>`.
 */
import { createHash } from "node:crypto";
import { createClient } from "@threadline/core";
import { attachments } from "../../src/index.js";
import { peakBytes, resetPeak } from "./peak-memory.js";

const [mode, address, token, argument] = process.argv.slice(2);
if (address === undefined || token === undefined || argument === undefined) {
  throw new Error("usage: transfer-client <upload|download> <address> <token> <size|guid>");
}
const im = createClient({ address, token, tls: false, resources: { attachments } });
const collect = () => (globalThis as { gc?: () => void }).gc?.();

if (mode === "upload") {
  const size = Number(argument);
  const data = new Uint8Array(size);
  for (let index = 0; index < size; index += 4096) data[index] = index & 0xff;
  data.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  const sha256 = createHash("sha256").update(data).digest("hex");
  // Warm the channel and the capability lookup, so the measurement is the transfer alone.
  await im.attachments.upload({ fileName: "warm.bin", data: data.subarray(0, 1024) });
  collect();
  const before = resetPeak("self");
  const { attachment } = await im.attachments.upload({ fileName: "large.png", data });
  const peak = peakBytes("self");
  process.stdout.write(`${JSON.stringify({ guid: attachment.guid, sha256, before, peak })}\n`);
} else {
  collect();
  const before = resetPeak("self");
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of im.attachments.downloadStream(argument)) {
    if (chunk.type === "primaryChunk") {
      hash.update(chunk.data);
      bytes += chunk.data.length;
    }
  }
  const peak = peakBytes("self");
  process.stdout.write(`${JSON.stringify({ sha256: hash.digest("hex"), bytes, before, peak })}\n`);
}
await im.close();
