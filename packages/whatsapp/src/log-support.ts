import { type Transport, UnimplementedError } from "@threadline/core";
import { WhatsAppLogServiceDefinition } from "@threadline/protocol";

/**
 * Whether the server offers the Threadline log RPCs (`threadline.v1.WhatsAppLogService`),
 * asked once per client with a one-event FetchWhatsAppEvents. UNIMPLEMENTED means a
 * server with only the published photon.whatsapp.v1 RPCs; any other failure (bad
 * credentials, say) is thrown and asked again next time.
 *
 * @internal not covered by semver
 */
export function createLogSupport(transport: Transport): (operation: string) => Promise<boolean> {
  let known: Promise<boolean> | undefined;
  return (operation) => {
    known ??= transport
      .unary(
        WhatsAppLogServiceDefinition.fetchWhatsAppEvents,
        { position: { afterSequence: 0 }, limit: 1 },
        { operation },
      )
      .then(
        () => true,
        (error: unknown) => {
          if (UnimplementedError.is(error)) return false;
          known = undefined;
          throw error;
        },
      );
    return known;
  };
}
