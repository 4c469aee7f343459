import type { EventSource } from "./event-source.js";

/**
 * An {@link EventSource} whose real source is opened asynchronously (after a capability
 * check, say) on the first pull. Cancelling before it has opened cancels it as soon as
 * it arrives; a failure to open is the source's failure.
 *
 * @internal not covered by semver
 */
export function createDeferredSource<T>(open: () => Promise<EventSource<T>>): EventSource<T> {
  let opening: Promise<EventSource<T>> | undefined;
  let current: EventSource<T> | undefined;
  let cancelled = false;
  return {
    pull() {
      if (current !== undefined) return current.pull();
      opening ??= open().then((source) => {
        current = source;
        if (cancelled) void source.cancel();
        return source;
      });
      return opening.then((source) => (cancelled ? undefined : source.pull()));
    },
    cancel() {
      if (cancelled) return;
      cancelled = true;
      if (current !== undefined) return current.cancel();
      // Not opened yet: the opener cancels it on arrival (see above).
      opening?.catch(() => undefined);
    },
  };
}
