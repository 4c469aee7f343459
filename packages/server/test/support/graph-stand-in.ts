import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the stand-in received, as the test asserts it. */
export interface GraphRequest {
  readonly method: string;
  /** Path and query, e.g. `/v23.0/106540352242922/messages`. */
  readonly url: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: unknown;
}

/** An answer: HTTP status and JSON body. */
export interface GraphAnswer {
  readonly status: number;
  readonly json: unknown;
}

/** A local HTTP server standing in for Meta's Graph API. */
export interface GraphStandIn {
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: GraphRequest[];
  /** Sets how the next requests are answered (default: 500 with a Meta error). */
  answerWith(answer: (request: GraphRequest) => GraphAnswer): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Meta's error body shape. */
export function graphErrorBody(
  code: number,
  message: string,
  type = "OAuthException",
  details?: string,
) {
  return {
    error: {
      message,
      type,
      code,
      ...(details === undefined ? {} : { error_data: { messaging_product: "whatsapp", details } }),
      fbtrace_id: "AbCdEfGhIjKl",
    },
  };
}

/** Starts the stand-in on 127.0.0.1 and a free port. */
export async function startGraphStandIn(): Promise<GraphStandIn> {
  const requests: GraphRequest[] = [];
  let answer: (request: GraphRequest) => GraphAnswer = () => ({
    status: 500,
    json: graphErrorBody(1, "no answer configured in the test"),
  });
  const server = createServer((request, response) => {
    readBody(request).then((body) => {
      let json: unknown;
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        json = undefined;
      }
      const recorded: GraphRequest = {
        method: request.method ?? "",
        url: request.url ?? "",
        authorization: request.headers.authorization,
        contentType: request.headers["content-type"],
        body,
        json,
      };
      requests.push(recorded);
      const { status, json: reply } = answer(recorded);
      const text = JSON.stringify(reply);
      response.writeHead(status, { "content-type": "application/json" });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answerWith(next) {
      answer = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
