/**
 * Memoised normalisers for preparing many records: a CRM table repeats its values (a few thousand
 * given names, cities and postcodes among a million contacts; one brand on every branch), so each
 * distinct raw string is normalised once (a cached result is never `undefined`: normalisers answer null for
 * nothing) and every record holding it shares the one result (the
 * same string or object in memory — interning, which also keeps a million prepared records small).
 *
 * Contract: `memoiseText(f)` returns a function with f's result for every input; string inputs are
 * looked up in a bounded cache (cleared when it reaches `limit` entries, so memory stays bounded
 * on data whose values never repeat), other inputs go straight to f. Results are shared, so they
 * must be treated as immutable (they are: prepared records are read-only after preparation).
 * `clearMemos()` empties every cache made here (the matcher calls it once every record is
 * prepared: the caches hold raw values of pages already dropped, and nothing needs them while
 * matching); answers are the same afterwards, only computed again. `flat(s)` returns s stored
 * as one piece and `detached(s)` a copy of s apart from any longer string (see below). Pure apart
 * from the caches; no I/O.
 */

/** Default number of distinct raw values a memoised normaliser remembers. */
export const MEMO_LIMIT = 100_000;

/** Every memo cache, for `clearMemos` (module-level memos: a handful, never collected anyway). */
const CACHES: Map<string, unknown>[] = [];

export function memoiseText<T>(f: (value: unknown) => T, limit: number = MEMO_LIMIT): (value: unknown) => T {
  const cache = new Map<string, T>();
  CACHES.push(cache);
  return (value) => {
    if (typeof value !== "string") return f(value);
    const hit = cache.get(value);
    if (hit !== undefined) return hit;
    const result = f(value);
    if (cache.size >= limit) cache.clear();
    cache.set(value, result);
    return result;
  };
}

/** Makes `cache` one of those `clearMemos` empties (for caches keyed otherwise than by the raw value). */
export function registerCache(cache: Map<string, unknown>): void {
  CACHES.push(cache);
}

/** Empties every memo cache (answers stay the same; the memory of the raw values is released). */
export function clearMemos(): void {
  for (const cache of CACHES) cache.clear();
}

/**
 * `s` as one contiguous string. JavaScript engines represent `a + b` (and template literals) as a
 * pair pointing at both parts, which keeps the parts alive as long as the result; a value kept in
 * a million prepared records should not carry its pieces. Converting to a number makes V8 flatten
 * the string (the pair then points at one copy, and the collector drops the pair); the number is
 * discarded. The value is unchanged; only memory differs.
 */
export function flat(s: string): string {
  if (s.length >= 13) void Number(s); // V8 builds pairs from 13 characters on
  return s;
}

/** Characters `encodeURI` leaves as they are. */
const URI_SAFE = /^[A-Za-z0-9\-_.!~*'();/?:@&=+$,#]*$/;

/**
 * A copy of `s` that shares no memory with a longer string. A slice of a string (what a URL
 * parser answers for a host or a domain) points into the whole string and keeps it alive; kept in
 * a million prepared records, those wholes add up. `encodeURI` of a string it leaves unchanged
 * builds a fresh copy of the same value; other strings are copied through a one-character prefix
 * (its copy is only one character longer than `s`). The value is unchanged; only memory differs.
 */
export function detached(s: string): string {
  if (s.length < 13) return s; // V8 copies short slices anyway
  return URI_SAFE.test(s) ? encodeURI(s) : ` ${s}`.slice(1);
}
