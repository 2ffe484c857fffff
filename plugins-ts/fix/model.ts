/**
 * The fix journal as stored in Dataverse (vit_fixrun, vit_fixentry) and the plan file a person
 * approves. Choice values and navigation properties come from the solution source, the one
 * definition the managed solution is built from.
 */
import fixEntryJson from "../../solution/src/tables/vit_fixentry.json";
import fixRunJson from "../../solution/src/tables/vit_fixrun.json";
import type { FixBlocked, FixProposal, MergeProposal } from "../engine/fixes";
import type { Dimension } from "../engine/types";

interface ColumnDef {
  schemaName: string;
  type: string;
  options?: { value: number; label: string }[];
}

export function options<K extends string>(columns: ColumnDef[], column: string, keys: readonly K[]): Record<K, number> {
  const def = columns.find((c) => c.schemaName.toLowerCase() === column);
  if (!def?.options) throw new Error(`solution source: ${column} has no options`);
  const byLabel = new Map(def.options.map((o) => [o.label.toLowerCase().replace(/\s+/g, ""), o.value]));
  return Object.fromEntries(
    keys.map((k) => {
      const v = byLabel.get(k.toLowerCase());
      if (v === undefined) throw new Error(`solution source: ${column} has no option "${k}"`);
      return [k, v];
    }),
  ) as Record<K, number>;
}

export const RUN_STATUSES = ["applying", "applied", "completedWithIssues", "failed", "cancelled", "undoing", "undone", "partlyUndone"] as const;
export type FixRunStatus = (typeof RUN_STATUSES)[number];
export const FIX_RUN_STATUS = options((fixRunJson as { columns: ColumnDef[] }).columns, "vit_status", RUN_STATUSES);

export const OUTCOMES = ["pending", "applied", "skippedChanged", "failed", "undoPending", "undone", "undoConflict"] as const;
export type EntryOutcome = (typeof OUTCOMES)[number];
export const ENTRY_OUTCOME = options((fixEntryJson as { columns: ColumnDef[] }).columns, "vit_outcome", OUTCOMES);
export const OUTCOME_OF_VALUE: ReadonlyMap<number, EntryOutcome> = new Map(OUTCOMES.map((k) => [ENTRY_OUTCOME[k], k]));
export const STATUS_OF_VALUE: ReadonlyMap<number, FixRunStatus> = new Map(RUN_STATUSES.map((k) => [FIX_RUN_STATUS[k], k]));
export const ENTRY_ACTION = options((fixEntryJson as { columns: ColumnDef[] }).columns, "vit_action", ["update", "task"] as const);

/** Navigation properties are the lookups' schema names. */
export const ENTRY_RUN_BIND = "vit_FixRunId@odata.bind";
export const RUN_PROPOSED_BY_BIND = "vit_ProposedBy@odata.bind";
export const RUN_APPROVED_BY_BIND = "vit_ApprovedBy@odata.bind";

/** Mean scores of the records in scope, per table. */
export interface TableScores {
  records: number;
  /** Mean overall score of the scored records (null when none had a score). */
  overall: number | null;
  dimensions: Partial<Record<Dimension, number | null>>;
  /** Sums behind the means, so an apply can replace the fixed records' contributions exactly. */
  sums: { overall: { n: number; sum: number }; dimensions: Partial<Record<Dimension, { n: number; sum: number }>> };
}

/** A record's score as the plan saw it. */
export interface RecordScoreSnapshot {
  score: number | null;
  dimensions: Partial<Record<Dimension, number | null>>;
}

/** One proposal in the plan file, with the record's ETag in the preview. */
export interface PlanEntry extends FixProposal {
  etag: string;
  /** Unticked by a person: kept in the file, not applied. */
  include: boolean;
  /** The record's primary name, for people. */
  name?: string;
}

/** A merge of a duplicate into its master (plugins-ts/fix/merge-*.ts), with both records' ETags in the preview. */
export interface MergePlanEntry extends MergeProposal {
  masterEtag: string;
  subordinateEtag: string;
  /** Unticked by a person: kept in the file, not merged. */
  include: boolean;
  /** A person's override of the master rule: true keeps the subordinate and merges the master into it. */
  swap: boolean;
}

export interface FixPlan {
  kind: "crm-vitals-fix-plan";
  v: 1;
  planId: string;
  createdOn: string;
  /** systemuserid of who made the plan. */
  proposedBy: string;
  pack: { id: string; version: string };
  scope: { tables: string[]; rules?: string[]; ownerId?: string };
  entries: PlanEntry[];
  blocked: FixBlocked[];
  scoreBefore: Record<string, TableScores>;
  /** Scores of the records with entries, by `table:id`. */
  records: Record<string, RecordScoreSnapshot>;
  /** Merges of duplicates (a plan of `vitals fix plan --merge`); applied one by one, journaled before each Merge. */
  merges?: MergePlanEntry[];
  /** Send PerformParentingChecks: true (refuse records with different parents). */
  performParentingChecks?: boolean;
}

/** A new plan with no entries yet: a fresh plan id, who proposes it, when, with which pack, for what scope. */
export function newPlan(proposedBy: string, pack: { id: string; version: string }, now: Date, scope: FixPlan["scope"]): FixPlan {
  return {
    kind: "crm-vitals-fix-plan",
    v: 1,
    planId: globalThis.crypto.randomUUID(),
    createdOn: now.toISOString(),
    proposedBy,
    pack: { id: pack.id, version: pack.version },
    scope,
    entries: [],
    blocked: [],
    scoreBefore: {},
    records: {},
  };
}

/** A stable GUID from text (FNV-1a based, version-4 layout): journal rows and tasks get ids a repeat reproduces. */
export function stableGuid(text: string): string {
  let hex = "";
  for (let seed = 0; hex.length < 32; seed++) {
    let h = 0x811c9dc5 ^ seed;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    hex += h.toString(16).padStart(8, "0");
  }
  const b = hex.slice(0, 32).split("");
  b[12] = "4";
  b[16] = ((parseInt(b[16], 16) & 0x3) | 0x8).toString(16);
  const s = b.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

export const runIdOf = (planId: string): string => stableGuid(`vit_fixrun|${planId}`);
export const entryIdOf = (runId: string, key: string): string => stableGuid(`vit_fixentry|${runId}|${key}`);
export const taskIdOf = (runId: string, key: string): string => stableGuid(`task|${runId}|${key}`);
