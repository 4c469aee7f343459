import type { Writable } from "node:stream";

/** The parts of a grpc-js server stream that flow control needs. */
export interface FlowControlledCall extends Writable {
  readonly cancelled: boolean;
}

/**
 * Resolves true once `call` emits 'drain', or false when it is cancelled, closed or
 * fails first; the listeners are removed either way.
 */
export function waitForDrain(call: FlowControlledCall): Promise<boolean> {
  if (call.cancelled || call.destroyed || call.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    const finish = (drained: boolean) => {
      call.off("drain", onDrain);
      call.off("cancelled", onStop);
      call.off("close", onStop);
      call.off("error", onStop);
      resolve(drained);
    };
    const onDrain = () => finish(true);
    const onStop = () => finish(false);
    call.on("drain", onDrain);
    call.on("cancelled", onStop);
    call.on("close", onStop);
    call.on("error", onStop);
  });
}
