/** Column storage: tables of typed arrays indexed by id, grown by copying into a larger array. */

type Column = Int32Array | Float64Array | Uint8Array;

/** A copy of `column` with room for `capacity` entries (new entries zero). */
export function widen<T extends Column>(column: T, capacity: number): T {
  const next = new (column.constructor as new (n: number) => T)(capacity);
  next.set(column);
  return next;
}
