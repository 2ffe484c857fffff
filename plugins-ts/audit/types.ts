/**
 * The public shape of an audit run: what a caller asks for (scope, options), what it is told while
 * the run goes (progress) and what it gets back (result), and the checkpoint a run saves in
 * vit_auditrun.vit_checkpoint so it can be resumed. No behaviour lives here.
 */
import type { InvalidWaiver } from "./waivers";
import type { RulePack } from "../engine/pack/types";
import type { DuplicateRuleFinding } from "../engine/duplicates";
import type { CoverageReport, DataverseGateway, Row, StreamCheckpoint } from "../dataverse/gateway";
import type { AggregateReport } from "./aggregates";
import type { DuplicateFinder } from "./duplicates";

export interface AuditScope {
  tables: string[];
  /** Only records owned by this user (systemuserid). */
  ownerId?: string;
  /** Only records owned by this team (teamid). */
  teamId?: string;
  /** Only records of this business unit (businessunitid). */
  businessUnitId?: string;
  /** A partition of a run (partitions.ts): records created from `from` (inclusive) to `to` (exclusive); null is open-ended. */
  createdOn?: { from: string | null; to: string | null };
}

export type AuditPhase = "preparing" | "records" | "revisits" | "gone" | "finishing" | "done";

export interface AuditProgress {
  runId: string;
  phase: AuditPhase;
  table: string | null;
  tableIndex: number;
  tables: number;
  pages: number;
  recordsScanned: number;
  recordsChanged: number;
  /** Records expected in scope, when known (previous run, or a count). */
  estimatedTotal: number | null;
  requests: number;
  throttled: number;
  throttleWaitMs: number;
  elapsedMs: number;
  /** Estimated time left, when the total is known. */
  etaMs: number | null;
}

export interface AuditOptions {
  gateway: DataverseGateway;
  pack: RulePack;
  scope: AuditScope;
  mode: "full" | "incremental";
  /** The clock (the caller's). */
  now: Date;
  /** Resume an interrupted run: its id, or "latest" for the newest running run of this scope. */
  resume?: string;
  pageSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: AuditProgress) => void;
  /**
   * Likely duplicates for the uniqueness dimension: by default a matcher pass over each whole table
   * in full runs and targeted candidate queries per page in incremental runs; `false` leaves the
   * duplicate rules not evaluated; a function replaces both.
   */
  duplicates?: boolean | DuplicateFinder;
  /** A gateway with organisation-wide read, to say how many records the caller could not read. */
  privileged?: DataverseGateway;
  /** More columns written with every checkpoint of the run row (a partition's lease renewal, partitions.ts). */
  checkpointColumns?: () => Row;
  /** Test hook: called after each page is fully processed (used to simulate a killed process). */
  afterPage?: (info: { table: string; phase: AuditPhase; pages: number }) => void | Promise<void>;
}

export interface AuditResult {
  runId: string;
  status: "completed" | "cancelled" | "failed";
  mode: "full" | "incremental";
  /** Why an incremental request ran as a full audit. */
  fullBecause?: string;
  resumed: boolean;
  scope: AuditScope;
  packVersion: string;
  startedOn: string;
  finishedOn: string;
  recordsScanned: number;
  recordsChanged: number;
  healthRowsRetired: number;
  requests: number;
  /** 429 answers waited out and retried. */
  throttled: number;
  /** Requests sent again after a transient failure (503, timeout, dropped connection). */
  retried: number;
  report: AggregateReport;
  coverage: CoverageReport[];
  /** Governance findings about Dataverse's own duplicate-detection rules (tables in scope); absent means none. */
  duplicateRules?: DuplicateRuleFinding[];
  /** Approved waivers that were not honoured (no real approver, self-approved, …): their findings count. */
  invalidWaivers?: InvalidWaiver[];
  error?: string;
}

/** Where a run stands; saved in vit_auditrun.vit_checkpoint after every page. */
export interface RunCheckpoint {
  v: 1;
  mode: "full" | "incremental";
  since: string | null;
  tableIndex: number;
  phase: "records" | "revisits" | "gone";
  /** Position after the last page whose aggregates are counted. */
  stream: StreamCheckpoint | null;
  /** A page counted in the aggregates whose writes may not all have happened: re-read from here. */
  redo: { from: StreamCheckpoint | null; phase: "records" } | null;
  /**
   * An incremental run whose tables were scored together (together.ts), counted but its writes
   * perhaps not all done: per table, the ids it read by id besides the modified records' first page.
   */
  together?: Record<string, string[]> | null;
  scanned: number;
  changed: number;
  retired: number;
  pages: number;
  requests: number;
  throttled: number;
  /** Requests sent again after a transient failure (503, timeout, dropped connection); absent in checkpoints of older runs. */
  retried?: number;
  /** Rows read per table, for coverage. */
  readByTable: Record<string, number>;
}

export class AuditCancelledError extends Error {
  constructor() {
    super("the audit was cancelled");
    this.name = "AuditCancelledError";
  }
}
