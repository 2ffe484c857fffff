/**
 * A governance audit run: stream pages of each table in scope → fetch related facts in bulk →
 * score with the engine → compare fingerprints with the stored health rows → upsert only what
 * changed, in $batches → fold the result into the run's aggregates → checkpoint. Memory stays flat:
 * one page is held at a time.
 *
 * Full runs score every record in scope and rebuild the aggregates from zero. Incremental runs
 * start from the last completed run's aggregates (same scope) and score only records modified
 * since that run started, records whose revisit time has passed and records whose waivers changed;
 * each re-scored record's stored contribution is taken out of the aggregates and its new one put in,
 * so the numbers stay exact. A rule pack that changed forces a full run.
 *
 * Crash safety: before a page's health rows are written, the checkpoint is saved with the
 * aggregates as they will be after the page and a "redo" position. A run resumed after a crash
 * re-reads that page and rewrites whatever is missing (fingerprints make it idempotent) without
 * counting the page twice.
 */
import { compilePack, gradeFor, type CompiledPack } from "../engine/score";
import { auditDuplicateRules, columnsOf, type DuplicateRuleConditionRow, type DuplicateRuleFinding, type DuplicateRuleRow } from "../engine/duplicates";
import type { RulePack } from "../engine/pack/types";
import type { DuplicateCandidate, EngineRecord, RelatedFacts } from "../engine/types";
import type { CoverageReport, DataverseGateway, FactsRequest, ParentSpec, Row, StreamCheckpoint } from "../dataverse/gateway";
import { chunkIdsForIn, f, guid, type Filter } from "../dataverse/requests";
import { DataverseError } from "../dataverse/errors";
import { applyContribution, emptyAggregates, reportAggregates, type AggregateReport, type AggregateState } from "./aggregates";
import { createDuplicateFinder, createTargetedDuplicateFinder, type DuplicateFinder } from "./duplicates";
export type { DuplicateFinder } from "./duplicates";
import { compactFindings, contributionOf, contributionOfStored, dimensionScores, hash53, healthFingerprint, topIssue } from "./health";
import { ledgerProcess, nextStageLedger, REGRESSED_ON_COLUMN, STAGE_HISTORY_COLUMN } from "./stages";
import {
  GRADE_OF_VALUE,
  GRADE_VALUE,
  HEALTH_COLUMNS,
  HEALTH_KEY,
  HEALTH_LOOKUP,
  HEALTH_RUN_BIND,
  RUN_BY_BIND,
  RUN_MODE,
  RUN_STATUS,
  STATECODE_ACTIVE,
  STATECODE_INACTIVE,
  WAIVER_STATUS,
  healthBindProperty,
} from "./model";

export interface AuditScope {
  tables: string[];
  /** Only records owned by this user (systemuserid). */
  ownerId?: string;
  /** Only records owned by this team (teamid). */
  teamId?: string;
  /** Only records of this business unit (businessunitid). */
  businessUnitId?: string;
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
  throttled: number;
  report: AggregateReport;
  coverage: CoverageReport[];
  /** Governance findings about Dataverse's own duplicate-detection rules (tables in scope); absent means none. */
  duplicateRules?: DuplicateRuleFinding[];
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
  scanned: number;
  changed: number;
  retired: number;
  pages: number;
  requests: number;
  throttled: number;
  /** Rows read per table, for coverage. */
  readByTable: Record<string, number>;
}

const PRIMARY_NAME: Readonly<Record<string, string>> = { account: "name", contact: "fullname", lead: "fullname", opportunity: "name" };
/** Where lookups used by rule packs point (polymorphic customer lookups resolve to account). */
const LOOKUP_TARGET: Readonly<Record<string, string>> = {
  parentcustomerid: "account",
  customerid: "account",
  parentaccountid: "account",
  primarycontactid: "contact",
  parentcontactid: "contact",
  originatingleadid: "lead",
};

/** How much earlier than the last run's start an incremental run looks for modified records. */
export const CLOCK_SKEW_MARGIN_MS = 15 * 60_000;

export class AuditCancelledError extends Error {
  constructor() {
    super("the audit was cancelled");
    this.name = "AuditCancelledError";
  }
}

/** A stable key of a scope: runs of the same scope are comparable and resumable. */
export function scopeKey(scope: AuditScope): string {
  return JSON.stringify({
    tables: [...scope.tables].sort(),
    ownerId: scope.ownerId?.toLowerCase() ?? null,
    teamId: scope.teamId?.toLowerCase() ?? null,
    businessUnitId: scope.businessUnitId?.toLowerCase() ?? null,
  });
}

/** The scope a stored key (`vit_scope`) describes; null when the text is not one. */
export function parseScopeKey(v: unknown): AuditScope | null {
  if (typeof v !== "string") return null;
  try {
    const s = JSON.parse(v) as { tables?: unknown; ownerId?: unknown; teamId?: unknown; businessUnitId?: unknown };
    if (!Array.isArray(s.tables) || !s.tables.every((t) => typeof t === "string")) return null;
    const scope: AuditScope = { tables: s.tables };
    if (typeof s.ownerId === "string" && s.ownerId) scope.ownerId = s.ownerId;
    if (typeof s.teamId === "string" && s.teamId) scope.teamId = s.teamId;
    if (typeof s.businessUnitId === "string" && s.businessUnitId) scope.businessUnitId = s.businessUnitId;
    return scope;
  } catch {
    return null;
  }
}

/** Pack id, version and a hash of its content: an edited pack without a new version still counts as changed. */
export function packVersionKey(pack: RulePack): string {
  return `${pack.id}@${pack.version}#${hash53(JSON.stringify(pack))}`;
}

function primaryId(table: string): string {
  return `${table}id`;
}

function scopeFilter(scope: AuditScope): Filter | undefined {
  const parts: Filter[] = [];
  if (scope.ownerId) parts.push(f.eq("_ownerid_value", guid(scope.ownerId)));
  if (scope.teamId) parts.push(f.eq("_ownerid_value", guid(scope.teamId)));
  if (scope.businessUnitId) parts.push(f.eq("_owningbusinessunit_value", guid(scope.businessUnitId)));
  return parts.length ? f.and(...parts) : undefined;
}

interface TablePlan {
  table: string;
  columns: string[];
  facts: FactsRequest;
  wantsDuplicates: boolean;
}

function planTable(compiled: CompiledPack, table: string): TablePlan {
  const req = compiled.requirements(table);
  if (compiled.rules(table).length === 0) throw new Error(`the rule pack has no rules for table "${table}"`);
  const parents: ParentSpec[] = Object.entries(req.parentColumns).map(([lookup, cols]) => {
    const target = LOOKUP_TARGET[lookup];
    if (!target) throw new Error(`rule pack: the target table of lookup "${lookup}" on ${table} is not known to the audit`);
    return { lookup, table: target, columns: cols };
  });
  const columns = new Set<string>([
    ...req.columns,
    PRIMARY_NAME[table] ?? "name",
    "_ownerid_value",
    "_owninguser_value",
    "_owningteam_value",
    "_owningbusinessunit_value",
    "modifiedon",
    "statecode",
  ]);
  for (const p of parents) columns.add(`_${p.lookup}_value`);
  // The matcher compares these; incremental runs match a page's records with them.
  if (req.facts.includes("duplicates") && (table === "contact" || table === "account" || table === "lead")) columnsOf(table).forEach((c) => columns.add(c));
  return {
    table,
    columns: [...columns].sort(),
    facts: {
      lastActivityOn: req.facts.includes("lastActivityOn") || undefined,
      nextActivityDueOn: req.facts.includes("nextActivityDueOn") || undefined,
      stage: req.facts.includes("stage") || undefined,
      owner: req.facts.includes("ownerEnabled") || undefined,
      engagementGap: req.facts.includes("engagementGap") || undefined,
      parents: parents.length ? parents : undefined,
    },
    wantsDuplicates: req.facts.includes("duplicates"),
  };
}

interface StoredHealth {
  id: string;
  fingerprint: string | null;
  active: boolean;
  contribution: ReturnType<typeof contributionOfStored>;
  stageHistory: string | null;
}

function str(v: unknown): string | null {
  return typeof v === "string" && v ? v : null;
}

/** Runs (or resumes) an audit. Never throws for data problems: a failed run is recorded as failed. */
export async function runAudit(opts: AuditOptions): Promise<AuditResult> {
  const { gateway, pack, scope } = opts;
  const now = opts.now;
  const nowIso = now.toISOString();
  const pageSize = opts.pageSize ?? 5000;
  const compiled = compilePack(pack);
  const packKey = packVersionKey(pack);
  const key = scopeKey(scope);
  const started = Date.now();
  const statsAtStart = gateway.stats();
  if (scope.tables.length === 0) throw new Error("the audit scope names no table");

  // 1. What every table needs, checked against the organisation's metadata before any data is read.
  const plans = scope.tables.map((t) => planTable(compiled, t));
  await gateway.checkColumns(Object.fromEntries(plans.map((p) => [p.table, p.columns])));
  const me = await gateway.whoAmI();

  // 2. A run to resume, or a new one.
  let runId: string;
  let cp: RunCheckpoint;
  let state: AggregateState;
  let resumed = false;
  let fullBecause: string | undefined;
  let startedOn = nowIso;
  if (opts.resume) {
    const run = await findRunToResume(gateway, opts.resume, key);
    runId = run.id;
    cp = run.checkpoint;
    state = run.state;
    startedOn = run.startedOn;
    resumed = true;
    if (run.packKey !== packKey) throw new Error(`run ${runId} was started with rule pack ${run.packKey}; resume it with the same pack, or start a new audit`);
  } else {
    let mode = opts.mode;
    let since: string | null = null;
    state = emptyAggregates();
    if (mode === "incremental") {
      const last = await lastCompletedRun(gateway, key);
      if (!last) {
        mode = "full";
        fullBecause = "no completed audit of this scope exists yet";
      } else if (last.packKey !== packKey) {
        mode = "full";
        fullBecause = `the rule pack changed since the last audit (${last.packKey} → ${packKey})`;
      } else {
        // Records modified since the last run started, with a margin for clock skew between this
        // machine and Dataverse (re-scoring a few unchanged records costs nothing: fingerprints skip their writes).
        since = new Date(Date.parse(last.startedOn) - CLOCK_SKEW_MARGIN_MS).toISOString();
        state = last.state;
      }
    }
    cp = { v: 1, mode, since, tableIndex: 0, phase: "records", stream: null, redo: null, scanned: 0, changed: 0, retired: 0, pages: 0, requests: 0, throttled: 0, readByTable: {} };
    const created = await gateway.createMany("vit_auditrun", [
      {
        vit_name: `${mode === "full" ? "Full" : "Incremental"} audit ${nowIso.slice(0, 16).replace("T", " ")} (${scope.tables.join(", ")})`,
        vit_mode: RUN_MODE[mode],
        vit_status: RUN_STATUS.running,
        vit_scope: key,
        vit_startedon: nowIso,
        vit_rulepackversion: packKey,
        vit_checkpoint: JSON.stringify({ checkpoint: cp, state }),
        [RUN_BY_BIND]: `/systemusers(${me.userId})`,
      },
    ]);
    const outcome = created[0];
    if (!outcome?.ok || !outcome.id) throw new Error(`could not create the audit run row: ${outcome && !outcome.ok ? outcome.error.message : "no id returned"}`);
    runId = outcome.id;
  }

  const estimated = await estimateTotal(gateway, cp.mode, scope);
  const progress = (phase: AuditPhase, table: string | null): void => {
    if (!opts.onProgress) return;
    const s = gateway.stats();
    const elapsed = Date.now() - started;
    const total = estimated;
    const done = cp.scanned;
    opts.onProgress({
      runId,
      phase,
      table,
      tableIndex: cp.tableIndex,
      tables: plans.length,
      pages: cp.pages,
      recordsScanned: done,
      recordsChanged: cp.changed,
      estimatedTotal: total,
      requests: cp.requests + s.requests - statsAtStart.requests,
      throttled: cp.throttled + s.throttled - statsAtStart.throttled,
      throttleWaitMs: s.throttleWaitMs - statsAtStart.throttleWaitMs,
      elapsedMs: elapsed,
      etaMs: total && done > 0 && done < total ? Math.round((elapsed / done) * (total - done)) : null,
    });
  };
  const requestsSoFar = (): number => cp.requests + gateway.stats().requests - statsAtStart.requests;
  const throttledSoFar = (): number => cp.throttled + gateway.stats().throttled - statsAtStart.throttled;
  let savedPages = cp.pages;
  const saveCheckpoint = async (): Promise<void> => {
    savedPages = cp.pages;
    const res = await gateway.updateMany("vit_auditrun", [
      {
        vit_auditrunid: runId,
        vit_checkpoint: JSON.stringify({ checkpoint: { ...cp, requests: requestsSoFar(), throttled: throttledSoFar() }, state }),
        vit_recordsscanned: cp.scanned,
        vit_recordschanged: cp.changed,
        vit_requestsmade: requestsSoFar(),
        vit_throttledcount: throttledSoFar(),
      },
    ]);
    if (res[0] && !res[0].ok) throw res[0].error;
  };
  const checkCancelled = (): void => {
    if (opts.signal?.aborted) throw new AuditCancelledError();
  };

  const waivers = await loadWaivers(gateway, now);
  const waiversChanged = cp.mode === "incremental" && cp.since ? await waiverRecordsChangedSince(gateway, cp.since, now) : new Map<string, Set<string>>();

  const finder: DuplicateFinder | undefined =
    typeof opts.duplicates === "function"
      ? opts.duplicates
      : opts.duplicates === false
        ? undefined
        : cp.mode === "incremental"
          ? createTargetedDuplicateFinder(gateway, { region: pack.defaultRegion })
          : createDuplicateFinder(gateway, { region: pack.defaultRegion });

  progress("preparing", null);
  try {
    for (; cp.tableIndex < plans.length; cp.tableIndex++, cp.phase = "records", cp.stream = null) {
      const plan = plans[cp.tableIndex];
      const table = plan.table;
      const ctx: PageContext = { gateway, compiled, plan, now, nowIso, runId, packKey, waivers, incremental: cp.mode === "incremental", duplicates: finder, pageSize, stages: ledgerProcess(pack, table) };

      // Finish a page whose writes were interrupted.
      if (cp.redo) {
        await redoPage(ctx, cp, scope);
        cp.redo = null;
        await saveCheckpoint();
      }

      if (cp.phase === "records") {
        const since = cp.since;
        const filter = cp.mode === "incremental" && since ? f.and(scopeFilter(scope), f.ge("modifiedon", new Date(since))) : scopeFilter(scope);
        for await (const page of gateway.streamTable({ table, columns: plan.columns, filter, pageSize, resumeFrom: cp.stream ?? undefined, signal: opts.signal })) {
          checkCancelled();
          if (page.rows.length === 0) continue;
          const result = await scorePage(ctx, page.rows);
          applyResult(state, result);
          cp.readByTable[table] = (cp.readByTable[table] ?? 0) + page.rows.length;
          cp.redo = { from: cp.stream, phase: "records" };
          cp.stream = page.checkpoint;
          cp.scanned += page.rows.length;
          cp.pages++;
          await saveCheckpoint();
          cp.changed += await writeHealth(ctx, result.writes);
          cp.redo = null;
          progress("records", table);
          await opts.afterPage?.({ table, phase: "records", pages: cp.pages });
        }
        cp.phase = cp.mode === "incremental" ? "revisits" : "gone";
        cp.stream = null;
      }

      if (cp.phase === "revisits") {
        // Records whose waivers changed since the last run: few; scored first, idempotent on resume.
        const waived = [...(waiversChanged.get(table) ?? [])];
        for (const ids of chunkIdsForIn(primaryId(table), waived)) {
          checkCancelled();
          const rows = await readRecordsById(ctx, ids, scope);
          const result = await scorePage(ctx, rows);
          applyResult(state, result);
          cp.scanned += rows.length;
          cp.changed += await writeHealth(ctx, result.writes);
        }
        const dueFilter = f.and(f.eq("vit_table", table), f.eq("statecode", STATECODE_ACTIVE), f.le("vit_revisitafter", now));
        for await (const page of gateway.streamTable({ table: "vit_recordhealth", columns: ["vit_recordid"], filter: dueFilter, pageSize, resumeFrom: cp.stream ?? undefined, signal: opts.signal })) {
          checkCancelled();
          if (page.rows.length === 0) continue;
          const ids = page.rows.map((r) => str(r.vit_recordid)).filter((x): x is string => x !== null);
          const rows: Row[] = [];
          for (const chunk of chunkIdsForIn(primaryId(table), ids)) rows.push(...(await readRecordsById(ctx, chunk, scope)));
          const result = await scorePage(ctx, rows);
          // Our own writes move these rows out of the "due" query, so a re-read could not find this
          // page again: write first, then count and checkpoint (see docs/audits.md, "Interruptions").
          cp.changed += await writeHealth(ctx, result.writes);
          applyResult(state, result);
          cp.stream = page.checkpoint;
          cp.scanned += rows.length;
          cp.pages++;
          await saveCheckpoint();
          progress("revisits", table);
          await opts.afterPage?.({ table, phase: "revisits", pages: cp.pages });
        }
        cp.phase = "gone";
        cp.stream = null;
      }

      if (cp.phase === "gone") {
        const retired = await retireGone(ctx, state, cp.mode === "incremental");
        cp.retired += retired;
        // A checkpoint only when this table's last pages or retirements are not saved yet.
        if (retired > 0 || cp.pages > savedPages) await saveCheckpoint();
        progress("gone", table);
      }
    }

    // 3. Finish: coverage, aggregates, status.
    progress("finishing", null);
    const coverage = await coverageOf(plans, cp, scope, opts.privileged);
    const duplicateRules = await duplicateRuleFindings(gateway, scope.tables);
    const report = reportAggregates(state);
    const finishedOn = new Date(now.getTime() + (Date.now() - started)).toISOString();
    const overallGrade = report.overall.average === null ? null : gradeFor(report.overall.average, compiled.pack.gradeBands);
    const res = await gateway.updateMany("vit_auditrun", [
      {
        vit_auditrunid: runId,
        vit_status: RUN_STATUS.completed,
        vit_finishedon: finishedOn,
        vit_recordsscanned: cp.scanned,
        vit_recordschanged: cp.changed,
        vit_overallscore: report.overall.average,
        vit_overallgrade: overallGrade ? GRADE_VALUE[overallGrade] : null,
        vit_aggregates: JSON.stringify({ report, state, coverage, retired: cp.retired, duplicateRules }),
        vit_requestsmade: requestsSoFar(),
        vit_throttledcount: throttledSoFar(),
        vit_checkpoint: null,
      },
    ]);
    if (res[0] && !res[0].ok) throw res[0].error;
    progress("done", null);
    return {
      runId,
      status: "completed",
      mode: cp.mode,
      fullBecause,
      resumed,
      scope,
      packVersion: packKey,
      startedOn,
      finishedOn,
      recordsScanned: cp.scanned,
      recordsChanged: cp.changed,
      healthRowsRetired: cp.retired,
      requests: requestsSoFar(),
      throttled: throttledSoFar(),
      report,
      coverage,
      duplicateRules,
    };
  } catch (err) {
    const cancelled = err instanceof AuditCancelledError || opts.signal?.aborted === true;
    const message = err instanceof Error ? err.message : String(err);
    // Record the outcome; a run that failed keeps its checkpoint so it can be resumed.
    await gateway
      .updateMany("vit_auditrun", [
        {
          vit_auditrunid: runId,
          vit_status: cancelled ? RUN_STATUS.cancelled : RUN_STATUS.failed,
          vit_finishedon: new Date(now.getTime() + (Date.now() - started)).toISOString(),
          vit_error: cancelled ? null : message.slice(0, 4000),
          vit_recordsscanned: cp.scanned,
          vit_recordschanged: cp.changed,
          vit_requestsmade: requestsSoFar(),
          vit_throttledcount: throttledSoFar(),
        },
      ])
      .catch(() => undefined);
    if (!cancelled) throw err;
    return {
      runId,
      status: "cancelled",
      mode: cp.mode,
      fullBecause,
      resumed,
      scope,
      packVersion: packKey,
      startedOn,
      finishedOn: new Date().toISOString(),
      recordsScanned: cp.scanned,
      recordsChanged: cp.changed,
      healthRowsRetired: cp.retired,
      requests: requestsSoFar(),
      throttled: throttledSoFar(),
      report: reportAggregates(state),
      coverage: [],
      duplicateRules: [],
    };
  }
}

interface PageContext {
  gateway: DataverseGateway;
  compiled: CompiledPack;
  plan: TablePlan;
  now: Date;
  nowIso: string;
  runId: string;
  packKey: string;
  waivers: Map<string, Set<string>>;
  incremental: boolean;
  duplicates?: DuplicateFinder;
  pageSize: number;
  /** The process whose stage ledger the table keeps (stages.ts), if any. */
  stages?: ReturnType<typeof ledgerProcess>;
}

interface PageResult {
  /** Health rows to upsert (fingerprint changed or new). */
  writes: Row[];
  /** Aggregate changes: contributions to add and to take away. */
  add: ReturnType<typeof contributionOf>[];
  remove: ReturnType<typeof contributionOfStored>[];
}

function applyResult(state: AggregateState, r: PageResult): void {
  for (const c of r.remove) applyContribution(state, c, -1);
  for (const c of r.add) applyContribution(state, c, 1);
}

async function readRecordsById(ctx: PageContext, ids: readonly string[], scope: AuditScope): Promise<Row[]> {
  if (ids.length === 0) return [];
  const rows: Row[] = [];
  const filter = f.and(scopeFilter(scope), f.in(primaryId(ctx.plan.table), ids.map((id) => guid(id))));
  for await (const page of ctx.gateway.streamTable({ table: ctx.plan.table, columns: ctx.plan.columns, filter, pageSize: ctx.pageSize })) rows.push(...page.rows);
  return rows;
}

/** What a stored health row contributes to the aggregates (HEALTH_COLUMNS read back). */
function storedContribution(table: string, r: Row): ReturnType<typeof contributionOfStored> {
  return contributionOfStored({
    table,
    score: typeof r.vit_score === "number" ? r.vit_score : null,
    grade: typeof r.vit_grade === "number" ? (GRADE_OF_VALUE.get(r.vit_grade) ?? null) : null,
    dimensionsJson: str(r.vit_dimensions),
    findingsJson: str(r.vit_findings),
    ownerId: str(r._ownerid_value),
    businessUnitId: str(r._owningbusinessunit_value),
  });
}

async function storedHealth(ctx: PageContext, ids: readonly string[]): Promise<Map<string, StoredHealth>> {
  const out = new Map<string, StoredHealth>();
  const table = ctx.plan.table;
  for (const chunk of chunkIdsForIn("vit_recordid", ids)) {
    const filter = f.and(f.eq("vit_table", table), f.in("vit_recordid", chunk));
    for await (const page of ctx.gateway.streamTable({ table: "vit_recordhealth", columns: [...HEALTH_COLUMNS], filter, pageSize: 5000 })) {
      for (const r of page.rows) {
        const id = str(r.vit_recordid)?.toLowerCase();
        if (!id) continue;
        out.set(id, {
          id,
          fingerprint: str(r.vit_fingerprint),
          active: r.statecode === STATECODE_ACTIVE || r.statecode === undefined || r.statecode === null,
          contribution: storedContribution(table, r),
          stageHistory: str(r[STAGE_HISTORY_COLUMN]),
        });
      }
    }
  }
  return out;
}

/** Scores one page of records and works out what to write and how the aggregates change. */
async function scorePage(ctx: PageContext, rows: readonly Row[]): Promise<PageResult> {
  const { plan, compiled } = ctx;
  const table = plan.table;
  const idCol = primaryId(table);
  const ids = rows.map((r) => String(r[idCol]).toLowerCase());
  const finder = plan.wantsDuplicates ? ctx.duplicates : undefined;
  const [facts, stored, dups]: [Map<string, RelatedFacts>, Map<string, StoredHealth>, Map<string, DuplicateCandidate[]> | undefined] = await Promise.all([
    ctx.gateway.fetchRelatedFacts({ table, ids, facts: plan.facts, rows }),
    storedHealth(ctx, ids),
    finder ? finder(table, rows) : Promise.resolve(undefined),
  ]);
  const result: PageResult = { writes: [], add: [], remove: [] };
  const bind = healthBindProperty(table);
  const entitySet = await ctx.gateway.entitySetName(table);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const id = ids[i];
    const related: RelatedFacts = { ...(facts.get(id) ?? {}) };
    if (plan.wantsDuplicates && dups) related.duplicates = dups.get(id) ?? [];
    const record: EngineRecord = { table, id, values: row, related };
    const waived = ctx.waivers.get(`${table}|${id}`);
    const s = compiled.score(record, { now: ctx.now, waivedRuleIds: waived });
    const ownerId = str(row._ownerid_value);
    const buId = str(row._owningbusinessunit_value);
    const contribution = contributionOf(s, ownerId, buId);
    const fp = healthFingerprint(s, ownerId, ctx.packKey);
    const old = stored.get(id);
    result.add.push(contribution);
    if (ctx.incremental && old?.active) result.remove.push(old.contribution);
    const ledger = ctx.stages && nextStageLedger(ctx.stages, { previous: old?.stageHistory ?? null, score: s, values: row, stage: related.stage, now: ctx.nowIso });
    if (old?.fingerprint === fp && old.active && !ledger?.changed) continue;
    const top = topIssue(s.findings);
    const name = str(row[PRIMARY_NAME[table] ?? "name"]);
    const health: Row = {
      vit_table: table,
      vit_recordid: id,
      vit_name: `${table}: ${name ?? id}`.slice(0, 200),
      vit_score: s.score,
      vit_grade: s.grade ? GRADE_VALUE[s.grade] : null,
      vit_dimensions: JSON.stringify(dimensionScores(s)),
      vit_findings: JSON.stringify(compactFindings(s.findings)),
      vit_findingcount: s.findings.filter((x) => x.outcome === "failed" && !x.waived).length,
      vit_topissue: top ? top.message.slice(0, 400) : null,
      vit_fingerprint: fp,
      vit_scoredon: ctx.nowIso,
      vit_revisitafter: s.revisitAfter,
      statecode: STATECODE_ACTIVE,
      [HEALTH_RUN_BIND]: `/vit_auditruns(${ctx.runId})`,
    };
    if (ledger) Object.assign(health, { [STAGE_HISTORY_COLUMN]: ledger.json, [REGRESSED_ON_COLUMN]: ledger.regressedOn });
    if (bind) health[`${bind}@odata.bind`] = `/${entitySet}(${id})`;
    // The health row belongs to the record's owner, so Dataverse security decides who sees it.
    const owningUser = str(row._owninguser_value);
    const owningTeam = str(row._owningteam_value);
    if (owningUser) health["ownerid@odata.bind"] = `/systemusers(${owningUser})`;
    else if (owningTeam) health["ownerid@odata.bind"] = `/teams(${owningTeam})`;
    result.writes.push(health);
  }
  return result;
}

async function writeHealth(ctx: PageContext, writes: Row[]): Promise<number> {
  if (writes.length === 0) return 0;
  const outcomes = await ctx.gateway.upsertMany("vit_recordhealth", writes, { alternateKey: [...HEALTH_KEY], batchSize: 1000 });
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) {
    const first = failed[0];
    throw new Error(
      `${failed.length} of ${writes.length} health rows of ${ctx.plan.table} could not be written (first: ${first.key}: ${!first.ok ? first.error.message : ""}); the run keeps its checkpoint and can be resumed`,
    );
  }
  return writes.length;
}

/** Re-reads the page whose writes were interrupted and writes what is missing; aggregates already count it. */
async function redoPage(ctx: PageContext, cp: RunCheckpoint, scope: AuditScope): Promise<void> {
  if (!cp.redo) return;
  const table = ctx.plan.table;
  if (cp.redo.phase === "records") {
    const filter = cp.mode === "incremental" && cp.since ? f.and(scopeFilter(scope), f.ge("modifiedon", new Date(cp.since))) : scopeFilter(scope);
    for await (const page of ctx.gateway.streamTable({ table, columns: ctx.plan.columns, filter, pageSize: ctx.pageSize, resumeFrom: cp.redo.from ?? undefined })) {
      const result = await scorePage(ctx, page.rows);
      await writeHealth(ctx, result.writes);
      break;
    }
  }
  // Revisit pages are counted only after their writes (rows still due are simply found again).
  // The "gone" phase needs no redo: retired rows drop out of its query.
}

/** Health rows of records that are gone (their lookup was cleared by Dataverse on delete): deactivated, and taken out of the aggregates. */
async function retireGone(ctx: PageContext, state: AggregateState, incremental: boolean): Promise<number> {
  const table = ctx.plan.table;
  const lookup = HEALTH_LOOKUP[table];
  if (!lookup) return 0;
  const filter = f.and(f.eq("vit_table", table), f.eq("statecode", STATECODE_ACTIVE), f.isNull(`_${lookup}_value`));
  let retired = 0;
  for await (const page of ctx.gateway.streamTable({ table: "vit_recordhealth", columns: ["vit_recordhealthid", ...HEALTH_COLUMNS], filter, pageSize: 5000 })) {
    const updates: Row[] = [];
    for (const r of page.rows) {
      if (incremental) applyContribution(state, storedContribution(table, r), -1);
      updates.push({ vit_recordhealthid: String(r.vit_recordhealthid), statecode: STATECODE_INACTIVE, statuscode: 2 });
    }
    if (updates.length) {
      const outcomes = await ctx.gateway.updateMany("vit_recordhealth", updates);
      retired += outcomes.filter((o) => o.ok).length;
    }
  }
  return retired;
}

/** Approved waivers in force: `table|recordid` → rule ids. */
async function loadWaivers(gateway: DataverseGateway, now: Date): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const filter = f.and(f.eq("vit_waiverstatus", WAIVER_STATUS.approved), f.eq("statecode", STATECODE_ACTIVE), f.or(f.isNull("vit_expireson"), f.gt("vit_expireson", now)));
  for await (const page of gateway.streamTable({ table: "vit_waiver", columns: ["vit_table", "vit_recordid", "vit_ruleid"], filter })) {
    for (const r of page.rows) {
      const t = str(r.vit_table);
      const id = str(r.vit_recordid)?.toLowerCase();
      const rule = str(r.vit_ruleid);
      if (!t || !id || !rule) continue;
      const k = `${t}|${id}`;
      const set = out.get(k) ?? new Set<string>();
      set.add(rule);
      out.set(k, set);
    }
  }
  return out;
}

/** Records whose waivers were decided or expired since `since`: table → record ids. */
async function waiverRecordsChangedSince(gateway: DataverseGateway, since: string, now: Date): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const sinceDate = new Date(since);
  const filter = f.or(f.ge("modifiedon", sinceDate), f.and(f.gt("vit_expireson", sinceDate), f.le("vit_expireson", now)));
  for await (const page of gateway.streamTable({ table: "vit_waiver", columns: ["vit_table", "vit_recordid"], filter })) {
    for (const r of page.rows) {
      const t = str(r.vit_table);
      const id = str(r.vit_recordid)?.toLowerCase();
      if (!t || !id) continue;
      const set = out.get(t) ?? new Set<string>();
      set.add(id);
      out.set(t, set);
    }
  }
  return out;
}

interface StoredRun {
  id: string;
  startedOn: string;
  packKey: string;
  state: AggregateState;
  checkpoint: RunCheckpoint;
}

async function lastCompletedRun(gateway: DataverseGateway, key: string): Promise<StoredRun | null> {
  // vit_scope is multiline text, which $filter cannot compare: match it here, newest first.
  for await (const page of gateway.streamTable({
    table: "vit_auditrun",
    columns: ["vit_startedon", "vit_rulepackversion", "vit_aggregates", "vit_scope"],
    filter: f.eq("vit_status", RUN_STATUS.completed),
    orderBy: ["vit_startedon desc"],
    pageSize: 50,
  })) {
    for (const r of page.rows) {
      if (r.vit_scope !== key) continue;
      const agg = str(r.vit_aggregates);
      if (!agg) continue;
      const parsed = JSON.parse(agg) as { state?: AggregateState };
      if (!parsed.state) continue;
      return { id: String(r.vit_auditrunid), startedOn: String(r.vit_startedon), packKey: String(r.vit_rulepackversion), state: parsed.state, checkpoint: undefined as never };
    }
  }
  return null;
}

async function findRunToResume(gateway: DataverseGateway, which: string, key: string): Promise<StoredRun> {
  // A run left "running" (its process was killed) or "failed" (it stopped on an error) keeps its checkpoint.
  const filter = which === "latest" ? f.in("vit_status", [RUN_STATUS.running, RUN_STATUS.failed]) : f.eq("vit_auditrunid", guid(which));
  for await (const page of gateway.streamTable({
    table: "vit_auditrun",
    columns: ["vit_startedon", "vit_rulepackversion", "vit_checkpoint", "vit_status", "vit_scope"],
    filter,
    orderBy: ["vit_startedon desc"],
    pageSize: 50,
  })) {
    for (const r of page.rows) {
      const id = String(r.vit_auditrunid);
      if (which === "latest" && (r.vit_scope !== key || !str(r.vit_checkpoint))) continue;
      if (r.vit_status === RUN_STATUS.completed) throw new Error(`audit run ${id} has already completed; start a new audit`);
      if (r.vit_scope !== key) throw new Error(`audit run ${id} audited another scope (${String(r.vit_scope)}); resume it with that scope`);
      const text = str(r.vit_checkpoint);
      if (!text) throw new Error(`audit run ${id} has no checkpoint to resume from`);
      const saved = JSON.parse(text) as { checkpoint: RunCheckpoint; state: AggregateState };
      await gateway.updateMany("vit_auditrun", [{ vit_auditrunid: id, vit_status: RUN_STATUS.running, vit_error: null }]);
      return { id, startedOn: String(r.vit_startedon), packKey: String(r.vit_rulepackversion), state: saved.state, checkpoint: saved.checkpoint };
    }
    break;
  }
  throw new Error(which === "latest" ? "there is no interrupted audit of this scope to resume" : `audit run ${which} was not found`);
}

/** Expected records of a full run: what the last completed run of the scope counted (unknown for incremental runs). */
async function estimateTotal(gateway: DataverseGateway, mode: "full" | "incremental", scope: AuditScope): Promise<number | null> {
  if (mode !== "full") return null;
  const last = await lastCompletedRun(gateway, scopeKey(scope));
  return last ? last.state.overall.records : null;
}

async function coverageOf(plans: TablePlan[], cp: RunCheckpoint, scope: AuditScope, privileged: DataverseGateway | undefined): Promise<CoverageReport[]> {
  const out: CoverageReport[] = [];
  for (const p of plans) {
    if (cp.mode !== "full") continue;
    const readable = cp.readByTable[p.table] ?? 0;
    if (privileged) {
      const total = (await privileged.coverage(p.table, scopeFilter(scope))).readable;
      out.push({ table: p.table, readable, total, complete: readable >= total, basis: "records this run read; total counted by a principal with organisation-wide read" });
    } else {
      out.push({
        table: p.table,
        readable,
        total: null,
        complete: null,
        basis: "records this run read; the total is unknown without a principal with organisation-wide read (Dataverse only counts rows the caller may read)",
      });
    }
  }
  return out;
}

/**
 * Dataverse's own duplicate detection, read and judged: tables without a published rule,
 * unpublished rules, tables at the five-rule limit. A principal that may not read duplicate rules
 * gets no findings rather than a failed audit.
 */
async function duplicateRuleFindings(gateway: DataverseGateway, tables: readonly string[]): Promise<DuplicateRuleFinding[]> {
  const judged = tables.filter((t) => t === "account" || t === "contact" || t === "lead");
  if (judged.length === 0) return [];
  try {
    const rules: DuplicateRuleRow[] = [];
    for await (const page of gateway.streamTable({
      table: "duplicaterule",
      columns: ["name", "baseentityname", "matchingentityname", "statecode", "statuscode", "iscasesensitive", "excludeinactiverecords"],
    })) {
      for (const r of page.rows) rules.push(r as unknown as DuplicateRuleRow);
    }
    const conditions: DuplicateRuleConditionRow[] = [];
    for await (const page of gateway.streamTable({
      table: "duplicaterulecondition",
      columns: ["_regardingobjectid_value", "baseattributename", "matchingattributename", "operatorcode", "operatorparam", "ignoreblankvalues"],
    })) {
      for (const r of page.rows) conditions.push(r as unknown as DuplicateRuleConditionRow);
    }
    return auditDuplicateRules(rules, conditions, { tables: judged });
  } catch (err) {
    if (err instanceof DataverseError && (err.status === 403 || err.status === 401)) return [];
    throw err;
  }
}
