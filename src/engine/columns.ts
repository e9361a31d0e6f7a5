/** Column storage: tables of typed arrays indexed by id, grown by copying into a larger array. */

type Column = Int32Array | Float64Array | Uint8Array;

/** A copy of `column` with room for `capacity` entries (new entries zero). */
export function widen<T extends Column>(column: T, capacity: number): T {
  const next = new (column.constructor as new (n: number) => T)(capacity);
  next.set(column);
  return next;
}

/** Empties a small array kept for reuse. Popping is compiled inline; assigning `length` calls into the runtime, which showed in profiles of per-event code. */
export function empty(list: unknown[]): void {
  while (list.length > 0) list.pop();
}

/** Removes the last occurrence of `item` from a small array kept in order, without the array `splice` returns; false if it is absent. */
export function removeLast<T>(list: T[], item: T): boolean {
  const at = list.lastIndexOf(item);
  if (at < 0) return false;
  for (let i = at + 1; i < list.length; i++) list[i - 1] = list[i];
  list.pop();
  return true;
}
