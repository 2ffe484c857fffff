/**
 * The one bulk data-access interface of CRM Vitals, implemented by `createWebApiGateway`
 * (./webapi) over dynamics-web-api, in Node and the browser (Governance Center): paging, `$batch`,
 * retries, concurrency cap, metadata checks. Audits, the CLI and the Governance Center see only
 * `DataverseGateway`. A form (the record panel, the form script) reads one record through the
 * browser client library in ../client instead (PCF `context.webAPI`, one record's facts).
 */
import type { ColumnValue, RelatedFacts } from "../engine/types";
import type { DataverseError } from "./errors";
import { WriteGuardError } from "./errors";
import type { MergePort } from "./merge";
import type { Filter } from "./requests";
import type { GatewayStats } from "./resilience";

export type { GatewayStats } from "./resilience";
export type { Filter } from "./requests";

/** A row as the Web API returns it: selected columns (dates as ISO-8601 strings) plus the primary id. */
export type Row = Record<string, ColumnValue>;

export interface StreamTableOptions {
  /** Logical name (`contact`). */
  table: string;
  /** Columns to `$select` (the primary id column is always returned too). */
  columns: readonly string[];
  filter?: Filter;
  /** `["modifiedon desc"]`; the primary id is appended so paging order is stable. */
  orderBy?: readonly string[];
  /** Rows per page, 1..5000; default 5000 (`Prefer: odata.maxpagesize`). */
  pageSize?: number;
  /** A page's `checkpoint` (object or its JSON): continue right after that page. */
  resumeFrom?: StreamCheckpoint | string;
  signal?: AbortSignal;
}

/**
 * Where a table read stands after a page, serialisable as JSON. Resuming from it reads the next
 * page; `nextLink: null` means the table was read to the end.
 */
export interface StreamCheckpoint {
  v: 1;
  table: string;
  /** Fingerprint of columns, filter and order: a checkpoint only resumes the same query. */
  query: string;
  /** Index of the page the checkpoint was taken after. */
  pageIndex: number;
  /** The `@odata.nextLink` of that page, relative to the Web API root (`contacts?$select=…&$skiptoken=…`). */
  nextLink: string | null;
  /** Rows read up to and including that page. */
  rowsRead: number;
}

export interface TablePage {
  rows: Row[];
  pageIndex: number;
  nextLink: string | null;
  checkpoint: StreamCheckpoint;
}

/** A parent record to fetch for each record: `contact.parentcustomerid → account`. */
export interface ParentSpec {
  /** Lookup column of the scored table (`parentcustomerid`). */
  lookup: string;
  /** Table the lookup points to (`account`). */
  table: string;
  /** Columns of the parent to return in `values` (statecode and the primary name are always read). */
  columns?: readonly string[];
  /** Primary name column of the parent table; default `name` (`fullname` for contact/systemuser). */
  nameColumn?: string;
}

/** Which related facts to fetch. Facts not asked for stay `undefined` in the result. */
export interface FactsRequest {
  lastActivityOn?: boolean;
  nextActivityDueOn?: boolean;
  stage?: boolean;
  /** ownerEnabled and ownerName. */
  owner?: boolean;
  /** The last activity-capture comparison (`vit_activitygap`); contacts only, null elsewhere. */
  engagementGap?: boolean;
  parents?: readonly ParentSpec[];
}

export interface FetchRelatedFactsOptions {
  table: string;
  ids: readonly string[];
  facts: FactsRequest;
  /**
   * The records' rows when the caller already has them (from streamTable): their `_ownerid_value`
   * and parent lookup values are used instead of reading them again.
   */
  rows?: readonly Row[];
}

export interface WriteOptions {
  /** Requests per `$batch`, 1..1000; default 1000. */
  batchSize?: number;
  /** Keep going after a failed item (`Prefer: odata.continue-on-error`); default true. */
  continueOnError?: boolean;
  signal?: AbortSignal;
}

export interface UpsertOptions extends WriteOptions {
  /** Alternate key columns, e.g. `["vit_table", "vit_recordid"]`; default: the primary id column. */
  alternateKey?: readonly string[];
}

/** `etag`: the row's new version after a create, or after an update sent with the version it expected. */
export type WriteOutcome =
  | { index: number; key: string; ok: true; id?: string; etag?: string }
  | { index: number; key: string; ok: false; error: DataverseError };

/**
 * One write of an approved fix (plugins-ts/fix). Updates and deletes carry the ETag the person
 * saw (`If-Match`, never `*`); creates send `If-None-Match: *`, so a repeat cannot create twice.
 */
export type FixWrite =
  | { op: "update"; id: string; data: Row; etag: string }
  | { op: "create"; id: string; data: Row }
  | { op: "delete"; id: string; etag: string };

/** A fix write's outcome; `etag` is the row's new ETag after an update or create. */
export type FixWriteOutcome = WriteOutcome & { etag?: string };

/** The write `writeFirst` sends first: one row created (as createMany) or updated (as updateMany: with its primary id, and an ETAG for If-Match). */
export interface FirstWrite {
  op: "create" | "update";
  table: string;
  row: Row;
}

/** What `writeFirst` sends after its write, in the same `$batch`: upserts (as upsertMany) or a read (as streamTable, from its first page). */
export type AfterFirstWrite = { upsert: Upserts } | { stream: StreamTableOptions };

/** Rows to upsert, as upsertMany takes them. */
export interface Upserts {
  table: string;
  rows: readonly Row[];
  opts?: UpsertOptions;
}

export interface FirstWritten {
  /** The first write's outcome (its new ETag when it asked for one, as createMany / updateMany). */
  first: WriteOutcome;
  /** The upserts' outcomes, in row order; null when they were not sent (the first write failed, or `then` was a read). */
  upserted: WriteOutcome[] | null;
  /** The read's pages, its first one read with the write; null when it was not read (the first write failed, or `then` was upserts). */
  pages: AsyncIterable<TablePage> | null;
}

/** A row with the ETag it had when it was read. */
export interface VersionedRow {
  row: Row;
  etag: string;
}

export interface WhoAmI {
  userId: string;
  businessUnitId: string;
  organizationId: string;
}

export interface CoverageReport {
  table: string;
  /** Rows the caller can read (matching the filter). */
  readable: number;
  /** Rows that exist, or null when that cannot be known with the caller's access. */
  total: number | null;
  /** readable === total, or null when total is unknown. */
  complete: boolean | null;
  /** How the numbers were obtained, in words. */
  basis: string;
}

export interface CoverageOptions {
  /**
   * A gateway signed in as a principal with organisation-wide read (an administrator or the audit
   * service principal). Its count is the total.
   */
  privileged?: DataverseGateway;
}

export interface DataverseGateway {
  readonly adapter: "webapi";
  whoAmI(): Promise<WhoAmI>;
  /** Entity set name of a table (`opportunity` → `opportunities`), from metadata with a built-in fallback. */
  entitySetName(table: string): Promise<string>;
  /**
   * Reads each table's attribute names once (cached) and throws one MissingColumnsError listing every
   * column that does not exist, before any data is read.
   */
  checkColumns(required: Readonly<Record<string, readonly string[]>>): Promise<void>;
  /** One record, or null when it does not exist (or the caller cannot read it). */
  retrieveRecord(table: string, id: string, columns: readonly string[]): Promise<Row | null>;
  streamTable(opts: StreamTableOptions): AsyncIterable<TablePage>;
  /** Related facts for a page of records, in bulk (a few queries per page, never one per record). */
  fetchRelatedFacts(opts: FetchRelatedFactsOptions): Promise<Map<string, RelatedFacts>>;
  createMany(table: string, rows: readonly Row[], opts?: WriteOptions): Promise<WriteOutcome[]>;
  /**
   * Rows carry their primary id column (`vit_auditrunid`); a row with an `ETAG` is updated only if
   * still at that version (412 otherwise), and its outcome carries the row's new ETag for the next update.
   */
  updateMany(table: string, rows: readonly Row[], opts?: WriteOptions): Promise<WriteOutcome[]>;
  upsertMany(table: string, rows: readonly Row[], opts?: UpsertOptions): Promise<WriteOutcome[]>;
  deleteMany(table: string, ids: readonly string[], opts?: WriteOptions): Promise<WriteOutcome[]>;
  /**
   * One write, then what must not happen before it, in one `$batch`: `first` is its first operation
   * (a change set of its own) and `then` follows; the batch goes without continue-on-error, and
   * Dataverse runs a batch in order and stops at its first failure, so nothing of `then` runs before
   * `first` succeeded. What of `then` the batch did not finish (upserts that failed transiently, were
   * not reached or did not fit in 1,000 operations; a page not read) is done afterwards as
   * upsertMany / streamTable would, and only when `first` succeeded; when it failed, `then` is not
   * done and comes back null (webapi/ordered.ts).
   */
  writeFirst(first: FirstWrite, then: AfterFirstWrite): Promise<FirstWritten>;
  coverage(table: string, filter?: Filter, opts?: CoverageOptions): Promise<CoverageReport>;
  stats(): GatewayStats;
  /**
   * Reads the definitions of `tables` and the attribute names of `withAttributes` in one request and
   * caches them, so entitySetName and checkColumns need none of their own. Web API adapter only.
   */
  prefetchMetadata?(tables: readonly string[], withAttributes?: readonly string[]): Promise<void>;
  /** Several queries of one table (undefined: every row) in one `$batch` with the other reads asked meanwhile, each followed to its last page; rows in query order. Web API adapter only. */
  queryMany?(table: string, columns: readonly string[], filters: readonly (Filter | undefined)[], describe: string): Promise<Row[][]>;
  /** Rows by id with their ETags (ids the caller cannot read are absent). Web API adapter only. */
  readVersioned?(table: string, ids: readonly string[], columns: readonly string[]): Promise<Map<string, VersionedRow>>;
  /**
   * Approved fixes only: writes customers' records, which no other method may. `$batch`es outside
   * change sets (one failure never rolls back the others), If-Match with each row's ETag (a 412 is
   * returned as the item's error, never retried). Web API adapter only.
   */
  writeFixes?(table: string, writes: readonly FixWrite[], opts?: WriteOptions): Promise<FixWriteOutcome[]>;
  /** Approved merges only (./merge): the Merge action, full reads and the children a merge re-parents. Web API adapter only. */
  merge?: MergePort;
}

/** Customers' own tables: never written, whatever the allow-list says. */
export const NEVER_WRITTEN: ReadonlySet<string> = new Set(["account", "contact", "lead", "opportunity"]);

/** Default write allow-list: CRM Vitals' own tables and the activity tables activity capture logs. */
export const DEFAULT_WRITABLE: ReadonlyArray<string | RegExp> = [/^vit_[a-z0-9_]+$/, "email", "appointment"];

/** Throws WriteGuardError unless `table` is on the allow-list (and never for customers' own tables). */
export function assertWritable(table: string, operation: string, allow: ReadonlyArray<string | RegExp> = DEFAULT_WRITABLE): void {
  const name = table.toLowerCase();
  const allowed = !NEVER_WRITTEN.has(name) && allow.some((a) => (typeof a === "string" ? a === name : a.test(name)));
  if (!allowed) throw new WriteGuardError(table, operation);
}

/** Parses and checks a checkpoint given as object or JSON. */
export function parseCheckpoint(value: StreamCheckpoint | string, table: string, query: string): StreamCheckpoint {
  let cp: unknown = value;
  if (typeof value === "string") {
    try {
      cp = JSON.parse(value) as unknown;
    } catch {
      throw new Error(`resumeFrom for table ${table} is not valid checkpoint JSON`);
    }
  }
  const c = cp as Partial<StreamCheckpoint> | null;
  if (
    c == null ||
    c.v !== 1 ||
    typeof c.table !== "string" ||
    typeof c.query !== "string" ||
    typeof c.pageIndex !== "number" ||
    typeof c.rowsRead !== "number" ||
    !(c.nextLink === null || typeof c.nextLink === "string")
  ) {
    throw new Error(`resumeFrom for table ${table} is not a stream checkpoint (expected {v:1,table,query,pageIndex,nextLink,rowsRead})`);
  }
  if (c.table !== table) throw new Error(`resumeFrom is a checkpoint of table ${c.table}, not ${table}`);
  if (c.query !== query) {
    throw new Error(`resumeFrom for table ${table} was taken for a different query (columns, filter or order changed); start a new read`);
  }
  return c as StreamCheckpoint;
}

/** A short, stable fingerprint of a query (FNV-1a of its text). */
export function queryFingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** Converts Date values (dynamics-web-api revives ISO strings into Dates) back to Dataverse strings; drops annotations. */
/** Row property carrying the version an update expects (`If-Match`); see `etagOf`. */
export const ETAG = "@odata.etag";

/** The ETag of a row read with its `versionnumber` column (Dataverse's ETag is `W/"<versionnumber>"`). */
export function etagOf(row: Row): string {
  if (row.versionnumber == null) throw new Error("etagOf: the row was read without its versionnumber column");
  return `W/"${String(row.versionnumber)}"`;
}

export function cleanRow(raw: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k.includes("@") || k === "oDataContext" || k.endsWith("_Formatted") || k.endsWith("_LogicalName") || k.endsWith("_NavigationProperty")) continue;
    if (v instanceof Date) row[k] = v.toISOString().replace(/\.000Z$/, "Z");
    else if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") row[k] = v;
    else if (v !== undefined) row[k] = JSON.stringify(v);
  }
  return row;
}
