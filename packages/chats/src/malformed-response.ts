import { ProtocolError } from "@threadline/core";

/**
 * The error for a response that lacks a field every conforming server sends.
 *
 * @internal not covered by semver
 */
export function malformedResponse(where: string, field: string): ProtocolError {
  return new ProtocolError(
    `the server's ${where} has no ${field}, which a conforming server always sends`,
    { context: { field } },
  );
}
