/** Fields of `T`, each of which may also be `undefined`. */
export type MaybeFields<T> = { [K in keyof T]?: T[K] | undefined };

/**
 * Drops the `undefined` fields of `fields`, so optional protobuf fields that have no
 * value are absent (what `exactOptionalPropertyTypes` and proto3 presence both want).
 */
export function definedFields<T>(fields: MaybeFields<T>): { [K in keyof T]?: T[K] } {
  const result: { [K in keyof T]?: T[K] } = {};
  for (const key of Object.keys(fields) as (keyof T)[]) {
    const value = fields[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}
