import type { photon, WhatsAppMediaServiceDefinition } from "@threadline/protocol";
import { invalidArgument } from "../errors/common-errors.js";
import { whatsappUnary } from "./whatsapp-handlers.js";
import type { WhatsAppServiceDependencies } from "./whatsapp-message-service.js";

type v1 = typeof photon.whatsapp.v1;

function mediaId(value: string): string {
  if (value === "") {
    throw invalidArgument(
      "media_id must be the id of media uploaded or received through WhatsApp",
      {
        field: "media_id",
      },
    );
  }
  return value;
}

/**
 * `photon.whatsapp.v1.MediaService`: Upload (multipart POST /{phone_number_id}/media),
 * GetUrl (GET /{media_id}) and Delete (DELETE /{media_id}), each one Graph API call with
 * the number's access token.
 */
export function createWhatsAppMediaServiceImplementation(
  dependencies: WhatsAppServiceDependencies,
) {
  const { graph } = dependencies;
  return {
    upload: whatsappUnary<
      InstanceType<v1["MediaServiceUploadRequest"]>,
      photon.whatsapp.v1.MediaServiceUploadResponse.$Properties
    >(dependencies, async (request, number) => {
      if (request.file.byteLength === 0) {
        throw invalidArgument("file must hold the media bytes; received an empty file", {
          field: "file",
        });
      }
      if (!/^[\w.+-]+\/[\w.+-]+$/.test(request.mimeType)) {
        throw invalidArgument(
          `mime_type must be a MIME type such as image/jpeg; received ${JSON.stringify(request.mimeType.slice(0, 60))}`,
          { field: "mime_type" },
        );
      }
      const filename = request.filename ?? undefined;
      const id = await graph.uploadMedia(
        number,
        request.file,
        request.mimeType,
        filename === "" ? undefined : filename,
      );
      return { mediaId: id };
    }),
    getUrl: whatsappUnary<
      InstanceType<v1["MediaServiceGetUrlRequest"]>,
      photon.whatsapp.v1.MediaServiceGetUrlResponse.$Properties
    >(dependencies, (request, number) => graph.getMediaUrl(number, mediaId(request.mediaId))),
    delete: whatsappUnary<
      InstanceType<v1["MediaServiceDeleteRequest"]>,
      photon.whatsapp.v1.MediaServiceDeleteResponse.$Properties
    >(dependencies, async (request, number) => {
      await graph.deleteMedia(number, mediaId(request.mediaId));
      return {};
    }),
  } satisfies Record<keyof typeof WhatsAppMediaServiceDefinition, unknown>;
}
