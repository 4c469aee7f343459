import type { StreamInput } from "./event-source.js";
import { TypedEventStream } from "./typed-event-stream.js";

/**
 * A {@link TypedEventStream} over a live server stream, plus `ready`: a promise that
 * resolves once the server has registered the subscription (it sent response headers),
 * so every event committed after that point will arrive on this stream. It rejects
 * with the typed error if the call fails first, or with a `CancelledError` if the
 * stream is closed first. Streams derived with `.filter/.map/.take` do not carry it.
 */
export class LiveEventStream<T> extends TypedEventStream<T> {
  /** Resolves when the server has registered the subscription. */
  readonly ready: Promise<void>;

  constructor(source: StreamInput<T>, ready: Promise<void>, onClose?: () => void | Promise<void>) {
    super(source, onClose);
    this.ready = ready;
    // Nobody has to await `ready`; a failure still reaches the reader of the stream.
    ready.catch(() => undefined);
  }
}
