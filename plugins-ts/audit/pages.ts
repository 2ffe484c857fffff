/**
 * Phase 3 of an audit, page scoring and writes: one page of records → related facts, stored health
 * and duplicate candidates fetched together → the engine's scores → the health rows whose
 * fingerprint changed, and the aggregate contributions to add and take away. Also the page-sized
 * reads the phases need (records by id, the page to redo after a crash) and the retirement of
 * health rows whose record is gone.
 *
 * Failure modes: health rows that cannot be written throw with how many and the first error (the
 * run keeps its checkpoint and can be resumed); scoring never writes customers' own records.
 */
import type { CompiledPack } from "../engine/score";
import { MATCH_KEY_COLUMNS, matchKeysOf } from "../engine/duplicates/matchkeys";
import type { DuplicateCandidate, EngineRecord, RelatedFacts } from "../engine/types";
import type { DataverseGateway, Row, StreamTableOptions, Upserts, WriteOutcome } from "../dataverse/gateway";
import { chunkIdsForIn, f, guid } from "../dataverse/requests";
import { applyContribution, type AggregateState } from "./aggregates";
import type { DuplicateFinder } from "./duplicates";
import { readAll } from "./readall";
import { contributionOf, contributionOfStored, healthFingerprint, storedDimensions, storedFindings, topIssue } from "./health";
import { GRADE_OF_VALUE, GRADE_VALUE, HEALTH_COLUMNS, HEALTH_KEY, HEALTH_LOOKUP, HEALTH_RUN_BIND, STATECODE_ACTIVE, STATECODE_INACTIVE, healthBindProperty, str } from "./model";
import { PRIMARY_NAME, primaryId, scopeFilter, type TablePlan } from "./plan";
import { nextStageLedger, REGRESSED_ON_COLUMN, STAGE_HISTORY_COLUMN, type ledgerProcess } from "./stages";
import type { SideBySide } from "./sidebyside";
import type { AuditScope, RunCheckpoint } from "./types";

interface StoredHealth {
  id: string;
  fingerprint: string | null;
  active: boolean;
  contribution: ReturnType<typeof contributionOfStored>;
  stageHistory: string | null;
  /** The audit run that last wrote the row. */
  lastRunId: string | null;
}

export interface PageContext {
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

/** What a table's streams are built from. */
export type StreamContext = Pick<PageContext, "plan" | "pageSize" | "now">;

export interface PageResult {
  /** Health rows to upsert (fingerprint changed or new). */
  writes: Row[];
  /** Aggregate changes: contributions to add and to take away. */
  add: ReturnType<typeof contributionOf>[];
  remove: ReturnType<typeof contributionOfStored>[];
  /**
   * Unchanged rows this same run had already written: a page redone after an interruption whose
   * writes had gone through. They count as written by the run, which they were.
   */
  writtenBefore: number;
}

export function applyResult(state: AggregateState, r: PageResult): void {
  for (const c of r.remove) applyContribution(state, c, -1);
  for (const c of r.add) applyContribution(state, c, 1);
}

export async function readRecordsById(ctx: PageContext, ids: readonly string[], scope: AuditScope): Promise<Row[]> {
  if (ids.length === 0) return [];
  const rows: Row[] = [];
  const filter = f.and(scopeFilter(scope), f.in(primaryId(ctx.plan.table), ids.map((id) => guid(id))));
  for await (const page of ctx.gateway.streamTable({ table: ctx.plan.table, columns: ctx.plan.columns, filter, pageSize: ctx.pageSize })) rows.push(...page.rows);
  return rows;
}

/** What a stored health row contributes to the aggregates (HEALTH_COLUMNS read back). */
export function storedContribution(table: string, r: Row): ReturnType<typeof contributionOfStored> {
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
  const filters = chunkIdsForIn("vit_recordid", ids).map((chunk) => f.and(f.eq("vit_table", table), f.in("vit_recordid", chunk)));
  for (const r of await readAll(ctx.gateway, "vit_recordhealth", [...HEALTH_COLUMNS], filters, `stored health of ${ids.length} ${table} records`)) {
    const id = str(r.vit_recordid)?.toLowerCase();
    if (!id) continue;
    out.set(id, {
      id,
      fingerprint: str(r.vit_fingerprint),
      active: r.statecode === STATECODE_ACTIVE || r.statecode === undefined || r.statecode === null,
      contribution: storedContribution(table, r),
      stageHistory: str(r[STAGE_HISTORY_COLUMN]),
      lastRunId: str(r._vit_lastauditrunid_value)?.toLowerCase() ?? null,
    });
  }
  return out;
}

/** Scores one page of records and works out what to write and how the aggregates change. */
export async function scorePage(ctx: PageContext, rows: readonly Row[]): Promise<PageResult> {
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
  const result: PageResult = { writes: [], add: [], remove: [], writtenBefore: 0 };
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
    const keys = plan.wantsDuplicates ? matchKeysOf(table, row) : null;
    const fp = healthFingerprint(s, ownerId, ctx.packKey, keys);
    const old = stored.get(id);
    result.add.push(contribution);
    if (ctx.incremental && old?.active) result.remove.push(old.contribution);
    const ledger = ctx.stages && nextStageLedger(ctx.stages, { previous: old?.stageHistory ?? null, score: s, values: row, stage: related.stage, now: ctx.nowIso });
    if (old?.fingerprint === fp && old.active && !ledger?.changed) {
      if (old.lastRunId === ctx.runId.toLowerCase()) result.writtenBefore++;
      continue;
    }
    const top = topIssue(s.findings);
    const name = str(row[PRIMARY_NAME[table] ?? "name"]);
    const health: Row = {
      vit_table: table,
      vit_recordid: id,
      vit_name: `${table}: ${name ?? id}`.slice(0, 200),
      vit_score: s.score,
      vit_grade: s.grade ? GRADE_VALUE[s.grade] : null,
      vit_dimensions: JSON.stringify(storedDimensions(s)),
      vit_findings: JSON.stringify(storedFindings(s.findings)),
      vit_findingcount: s.findings.filter((x) => x.outcome === "failed" && !x.waived).length,
      vit_topissue: top ? top.message.slice(0, 400) : null,
      vit_fingerprint: fp,
      vit_scoredon: ctx.nowIso,
      vit_revisitafter: s.revisitAfter,
      statecode: STATECODE_ACTIVE,
      [HEALTH_RUN_BIND]: `/vit_auditruns(${ctx.runId})`,
    };
    if (keys) Object.assign(health, { [MATCH_KEY_COLUMNS.company]: keys.company, [MATCH_KEY_COLUMNS.website]: keys.website, [MATCH_KEY_COLUMNS.domain]: keys.domain });
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

/** The upserts of a page's health rows (sent after the page's checkpoint in its `$batch`: phases.ts). */
export function healthUpserts(writes: readonly Row[]): Upserts {
  return { table: "vit_recordhealth", rows: writes, opts: { alternateKey: [...HEALTH_KEY], batchSize: 1000 } };
}

/**
 * Writes health rows, or (`sent`) checks the outcomes of their upserts sent with the checkpoint;
 * the rows written. `what` names their tables in the error.
 */
export async function writeHealth(ctx: PageContext, writes: Row[], sent?: WriteOutcome[] | null, what = ctx.plan.table): Promise<number> {
  if (writes.length === 0) return 0;
  const u = healthUpserts(writes);
  const outcomes = sent ?? (await ctx.gateway.upsertMany(u.table, u.rows, u.opts));
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) {
    const first = failed[0];
    throw new Error(
      `${failed.length} of ${writes.length} health rows of ${what} could not be written (first: ${first.key}: ${!first.ok ? first.error.message : ""}); the run keeps its checkpoint and can be resumed`,
    );
  }
  return writes.length;
}

/**
 * Re-reads the page whose writes were interrupted and writes what is missing; aggregates already
 * count it. Returns the health rows the page changed: those written now and those the interrupted
 * attempt had written already.
 */
export async function redoPage(ctx: PageContext, cp: RunCheckpoint, scope: AuditScope): Promise<number> {
  if (!cp.redo) return 0;
  if (cp.redo.phase === "records") {
    for await (const page of ctx.gateway.streamTable({ ...recordsStream(ctx, cp, scope), resumeFrom: cp.redo.from ?? undefined })) {
      const result = await scorePage(ctx, page.rows);
      return (await writeHealth(ctx, result.writes)) + result.writtenBefore;
    }
  }
  // Revisit pages are counted only after their writes (rows still due are simply found again).
  // The "gone" phase needs no redo: retired rows drop out of its query.
  return 0;
}

/** The stream of a table's records to score: all in scope, or (incremental) those modified since the last run. */
export function recordsStream(ctx: StreamContext, cp: RunCheckpoint, scope: AuditScope, signal?: AbortSignal): StreamTableOptions {
  const filter = cp.mode === "incremental" && cp.since ? f.and(scopeFilter(scope), f.ge("modifiedon", new Date(cp.since))) : scopeFilter(scope);
  return { table: ctx.plan.table, columns: ctx.plan.columns, filter, pageSize: ctx.pageSize, signal };
}

/** The stream of a table's active health rows whose record is gone (null: the table's rows have no record lookup). */
export function goneStream(ctx: Pick<StreamContext, "plan">): StreamTableOptions | null {
  const lookup = HEALTH_LOOKUP[ctx.plan.table];
  if (!lookup) return null;
  const filter = f.and(f.eq("vit_table", ctx.plan.table), f.eq("statecode", STATECODE_ACTIVE), f.isNull(`_${lookup}_value`));
  return { table: "vit_recordhealth", columns: ["vit_recordhealthid", ...HEALTH_COLUMNS], filter, pageSize: 5000 };
}

/** Health rows of records that are gone (their lookup was cleared by Dataverse on delete): deactivated, and taken out of the aggregates. */
export async function retireGone(ctx: PageContext, state: AggregateState, incremental: boolean, streams: Pick<SideBySide, "stream">): Promise<number> {
  const table = ctx.plan.table;
  const gone = goneStream(ctx);
  if (!gone) return 0;
  let retired = 0;
  for await (const page of streams.stream(table, "gone", gone)) {
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
