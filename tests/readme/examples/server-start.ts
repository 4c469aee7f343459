import { startServer } from "@threadline/server";

const server = await startServer({ dataPath: "./threadline.db", port: 0, logger: false });
const { account, token } = await server.accounts.create(["alice@example.com"]);
console.log(server.address, account.primaryAddress, token.length > 0);
await server.close();
