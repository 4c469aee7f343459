/** One query's rows, as node-postgres returns them. */
export interface PgResult<Row> {
  readonly rows: Row[];
  readonly rowCount: number | null;
}

/**
 * What a PostgreSQL repository needs: parameterised queries. A `pg.Pool` (reads of
 * committed data) and a `pg.PoolClient` inside BEGIN … COMMIT (a write) both fit.
 */
export interface PgQueryable {
  query<Row = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<PgResult<Row>>;
}
