/**
 * @threadline/core/testing: helpers for testing resource packages built on core.
 *
 * ```ts
 * const { calls, context } = recordingContext(im.context);
 * await chats(context).markRead(guid);
 * expect(calls[0]?.options?.mutating).toBe(true);
 * ```
 */
export {
  type RecordedCall,
  type RecordedLiveStream,
  type RecordingContext,
  recordingContext,
} from "./testing/recording-context.js";
