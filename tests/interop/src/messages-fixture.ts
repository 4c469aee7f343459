import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";
import { messages } from "@threadline/messages";
import type { InteropFixture, Person } from "./fixture.js";

/** Both clients of one person, the Threadline one with `chats` and `messages`. */
export function withMessages(fixture: InteropFixture, person: Person) {
  const threadline = createClient({
    address: fixture.server.address,
    token: person.token,
    tls: false,
    resources: { chats, messages },
  });
  return { photon: person.photon, threadline, address: person.address, token: person.token };
}
