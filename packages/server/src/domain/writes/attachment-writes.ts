import type { Account } from "../../auth/account.js";
import {
  type SendAttachmentInput,
  type SendMultipartInput,
  sendAttachment,
  sendMultipart,
} from "../attachment-messages.js";
import { recordUpload, uploadResponse } from "../attachment-operations.js";
import type { NewAttachment } from "../attachment-records.js";
import { writeOperation } from "../write-operation.js";

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry. Blob files never enter a write: an
 * upload's files are durable, and described (`describeUpload`), before it is recorded.
 */
export const attachmentWrites = {
  "attachments.recordUpload": writeOperation(
    async (context, { attachment }: { attachment: NewAttachment }) =>
      uploadResponse(await recordUpload(context, attachment)),
  ),
  "attachments.sendAttachment": writeOperation(
    async (context, { account, input }: { account: Account; input: SendAttachmentInput }) => ({
      message: await sendAttachment(context, account, input),
    }),
  ),
  "attachments.sendMultipart": writeOperation(
    async (context, { account, input }: { account: Account; input: SendMultipartInput }) => ({
      message: await sendMultipart(context, account, input),
    }),
  ),
} as const;
