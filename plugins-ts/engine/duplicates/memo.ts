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
 * must be treated as immutable (they are: prepared records are read-only after preparation). Pure
 * apart from the cache; no I/O.
 */

/** Default number of distinct raw values a memoised normaliser remembers. */
export const MEMO_LIMIT = 100_000;

export function memoiseText<T>(f: (value: unknown) => T, limit: number = MEMO_LIMIT): (value: unknown) => T {
  const cache = new Map<string, T>();
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
