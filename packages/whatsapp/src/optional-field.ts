/**
 * `{ [key]: value }` when the wire value is present, `{}` when it is null or undefined;
 * spread it so optional properties are absent rather than `undefined`.
 *
 * @internal not covered by semver
 */
export function optionalField<Key extends string, Value>(
  key: Key,
  value: Value | null | undefined,
): { readonly [Name in Key]?: Value } {
  if (value === null || value === undefined) return {};
  const field: { [Name in Key]?: Value } = {};
  field[key] = value;
  return field;
}
