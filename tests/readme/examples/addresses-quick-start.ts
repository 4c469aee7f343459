import { addresses } from "@threadline/addresses";
import { createClient } from "@threadline/core";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
  resources: { addresses },
});

const bob = "Bob@Example.com";
if (await im.addresses.isIMessageAvailable(bob)) {
  const info = await im.addresses.get(bob);
  const silenced = await im.addresses.isFocusSilenced(bob);
  console.log(`${info.address} is on ${info.services.join(", ")}; silenced by Focus: ${silenced}`);
}
await im.addresses.setFocusStatus(true);
console.log(`my notifications are silenced: ${await im.addresses.isOwnFocusSilenced()}`);
await im.close();
