/**
 * The journal of a merge (one vit_fixentry per subordinate, action Merge), written before the
 * Merge action is sent: Before holds the subordinate in full, the master's values of the columns
 * UpdateContent fills, and every child row Merge will re-parent (table, id, lookup, navigation
 * property) with its previous parent, the subordinate; After holds the UpdateContent as changes of
 * the master, so the generic journal readers (fix show, the Governance Center) list them.
 *
 * The intent is upserted, so a resumed run rewrites it with the children as they are then. An
 * entry that would not fit the journal's column (100,000 characters) is refused before merging:
 * a merge is never sent without its journal.
 */
import type { FixChange } from "../engine/fixes";
import type { ChildRef } from "../dataverse/merge";
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { f, guid } from "../dataverse/requests";
import { ENTRY_COLUMNS } from "./journal";
import fixEntryJson from "../../solution/src/tables/vit_fixentry.json";
import { ENTRY_OUTCOME, ENTRY_RUN_BIND, OUTCOME_OF_VALUE, entryIdOf, options, type EntryOutcome, type MergePlanEntry } from "./model";

export const MERGE_ACTION = options((fixEntryJson as { columns: { schemaName: string; type: string; options?: { value: number; label: string }[] }[] }).columns, "vit_action", ["merge"] as const).merge;
const MAX_JOURNAL = 100_000;

/** The rule a merge fixes: the pack's duplicate rule of the table. */
export const mergeRuleOf = (table: string): string => `${table}.duplicate`;

export interface MergeJournal {
  id: string;
  key: string;
  table: string;
  masterId: string;
  subordinateId: string;
  ruleId: string;
  outcome: EntryOutcome;
  detail: string | null;
  etagAfter: string | null;
  subordinate: Row;
  /** UpdateContent as changes of the master (before = the master's value when merged). */
  changes: FixChange[];
  children: ChildRef[];
  unreadable: string[];
}

export interface MergeIntent {
  entry: MergePlanEntry;
  masterId: string;
  subordinateId: string;
  subordinate: Row;
  changes: FixChange[];
  children: ChildRef[];
  unreadable: string[];
  /** The master's ETag when it was read for this merge. */
  masterEtag: string;
}

/** Writes (or rewrites) the intent of one merge; throws when it cannot be journaled. */
export async function writeMergeIntent(gateway: DataverseGateway, runId: string, i: MergeIntent): Promise<void> {
  const before = JSON.stringify({ subordinate: i.subordinate, master: Object.fromEntries(i.changes.map((c) => [c.column, c.before])), children: i.children, unreadable: i.unreadable });
  const after = JSON.stringify({ changes: i.changes, merge: { masterId: i.masterId, subordinateId: i.subordinateId, masterRule: i.entry.masterRule, swapped: i.entry.swap, why: i.entry.why } });
  if (before.length > MAX_JOURNAL || after.length > MAX_JOURNAL) {
    throw new Error(`the journal of merging ${i.subordinateId} into ${i.masterId} would be ${before.length} characters (${i.children.length} children), more than the journal holds (${MAX_JOURNAL}); merge it by hand`);
  }
  const row: Row = {
    vit_fixentryid: entryIdOf(runId, i.entry.key),
    vit_name: `merge: ${i.entry.subordinateName} into ${i.entry.masterName}`.slice(0, 200),
    [ENTRY_RUN_BIND]: `/vit_fixruns(${runId})`,
    vit_entrykey: i.entry.key.slice(0, 200),
    vit_table: i.entry.table,
    vit_recordid: i.masterId,
    vit_ruleid: mergeRuleOf(i.entry.table),
    vit_action: MERGE_ACTION,
    vit_columns: i.changes.map((c) => c.column).join(",").slice(0, 1000),
    vit_before: before,
    vit_after: after,
    vit_etagbefore: i.masterEtag,
    vit_outcome: ENTRY_OUTCOME.pending,
  };
  const [out] = await gateway.upsertMany("vit_fixentry", [row]);
  if (out && !out.ok) throw new Error(`the merge journal could not be written, so ${i.subordinateId} was not merged: ${out.error.message}`);
}

function parse(r: Row): MergeJournal {
  const before = JSON.parse(typeof r.vit_before === "string" ? r.vit_before : "{}") as { subordinate?: Row; children?: ChildRef[]; unreadable?: string[] };
  const after = JSON.parse(typeof r.vit_after === "string" ? r.vit_after : "{}") as { changes?: FixChange[]; merge?: { masterId: string; subordinateId: string } };
  const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
  return {
    id: String(r.vit_fixentryid).toLowerCase(),
    key: String(r.vit_entrykey),
    table: String(r.vit_table),
    masterId: (after.merge?.masterId ?? String(r.vit_recordid)).toLowerCase(),
    subordinateId: (after.merge?.subordinateId ?? "").toLowerCase(),
    ruleId: String(r.vit_ruleid),
    outcome: OUTCOME_OF_VALUE.get(Number(r.vit_outcome)) ?? "pending",
    detail: str(r.vit_detail),
    etagAfter: str(r.vit_etagafter),
    subordinate: before.subordinate ?? {},
    changes: after.changes ?? [],
    children: before.children ?? [],
    unreadable: before.unreadable ?? [],
  };
}

/** The merge entries of a run (optionally only some outcomes), in journal order. */
export async function readMergeEntries(gateway: DataverseGateway, runId: string, outcomes?: readonly EntryOutcome[]): Promise<MergeJournal[]> {
  const filter = f.and(f.eq("_vit_fixrunid_value", guid(runId)), f.eq("vit_action", MERGE_ACTION), outcomes ? f.in("vit_outcome", outcomes.map((o) => ENTRY_OUTCOME[o])) : undefined);
  const out: MergeJournal[] = [];
  for await (const page of gateway.streamTable({ table: "vit_fixentry", columns: [...ENTRY_COLUMNS, "createdon"], filter, orderBy: ["createdon asc"] })) out.push(...page.rows.map(parse));
  return out;
}

/** Whether a run merged records (its undo is a merge undo). */
export async function isMergeRun(gateway: DataverseGateway, runId: string): Promise<boolean> {
  for await (const page of gateway.streamTable({ table: "vit_fixentry", columns: ["vit_action"], filter: f.and(f.eq("_vit_fixrunid_value", guid(runId)), f.eq("vit_action", MERGE_ACTION)), pageSize: 1 })) {
    return page.rows.length > 0;
  }
  return false;
}
