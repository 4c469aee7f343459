import type { Database } from "better-sqlite3";
import type { AddressRepository } from "../repositories/address-repository.js";

/** The SQLite {@link AddressRepository} over one connection. */
export function createSqliteAddressRepository(_db: Database): AddressRepository {
  return {};
}
