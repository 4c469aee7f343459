import type { AddressRepository } from "../repositories/address-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link AddressRepository} over a pooled client or transaction. */
export function createPostgresAddressRepository(_sql: PgQueryable): AddressRepository {
  return {};
}
