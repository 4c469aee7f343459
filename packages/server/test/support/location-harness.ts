import type { ClientReadableStream, ServiceError } from "@grpc/grpc-js";
import {
  ChatServiceDefinition,
  EventServiceDefinition,
  LocationServiceDefinition,
  LocationSharingServiceDefinition,
  photon,
  type threadline,
} from "@threadline/protocol";
import type { TestServer } from "../../src/testing.js";
import { createRawClient, type RawClient, rejectionOf, trailer } from "./grpc-client.js";

/** A watch frame as the raw client decodes it. */
export type WatchFrame = photon.imessage.v1.WatchSharedFriendLocationsResponse;

/** The status, message and error trailers of a failed call. */
export interface LocationFailure {
  readonly code: number;
  readonly details: string;
  readonly errorCode: string | undefined;
  readonly field: string | undefined;
}

/** One account with raw clients for the services the location tests use. */
export interface LocationAccount {
  readonly accountId: number;
  readonly address: string;
  readonly token: string;
  share(
    request: threadline.v1.ShareLocationRequest.$Properties,
  ): Promise<threadline.v1.ShareLocationResponse>;
  stop(): Promise<threadline.v1.StopSharingLocationResponse>;
  pendingRequests(): Promise<threadline.v1.ListLocationSharingRequestsResponse>;
  list(): Promise<photon.imessage.v1.SharedFriendLocation[]>;
  get(address: string): Promise<photon.imessage.v1.SharedFriendLocation>;
  request(
    request: photon.imessage.v1.RequestFriendLocationSharingRequest.$Properties,
  ): Promise<photon.imessage.v1.RequestFriendLocationSharingResponse>;
  watch(address?: string): ClientReadableStream<WatchFrame>;
  /** Creates a chat with `addresses` and returns its GUID as this account names it. */
  createChat(addresses: readonly string[]): Promise<string>;
  /** Every event of the account's log and the head the catch-up reported. */
  catchUp(): Promise<{ events: photon.imessage.v1.CatchUpEventsResponse[]; head: number }>;
  /** The failure of `call`; fails the test when it succeeds. */
  failure(call: Promise<unknown>): Promise<LocationFailure>;
  close(): void;
}

function failureOf(error: ServiceError): LocationFailure {
  return {
    code: error.code,
    details: error.details,
    errorCode: trailer(error, "error-code"),
    field: trailer(error, "field"),
  };
}

/** Creates an account on `server` and connects raw clients to it. */
export async function locationAccount(
  server: TestServer,
  address: string,
): Promise<LocationAccount> {
  const { account, token } = await server.accounts.create([address]);
  const clients: RawClient[] = [];
  const open = (definition: Parameters<typeof createRawClient>[1]) => {
    const client = createRawClient(server.address, definition, token);
    clients.push(client);
    return client;
  };
  const locations = open(LocationServiceDefinition);
  const sharing = open(LocationSharingServiceDefinition);
  const chats = open(ChatServiceDefinition);
  const events = open(EventServiceDefinition);
  return {
    accountId: account.id,
    address: account.primaryAddress,
    token,
    share: (request) => sharing.unary("shareLocation", request),
    stop: () => sharing.unary("stopSharingLocation", {}),
    pendingRequests: () => sharing.unary("listLocationSharingRequests", {}),
    async list() {
      const response = await locations.unary<photon.imessage.v1.ListSharedFriendLocationsResponse>(
        "listSharedFriendLocations",
        {},
      );
      return response.locations;
    },
    async get(target) {
      const response = await locations.unary<photon.imessage.v1.GetSharedFriendLocationResponse>(
        "getSharedFriendLocation",
        { address: target },
      );
      if (response.location === null || response.location === undefined) {
        throw new Error("GetSharedFriendLocation answered without a location");
      }
      return response.location;
    },
    request: (request) => locations.unary("requestFriendLocationSharing", request),
    watch: (target) =>
      locations.stream<WatchFrame>(
        "watchSharedFriendLocations",
        target === undefined ? {} : { address: target },
      ),
    async createChat(addresses) {
      const response = await chats.unary<photon.imessage.v1.CreateChatResponse>("createChat", {
        addresses,
      });
      const guid = response.chat?.guid;
      if (guid === undefined) throw new Error("CreateChat answered without a chat");
      return guid;
    },
    catchUp() {
      const stream = events.stream<photon.imessage.v1.CatchUpEventsResponse>("catchUpEvents", {});
      return new Promise((resolve, reject) => {
        const collected: photon.imessage.v1.CatchUpEventsResponse[] = [];
        stream.on("data", (frame: photon.imessage.v1.CatchUpEventsResponse) => {
          if (frame.payload === "complete") {
            resolve({ events: collected, head: frame.complete?.headSequence ?? 0 });
          } else if (frame.payload !== "heartbeat") {
            collected.push(frame);
          }
        });
        stream.on("error", reject);
      });
    },
    async failure(call) {
      return failureOf(await rejectionOf(call));
    },
    close() {
      for (const client of clients) client.close();
    },
  };
}

/** Resolves with the next frame of `stream` that `accept` takes; heartbeats are skipped unless asked for. */
export function nextFrame(
  stream: ClientReadableStream<WatchFrame>,
  accept: (frame: WatchFrame) => boolean = (frame) => frame.payload === "locationUpdated",
): Promise<WatchFrame> {
  return new Promise((resolve, reject) => {
    const onData = (frame: WatchFrame) => {
      if (!accept(frame)) return;
      stream.off("data", onData);
      stream.off("error", onError);
      resolve(frame);
    };
    const onError = (error: unknown) => {
      stream.off("data", onData);
      reject(error);
    };
    stream.on("data", onData);
    stream.on("error", onError);
  });
}

/** Resolves once the server has registered the watch (its response headers arrived). */
export function registered(stream: ClientReadableStream<WatchFrame>): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once("metadata", () => resolve());
    stream.once("error", reject);
  });
}

/** Cancels a watch and waits until the server has let go of it. */
export async function cancelWatch(stream: ClientReadableStream<WatchFrame>): Promise<void> {
  const gone = new Promise<void>((resolve) => {
    stream.on("error", () => resolve());
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
  });
  stream.cancel();
  await gone;
}

/** A live position at the given coordinates, for everyone in `audience`. */
export function position(
  latitude: number,
  longitude: number,
  audience: { addresses?: readonly string[]; chats?: readonly string[] },
): threadline.v1.ShareLocationRequest.$Properties {
  return {
    latitude,
    longitude,
    accuracy: 10,
    allowedAddresses: [...(audience.addresses ?? [])],
    allowedChatGuids: [...(audience.chats ?? [])],
    locationType: photon.imessage.v1.FriendLocationType.FRIEND_LOCATION_TYPE_LIVE,
  };
}
