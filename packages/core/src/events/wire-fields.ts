import type { photon } from "@threadline/protocol";

type V1 = typeof photon.imessage.v1;

/**
 * The fields of a decoded `photon.imessage.v1` message, every one optional and
 * nullable: what a decoded frame may hold, and what a hand-built object may leave out.
 *
 * @internal not covered by semver
 */
export type WireFields<Name extends keyof V1> = V1[Name] extends { prototype: infer Decoded }
  ? Partial<{ [Key in keyof Decoded]: Decoded[Key] | null | undefined }>
  : never;
