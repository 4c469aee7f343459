import { describe, expect, it } from "vitest";
import { metadataKeys, serverErrorCodes } from "./wire-metadata.js";

describe("wire metadata contract", () => {
  it("every metadata key is a legal lower-case gRPC text header", () => {
    for (const key of Object.values(metadataKeys)) {
      expect(key).toMatch(/^[a-z0-9][a-z0-9_.-]*$/);
      // "-bin" keys carry binary values, and "grpc-" is reserved for gRPC itself.
      expect(key.endsWith("-bin")).toBe(false);
      expect(key.startsWith("grpc-")).toBe(false);
    }
    expect(new Set(Object.values(metadataKeys)).size).toBe(Object.keys(metadataKeys).length);
  });

  it("error codes are distinct SCREAMING_SNAKE_CASE words", () => {
    for (const code of serverErrorCodes) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
    expect(new Set(serverErrorCodes).size).toBe(serverErrorCodes.length);
  });
});
