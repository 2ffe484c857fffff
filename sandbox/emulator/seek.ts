/**
 * Index seeks for `$filter`: Dataverse answers `eq` and `Microsoft.Dynamics.CRM.In` on a column
 * (and `startswith`, a range of the index) from SQL indexes rather than reading the table, and so
 * does the emulator. A parsed filter says
 * which seek it allows (odata.ts `seekOf`: one column's values, or an `or` / `and` of them); this
 * module turns it into the ids of the rows that can match, through the store's secondary indexes
 * (built on first use, dropped on a write). An `or` is an index union as SQL Server does it: each
 * branch's rows are tested against that branch alone, so an OR of a page's hundreds of per-record
 * conditions costs the rows its branches find, not every row times every branch. The filter's
 * predicate still decides every row, so the result is exactly that of a scan, in the same order —
 * only fewer rows are looked at.
 *
 * Failure modes: none of its own; a seek that would cost more than a quarter of a scan (rows
 * looked at, against the table's rows times the branches a scan tests) gives null (the caller scans).
 */
import type { Predicate, Seek } from "./odata";
import { seekOf } from "./odata";
import type { EmulatorStore } from "./store";

/** A seek keeping more than this share of the table's rows is not used: a scan in key order is as cheap. */
const MAX_SHARE = 0.25;

/** How many ids the seek gives at most (an `and` takes its most selective part). */
function estimate(store: EmulatorStore, table: string, seek: Seek): number {
  if ("prefix" in seek) {
    const [from, to] = store.prefixRange(table, seek.prop, seek.prefix);
    return to - from;
  }
  if ("prop" in seek) {
    const idx = store.valueIndex(table, seek.prop);
    let n = 0;
    for (const v of seek.values) n += idx.get(v)?.length ?? 0;
    return n;
  }
  if ("or" in seek) return seek.or.reduce((n, s) => n + estimate(store, table, s), 0);
  return Math.min(...seek.and.map((s) => estimate(store, table, s)));
}

/** How many branches a scan tests per row at most: the widest `or` (an `and` stops at its first false part). */
function width(seek: Seek): number {
  if ("or" in seek) return Math.max(seek.or.length, ...seek.or.map(width));
  if ("and" in seek) return Math.max(1, ...seek.and.map(width));
  return 1;
}

function collect(store: EmulatorStore, table: string, seek: Seek, into: Set<string>): void {
  if ("prefix" in seek) {
    const [from, to] = store.prefixRange(table, seek.prop, seek.prefix);
    const ids = store.sortedIndex(table, seek.prop).ids;
    for (let i = from; i < to; i++) into.add(ids[i]);
  } else if ("prop" in seek) {
    const idx = store.valueIndex(table, seek.prop);
    for (const v of seek.values) for (const id of idx.get(v) ?? []) into.add(id);
  } else if ("or" in seek) {
    seek.or.forEach((s, i) => {
      const found = new Set<string>();
      collect(store, table, s, found);
      const branch = seek.branches[i];
      for (const id of found) {
        if (into.has(id)) continue;
        const row = store.get(table, id);
        if (row && branch(row)) into.add(id);
      }
    });
  } else {
    let best = seek.and[0];
    let bestN = Infinity;
    for (const s of seek.and) {
      const n = estimate(store, table, s);
      if (n < bestN) [best, bestN] = [s, n];
    }
    collect(store, table, best, into);
  }
}

/**
 * The ids (sorted, the store's key order) of the only rows `filter` can match, or null when the
 * filter allows no seek or the seek would keep too much of the table.
 */
export function seekIds(store: EmulatorStore, table: string, filter: Predicate | null): string[] | null {
  const seek = filter ? seekOf(filter) : undefined;
  if (!seek) return null;
  if (estimate(store, table, seek) > MAX_SHARE * store.count(table) * width(seek)) return null;
  const ids = new Set<string>();
  collect(store, table, seek, ids);
  return [...ids].sort();
}
