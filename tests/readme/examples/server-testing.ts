import { createClient } from "@threadline/core";
import { startTestServer } from "@threadline/server/testing";

const server = await startTestServer();
try {
  const { token } = await server.accounts.create(["alice@example.com"]);
  const im = createClient({ address: server.address, token });
  console.log(await im.events.getLogInfo()); // { headSequence: 0, oldestRetainedSequence: 0 }
  await im.close();
} finally {
  await server.close(); // fails when a test left a call open
}
