import { status as GrpcStatus } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { grpcStatusOf } from "../rpc/error-status.js";
import { graphFailure, readGraphError } from "./graph-api-error.js";

function failure(httpStatus: number, code: number | undefined) {
  const body =
    code === undefined ? {} : { error: { message: "meta says no", code, fbtrace_id: "trace-1" } };
  const error = graphFailure(httpStatus, readGraphError(body), "sending a message");
  // The status the client is sent, read through rpc/'s one table.
  return { ...error, message: error.message, status: grpcStatusOf(error), details: error.trailers };
}

describe("Graph API errors", () => {
  it("map Meta's codes before the HTTP status", () => {
    expect(failure(400, 130429)).toMatchObject({
      status: GrpcStatus.RESOURCE_EXHAUSTED,
      retryable: true,
    });
    expect(failure(400, 190)).toMatchObject({
      status: GrpcStatus.UNAUTHENTICATED,
      retryable: false,
    });
    expect(failure(400, 10)).toMatchObject({
      status: GrpcStatus.PERMISSION_DENIED,
      retryable: false,
    });
    expect(failure(400, 131000)).toMatchObject({ status: GrpcStatus.UNAVAILABLE, retryable: true });
    expect(failure(400, 100)).toMatchObject({
      status: GrpcStatus.INVALID_ARGUMENT,
      retryable: false,
    });
  });

  it("fall back on the HTTP status without a Meta error object", () => {
    expect(failure(401, undefined).status).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(failure(403, undefined).status).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(failure(429, undefined)).toMatchObject({
      status: GrpcStatus.RESOURCE_EXHAUSTED,
      retryable: true,
    });
    expect(failure(502, undefined)).toMatchObject({
      status: GrpcStatus.UNAVAILABLE,
      retryable: true,
    });
    expect(failure(404, undefined).status).toBe(GrpcStatus.NOT_FOUND);
  });

  it("carry Meta's message, code and trace id", () => {
    const error = failure(400, 100);
    expect(error.message).toContain("meta says no");
    expect(error.details).toEqual({ "graph-error-code": "100", "graph-fbtrace-id": "trace-1" });
  });
});
