import { ServerError } from "../errors/server-error.js";
import { graphFailure, graphUnreachable, readGraphError } from "./graph-api-error.js";
import type { WhatsAppNumber } from "./number-registry.js";

/** Where the Graph API is. */
export interface GraphApiOptions {
  readonly baseUrl: string;
  readonly version: string;
  /** Per-request timeout in milliseconds. Default 30000. */
  readonly timeoutMs?: number;
}

/** What SendMessage gets back: Meta's message id and its first status. */
export interface SentMessage {
  readonly messageId: string;
  readonly messageStatus: string;
}

/** What a media id resolves to. */
export interface MediaUrl {
  readonly url: string;
  readonly mimeType: string;
  readonly fileSize: number;
  readonly sha256: string;
}

/** The Graph API calls of one server; each call makes exactly one HTTP request. */
export interface GraphApiClient {
  sendMessage(number: WhatsAppNumber, body: Record<string, unknown>): Promise<SentMessage>;
  markRead(number: WhatsAppNumber, messageId: string, typingIndicator: boolean): Promise<void>;
  uploadMedia(
    number: WhatsAppNumber,
    file: Uint8Array,
    mimeType: string,
    filename: string | undefined,
  ): Promise<string>;
  getMediaUrl(number: WhatsAppNumber, mediaId: string): Promise<MediaUrl>;
  deleteMedia(number: WhatsAppNumber, mediaId: string): Promise<void>;
}

function field(body: unknown, key: string): unknown {
  return typeof body === "object" && body !== null && key in body
    ? (body as Record<string, unknown>)[key]
    : undefined;
}

function unexpectedAnswer(operation: string, what: string): ServerError {
  return new ServerError("INTERNAL", `the Graph API answered ${operation} without ${what}`);
}

const versionPattern = /^v\d{1,3}\.\d{1,3}$/;

/**
 * A Graph API client that authenticates every request with the number's access token
 * (`Authorization: Bearer`). Failures become typed ServerErrors (see `graphFailure`).
 * Throws RangeError for a malformed base URL or version.
 */
export function createGraphApiClient(options: GraphApiOptions): GraphApiClient {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new RangeError(
      `graph API URL must be an absolute http(s) URL; received ${JSON.stringify(options.baseUrl)}`,
    );
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    throw new RangeError(
      `graph API URL must use https (or http for a local stand-in); received ${base.protocol}`,
    );
  }
  if (!versionPattern.test(options.version)) {
    throw new RangeError(
      `graph API version must look like v23.0; received ${JSON.stringify(options.version)}`,
    );
  }
  const root = `${base.origin}${base.pathname.replace(/\/+$/, "")}/${options.version}`;
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call(
    operation: string,
    number: WhatsAppNumber,
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: { json: unknown } | { form: FormData },
  ): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${number.accessToken}` };
    let payload: string | FormData | undefined;
    if (body !== undefined && "json" in body) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body.json);
    } else if (body !== undefined) {
      payload = body.form;
    }
    let response: Response;
    try {
      response = await fetch(`${root}${path}`, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw graphUnreachable(operation, error);
    }
    const text = await response.text().catch(() => "");
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) throw graphFailure(response.status, readGraphError(parsed), operation);
    return parsed;
  }

  const segment = (value: string) => encodeURIComponent(value);

  return {
    async sendMessage(number, body) {
      const operation = "sending a message";
      const answer = await call(
        operation,
        number,
        "POST",
        `/${segment(number.phoneNumberId)}/messages`,
        { json: body },
      );
      const messages = field(answer, "messages");
      const first: unknown = Array.isArray(messages) ? messages[0] : undefined;
      const id = field(first, "id");
      if (typeof id !== "string") throw unexpectedAnswer(operation, "messages[0].id");
      const status = field(first, "message_status");
      return { messageId: id, messageStatus: typeof status === "string" ? status : "accepted" };
    },
    async markRead(number, messageId, typingIndicator) {
      await call(
        "marking a message read",
        number,
        "POST",
        `/${segment(number.phoneNumberId)}/messages`,
        {
          json: {
            messaging_product: "whatsapp",
            status: "read",
            message_id: messageId,
            ...(typingIndicator ? { typing_indicator: { type: "text" } } : {}),
          },
        },
      );
    },
    async uploadMedia(number, file, mimeType, filename) {
      const operation = "uploading media";
      const form = new FormData();
      form.append("messaging_product", "whatsapp");
      form.append("type", mimeType);
      form.append("file", new Blob([file], { type: mimeType }), filename ?? "file");
      const answer = await call(
        operation,
        number,
        "POST",
        `/${segment(number.phoneNumberId)}/media`,
        { form },
      );
      const id = field(answer, "id");
      if (typeof id !== "string") throw unexpectedAnswer(operation, "id");
      return id;
    },
    async getMediaUrl(number, mediaId) {
      const operation = "looking up media";
      const answer = await call(
        operation,
        number,
        "GET",
        `/${segment(mediaId)}?phone_number_id=${segment(number.phoneNumberId)}`,
      );
      const url = field(answer, "url");
      if (typeof url !== "string") throw unexpectedAnswer(operation, "url");
      const mimeType = field(answer, "mime_type");
      const sha256 = field(answer, "sha256");
      const size = Number(field(answer, "file_size"));
      return {
        url,
        mimeType: typeof mimeType === "string" ? mimeType : "",
        fileSize: Number.isSafeInteger(size) && size >= 0 ? size : 0,
        sha256: typeof sha256 === "string" ? sha256 : "",
      };
    },
    async deleteMedia(number, mediaId) {
      await call(
        "deleting media",
        number,
        "DELETE",
        `/${segment(mediaId)}?phone_number_id=${segment(number.phoneNumberId)}`,
      );
    },
  };
}
