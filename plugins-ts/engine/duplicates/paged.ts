/**
 * Matching records that arrive in pages (the Web API's 5,000-row pages, a generator, a file read
 * in chunks): each page is normalised as it arrives and can then be dropped by the caller, so the
 * raw records — most of the memory of a large table — never all exist at once. At 1,000,000
 * contacts that is the difference between holding about 0.9 GB of column values as well as the
 * prepared records, and holding the prepared records only.
 *
 * Contract: `add(table, page)` prepares one page (records numbered in arrival order); `endLeft()`
 * marks the end of the left file for linking; `deduplicate()` / `link()` then match everything
 * added, with the same answers as `deduplicate` / `link` (matcher.ts) given the same records in
 * one array. A collection is matched once: adding after matching, matching twice, linking without
 * `endLeft()` throw an Error saying so. Pure apart from the caller's pages.
 */
import { endPreparation, prepareInto, type DuplicateTable, type MatchRecord, type PreparedRecord } from "./fields";
import { match, type MatchOptions, type MatchResult } from "./matcher";

export class PagedRecords {
  private readonly prepared: PreparedRecord[] = [];
  private leftCount: number | undefined;
  private matched = false;

  /** `expected`: how many records will come in all (for progress; a guess is fine). */
  constructor(
    private readonly options: MatchOptions = {},
    private readonly expected = 0,
  ) {}

  /** Records prepared so far. */
  get count(): number {
    return this.prepared.length;
  }

  /** Prepares one page of `table`'s records; the page is not kept. */
  add(table: DuplicateTable, page: readonly MatchRecord[]): void {
    if (this.matched) throw new Error("PagedRecords: records were added after the collection was matched");
    prepareInto(this.prepared, table, page, this.options, this.expected, this.options.onProgress);
  }

  /** Linking: the records added so far are the left file, those added from now on the right. */
  endLeft(): void {
    if (this.leftCount !== undefined) throw new Error("PagedRecords: endLeft() was called twice");
    this.leftCount = this.prepared.length;
  }

  /** Deduplicates every record added (as `deduplicate` does with one array). */
  deduplicate(): MatchResult {
    if (this.leftCount !== undefined) throw new Error("PagedRecords: endLeft() was called, so link() is the way to match");
    return this.run(undefined);
  }

  /** Links the records added after `endLeft()` to those added before (as `link` does). */
  link(): MatchResult {
    const left = this.leftCount;
    if (left === undefined) throw new Error("PagedRecords: link() needs endLeft() between the left and the right records");
    return this.run(left);
  }

  private run(leftCount: number | undefined): MatchResult {
    if (this.matched) throw new Error("PagedRecords: a collection is matched once");
    this.matched = true;
    const n = this.prepared.length;
    endPreparation();
    this.options.onProgress?.("prepare", n, n);
    return match(this.prepared, leftCount, this.options);
  }
}

/** Deduplicates a table read in pages; each page may be dropped once the iterator moves on. */
export function deduplicatePages(table: DuplicateTable, pages: Iterable<readonly MatchRecord[]>, options: MatchOptions = {}, expected = 0): MatchResult {
  const collection = new PagedRecords(options, expected);
  for (const page of pages) collection.add(table, page);
  return collection.deduplicate();
}
