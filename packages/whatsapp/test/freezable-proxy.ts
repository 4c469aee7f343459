// A TCP relay on 127.0.0.1 whose open connections can be frozen: bytes stop flowing
// both ways while the sockets stay open, as on a half-open connection behind a NAT
// that dropped its mapping. Connections opened after a freeze flow normally.
import { createConnection, createServer, type Socket } from "node:net";

/** A running relay. */
export interface FreezableProxy {
  readonly address: string;
  /** Stops every open connection's traffic without closing it. */
  freeze(): void;
  close(): Promise<void>;
}

/** Starts a relay in front of `upstream` (`host:port`). */
export async function startFreezableProxy(upstream: string): Promise<FreezableProxy> {
  const [host = "127.0.0.1", port = "0"] = upstream.split(":");
  const open = new Set<{ client: Socket; server: Socket; frozen: boolean }>();
  const relay = createServer((client) => {
    const server = createConnection({ host, port: Number(port) });
    const pair = { client, server, frozen: false };
    open.add(pair);
    client.on("data", (chunk) => {
      if (!pair.frozen) server.write(chunk);
    });
    server.on("data", (chunk) => {
      if (!pair.frozen) client.write(chunk);
    });
    const end = () => {
      open.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on("close", end);
    server.on("close", end);
    client.on("error", end);
    server.on("error", end);
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const address = relay.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    address: `127.0.0.1:${address.port}`,
    freeze() {
      for (const pair of open) pair.frozen = true;
    },
    async close() {
      for (const pair of open) {
        pair.client.destroy();
        pair.server.destroy();
      }
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
