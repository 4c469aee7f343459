import { connect, createServer, type Socket } from "node:net";

/**
 * A loopback TCP proxy whose existing connections can be frozen: bytes stop, sockets stay
 * open. For tests of half-open connections (stall watchdogs, heartbeats).
 */
export interface FreezableProxy {
  readonly address: string;
  /** Stops forwarding on every connection open now, leaving them half-open; new connections work. */
  freeze(): void;
  /** Forwards again on every open connection, with what waited while frozen. */
  thaw(): void;
  /** TCP connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Starts a proxy on a free 127.0.0.1 port that forwards to `target` ("host:port"). */
export async function startFreezableProxy(target: string): Promise<FreezableProxy> {
  const [host = "127.0.0.1", port = "0"] = target.split(":");
  const pairs = new Set<[Socket, Socket]>();
  const frozen = new Set<[Socket, Socket]>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted += 1;
    const upstream = connect(Number(port), host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    address: `127.0.0.1:${address.port}`,
    get accepted() {
      return accepted;
    },
    freeze() {
      for (const pair of pairs) {
        if (frozen.has(pair)) continue;
        frozen.add(pair);
        const [client, upstream] = pair;
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    thaw() {
      for (const pair of frozen) {
        const [client, upstream] = pair;
        if (pairs.has(pair)) {
          client.pipe(upstream);
          upstream.pipe(client);
        }
      }
      frozen.clear();
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
