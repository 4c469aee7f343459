import { invalidArgument, type Transport } from "@threadline/core";
import { WhatsAppMessageServiceDefinition } from "@threadline/protocol";
import { checkWamid, type SendMessageParams, sendRequestFrom } from "./send-request.js";

/** Per-call options of the messages resource. */
export interface RequestOptions {
  /** Cancels the call (it rejects with a CancelledError). */
  readonly signal?: AbortSignal;
}

/** Per-call options of `messages.send()`. */
export interface SendOptions extends RequestOptions {
  /**
   * The idempotency key of this send (default a fresh UUID). Every retry of the call
   * carries the same key, so the server sends the message to Meta at most once; reuse
   * it yourself to retry a send after a crash.
   */
  readonly idempotencyKey?: string;
}

/** What `messages.send()` resolves to. */
export interface SendMessageResult {
  /** The wamid of the sent message (status updates carry it as `status.id`). */
  readonly messageId: string;
  /** Meta's message_status, e.g. `"accepted"`. */
  readonly messageStatus: string;
}

/** Options of `messages.markRead()`. */
export interface MarkReadOptions extends RequestOptions {
  /** Also shows the typing indicator to the user (until you reply or 25 s pass). */
  readonly typingIndicator?: boolean;
}

/** Sending messages through the business number. */
export interface MessagesResource {
  /**
   * Sends one message. Validates before the network (`to`, exactly one content kind,
   * text up to 4096 characters); retries reuse one idempotency key.
   */
  send(params: SendMessageParams, options?: SendOptions): Promise<SendMessageResult>;
  /** Marks an inbound message (and everything before it) as read. */
  markRead(messageId: string, options?: MarkReadOptions): Promise<void>;
}

function signalOf(options: RequestOptions | undefined): { signal?: AbortSignal } {
  return options?.signal === undefined ? {} : { signal: options.signal };
}

/** @internal not covered by semver */
export function createMessagesResource(transport: Transport): MessagesResource {
  return {
    async send(params, options) {
      const request = sendRequestFrom(params);
      const answer = await transport.unary(WhatsAppMessageServiceDefinition.sendMessage, request, {
        operation: "messages.send()",
        mutating: true,
        ...(options?.idempotencyKey === undefined
          ? {}
          : { idempotencyKey: options.idempotencyKey }),
        ...signalOf(options),
      });
      return { messageId: answer.messageId, messageStatus: answer.messageStatus };
    },
    async markRead(messageId, options) {
      const id = checkWamid("messageId", messageId);
      const typing: unknown = options?.typingIndicator;
      if (typing !== undefined && typeof typing !== "boolean") {
        throw invalidArgument("typingIndicator", "a boolean when given", typing);
      }
      await transport.unary(
        WhatsAppMessageServiceDefinition.markRead,
        { messageId: id, typingIndicator: typing === true },
        { operation: "messages.markRead()", mutating: true, ...signalOf(options) },
      );
    },
  };
}
