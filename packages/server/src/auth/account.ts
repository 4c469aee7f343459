/** The messaging identity behind a bearer token. */
export interface Account {
  readonly id: number;
  /** Normalised addresses (lower-case email or E.164 phone), in the order they were added. */
  readonly addresses: readonly string[];
  /** The first address: the one this account sends as. */
  readonly primaryAddress: string;
}
