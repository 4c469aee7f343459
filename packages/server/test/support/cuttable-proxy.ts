import { connect, createServer, type Socket } from "node:net";

/**
 * A loopback TCP proxy that can cut its target off: every open connection is dropped
 * and new ones are closed at once, as when the database host goes away; `restore`
 * lets connections through again.
 */
export interface CuttableProxy {
  /** "127.0.0.1:port" to connect to instead of the target. */
  readonly address: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Starts a {@link CuttableProxy} on a free port in front of `target` ("host:port"). */
export async function startCuttableProxy(target: string): Promise<CuttableProxy> {
  const [host = "127.0.0.1", port = "0"] = target.split(":");
  const open = new Set<Socket>();
  let cut = false;
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), host);
    open.add(client);
    open.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on("error", drop);
      socket.on("close", drop);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  return {
    address: `127.0.0.1:${address.port}`,
    cut() {
      cut = true;
      for (const socket of [...open]) socket.destroy();
    },
    restore() {
      cut = false;
    },
    async close() {
      cut = true;
      for (const socket of [...open]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
