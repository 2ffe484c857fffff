/**
 * Reading and writing the fix journal (vit_fixrun, vit_fixentry) through the gateway. Entry and
 * run ids are derived from the plan, so writing the same intent twice (a resumed run) finds the
 * rows already there instead of creating copies.
 */
import type { FixChange, FixTask } from "../engine/fixes";
import type { ColumnValue } from "../engine/types";
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { DataverseError } from "../dataverse/errors";
import { f, guid } from "../dataverse/requests";
import { ENTRY_ACTION, ENTRY_OUTCOME, ENTRY_RUN_BIND, OUTCOME_OF_VALUE, STATUS_OF_VALUE, entryIdOf, type EntryOutcome, type FixPlan, type FixRunStatus, type PlanEntry, type RecordScoreSnapshot } from "./model";

/** A journal entry as stored. */
export interface JournalEntry {
  id: string;
  key: string;
  table: string;
  recordId: string;
  ruleId: string;
  action: "update" | "task";
  changes: FixChange[];
  task?: FixTask;
  etagBefore: string;
  etagAfter: string | null;
  outcome: EntryOutcome;
  errorCode: string | null;
  detail: string | null;
  undoEtag: string | null;
  /** The record's score when the plan was made. */
  score?: RecordScoreSnapshot;
}

export const ENTRY_COLUMNS = [
  "vit_entrykey", "vit_table", "vit_recordid", "vit_ruleid", "vit_action", "vit_before", "vit_after", "vit_etagbefore", "vit_etagafter", "vit_outcome", "vit_errorcode", "vit_detail", "vit_undoetag",
] as const;

function entryRow(runId: string, e: PlanEntry, score: RecordScoreSnapshot | undefined): Row {
  const before: Record<string, ColumnValue> = {};
  for (const c of e.changes) before[c.column] = c.before;
  const after = { ...(e.action === "task" ? { task: e.task } : { changes: e.changes }), ...(score ? { score } : {}) };
  return {
    vit_fixentryid: entryIdOf(runId, e.key),
    vit_name: `${e.ruleId}: ${e.name ?? e.recordId}`.slice(0, 200),
    [ENTRY_RUN_BIND]: `/vit_fixruns(${runId})`,
    vit_entrykey: e.key.slice(0, 200),
    vit_table: e.table,
    vit_recordid: e.recordId,
    vit_ruleid: e.ruleId,
    vit_action: ENTRY_ACTION[e.action],
    vit_columns: e.changes.map((c) => c.column).join(",").slice(0, 1000),
    vit_before: JSON.stringify(before),
    vit_after: JSON.stringify(after),
    vit_etagbefore: e.etag,
    vit_outcome: ENTRY_OUTCOME.pending,
  };
}

/** Writes the intent of each entry (outcome Pending) before any record is touched. */
export async function writeIntent(gateway: DataverseGateway, runId: string, entries: readonly PlanEntry[], scores: FixPlan["records"]): Promise<void> {
  if (entries.length === 0) return;
  const outcomes = await gateway.createMany("vit_fixentry", entries.map((e) => entryRow(runId, e, scores[`${e.table}:${e.recordId}`])));
  const failed = outcomes.find((o) => !o.ok && !(o.error.status === 412));
  if (failed && !failed.ok) throw new Error(`the fix journal could not be written, so no record was changed: ${failed.error.message}`);
}

function parseEntry(r: Row): JournalEntry {
  const after = JSON.parse(typeof r.vit_after === "string" ? r.vit_after : "{}") as { changes?: FixChange[]; task?: FixTask; score?: RecordScoreSnapshot };
  const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
  return {
    id: String(r.vit_fixentryid).toLowerCase(),
    key: String(r.vit_entrykey),
    table: String(r.vit_table),
    recordId: String(r.vit_recordid).toLowerCase(),
    ruleId: String(r.vit_ruleid),
    action: r.vit_action === ENTRY_ACTION.task ? "task" : "update",
    changes: after.changes ?? [],
    ...(after.task ? { task: after.task } : {}),
    etagBefore: String(r.vit_etagbefore ?? ""),
    etagAfter: str(r.vit_etagafter),
    outcome: OUTCOME_OF_VALUE.get(Number(r.vit_outcome)) ?? "pending",
    errorCode: str(r.vit_errorcode),
    detail: str(r.vit_detail),
    undoEtag: str(r.vit_undoetag),
    ...(after.score ? { score: after.score } : {}),
  };
}

/** Every entry of a run (optionally only some outcomes). */
export async function readEntries(gateway: DataverseGateway, runId: string, outcomes?: readonly EntryOutcome[]): Promise<JournalEntry[]> {
  const filter = f.and(f.eq("_vit_fixrunid_value", guid(runId)), outcomes ? f.in("vit_outcome", outcomes.map((o) => ENTRY_OUTCOME[o])) : undefined);
  const out: JournalEntry[] = [];
  for await (const page of gateway.streamTable({ table: "vit_fixentry", columns: [...ENTRY_COLUMNS], filter })) out.push(...page.rows.map(parseEntry));
  return out;
}

export interface EntryUpdate {
  id: string;
  outcome: EntryOutcome;
  etagAfter?: string | null;
  errorCode?: string | null;
  detail?: string | null;
  undoEtag?: string | null;
  undoneOn?: string;
}

export async function updateEntries(gateway: DataverseGateway, updates: readonly EntryUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const rows = updates.map((u): Row => {
    const row: Row = { vit_fixentryid: u.id, vit_outcome: ENTRY_OUTCOME[u.outcome] };
    if (u.etagAfter !== undefined) row.vit_etagafter = u.etagAfter;
    if (u.errorCode !== undefined) row.vit_errorcode = u.errorCode?.slice(0, 100) ?? null;
    if (u.detail !== undefined) row.vit_detail = u.detail?.slice(0, 4000) ?? null;
    if (u.undoEtag !== undefined) row.vit_undoetag = u.undoEtag;
    if (u.undoneOn !== undefined) row.vit_undoneon = u.undoneOn;
    return row;
  });
  const failed = (await gateway.updateMany("vit_fixentry", rows)).find((o) => !o.ok);
  if (failed && !failed.ok) throw new Error(`the fix journal could not be completed (${failed.key}): ${failed.error.message}; run the same command again to resume`);
}

export interface StoredRun {
  id: string;
  planId: string;
  status: FixRunStatus;
  proposedBy: string | null;
  approvedBy: string | null;
  approvedOn: string | null;
  finishedOn: string | null;
  counts: Record<string, unknown> | null;
  scoreBefore: Record<string, unknown> | null;
  scoreAfter: Record<string, unknown> | null;
  rules: string | null;
}

export async function readRun(gateway: DataverseGateway, runId: string): Promise<StoredRun | null> {
  let r: Row | null;
  try {
    r = await gateway.retrieveRecord("vit_fixrun", runId, ["vit_planid", "vit_status", "_vit_proposedby_value", "_vit_approvedby_value", "vit_approvedon", "vit_finishedon", "vit_counts", "vit_scorebefore", "vit_scoreafter", "vit_rules"]);
  } catch (err) {
    if (err instanceof DataverseError && err.status === 404) return null;
    throw err;
  }
  if (!r) return null;
  const json = (v: unknown): Record<string, unknown> | null => (typeof v === "string" && v ? (JSON.parse(v) as Record<string, unknown>) : null);
  const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);
  return {
    id: runId.toLowerCase(),
    planId: String(r.vit_planid),
    status: STATUS_OF_VALUE.get(Number(r.vit_status)) ?? "failed",
    proposedBy: str(r._vit_proposedby_value),
    approvedBy: str(r._vit_approvedby_value),
    approvedOn: str(r.vit_approvedon),
    finishedOn: str(r.vit_finishedon),
    counts: json(r.vit_counts),
    scoreBefore: json(r.vit_scorebefore),
    scoreAfter: json(r.vit_scoreafter),
    rules: str(r.vit_rules),
  };
}

/** Entries per outcome. */
export function countOutcomes(entries: readonly { outcome: EntryOutcome }[]): Record<EntryOutcome, number> {
  const out = { pending: 0, applied: 0, skippedChanged: 0, failed: 0, undoPending: 0, undone: 0, undoConflict: 0 } as Record<EntryOutcome, number>;
  for (const e of entries) out[e.outcome]++;
  return out;
}
