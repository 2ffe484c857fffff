/**
 * Makes a merge plan (`vitals fix plan --merge`): the matcher's pairs — from a `vitals dedupe`
 * pairs file, or from running the matcher over the table's active records in the organisation —
 * become merge proposals with their explanation and a master chosen by the stated rule
 * (plugins-ts/engine/fixes/merge.ts), each with both records' ETags for the apply's If-Match check.
 * Nothing is written. Pairs whose records are not active (or not readable) are listed as skipped.
 *
 * Failure modes: a pairs file that is not `left_id,right_id,score,match,explanation` with GUID ids
 * is refused naming the line; a table other than account, contact or lead is refused.
 */
import { parse } from "csv-parse/sync";
import { columnsOf, deduplicate, formatExplanation, type DuplicateTable, type MatchRecord } from "../engine/duplicates";
import { MERGE_COLUMNS, proposeMerges, type MasterRule, type MergeCandidate, type MergePair } from "../engine/fixes";
import type { RulePack } from "../engine/pack/types";
import type { DataverseGateway, VersionedRow } from "../dataverse/gateway";
import type { RelatedFacts } from "../engine/types";
import { f, isGuid } from "../dataverse/requests";
import { newPlan, type FixPlan, type MergePlanEntry } from "./model";

export const MERGEABLE_TABLES = ["account", "contact", "lead"] as const;
const NAME: Record<string, string> = { account: "name", contact: "fullname", lead: "fullname" };

export interface MergePlanOptions {
  gateway: DataverseGateway;
  pack: RulePack;
  table: string;
  /** Pairs to merge; default: run the matcher over the table's active records. */
  pairs?: MergePair[];
  masterRule: MasterRule;
  /** Send PerformParentingChecks (refuse records with different parents). */
  performParentingChecks?: boolean;
  now: Date;
  onProgress?: (stage: string) => void;
}

export interface MergePlanResult {
  plan: FixPlan;
  skipped: { leftId: string; rightId: string; reason: string }[];
}

/** Reads a `vitals dedupe` pairs file: the pairs decided "match" (near-misses need a person's look first). */
export function parsePairsCsv(text: string, source: string): MergePair[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text.replace(/^\uFEFF/, ""), { columns: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    throw new Error(`${source}: not a pairs file (CSV): ${(err as Error).message}`);
  }
  const out: MergePair[] = [];
  rows.forEach((r, i) => {
    const line = i + 2;
    if (!("left_id" in r) || !("right_id" in r) || !("match" in r)) throw new Error(`${source}: needs the columns left_id,right_id,score,match,explanation of vitals dedupe (line 1)`);
    if (r.match !== "match") return;
    for (const k of ["left_id", "right_id"]) if (!isGuid(r[k])) throw new Error(`${source}, line ${line}: ${k} '${r[k]}' is not a record id (GUID); export the records with their ${"<table>id"} column as the id`);
    out.push({ leftId: r.left_id.toLowerCase(), rightId: r.right_id.toLowerCase(), probability: Number(r.score) || 0, explanation: r.explanation ?? "" });
  });
  return out;
}

/** Runs the matcher over the table's active records: its "match" pairs with their explanation. */
async function matcherPairs(gateway: DataverseGateway, table: DuplicateTable): Promise<MergePair[]> {
  const records: MatchRecord[] = [];
  for await (const page of gateway.streamTable({ table, columns: columnsOf(table), filter: f.eq("statecode", 0) })) {
    for (const r of page.rows) records.push({ id: String(r[`${table}id`]).toLowerCase(), values: r });
  }
  return deduplicate({ table, records })
    .pairs.filter((p) => p.decision === "match" && !p.splitByClustering)
    .map((p) => ({ leftId: p.left.id, rightId: p.right.id, probability: p.probability, explanation: formatExplanation(p.explanation) }));
}

export async function makeMergePlan(o: MergePlanOptions): Promise<MergePlanResult> {
  const table = o.table;
  if (!(MERGEABLE_TABLES as readonly string[]).includes(table)) throw new Error(`--merge: ${table} records cannot be merged; Dataverse merges account, contact and lead`);
  if (!o.gateway.readVersioned) throw new Error("this connection cannot read ETags; merge plans need the Web API gateway");
  const me = await o.gateway.whoAmI();
  o.onProgress?.(o.pairs ? "reading the pairs' records" : "matching");
  const pairs = o.pairs ?? (await matcherPairs(o.gateway, table as DuplicateTable));
  const ids = [...new Set(pairs.flatMap((p) => [p.leftId, p.rightId]))];
  const columns = [...new Set([...MERGE_COLUMNS[table], NAME[table], "createdon", "statecode"])];
  const rows: Map<string, VersionedRow> = ids.length ? await o.gateway.readVersioned(table, ids, columns) : new Map<string, VersionedRow>();
  const active = [...rows.entries()].filter(([, v]) => v.row.statecode === 0);
  const activity: Map<string, RelatedFacts> = o.masterRule === "recent" && active.length ? await o.gateway.fetchRelatedFacts({ table, ids: active.map(([id]) => id), facts: { lastActivityOn: true } }) : new Map<string, RelatedFacts>();
  const candidates = new Map<string, MergeCandidate>(
    active.map(([id, v]) => [id, { id, name: String(v.row[NAME[table]] ?? id), values: v.row, createdOn: typeof v.row.createdon === "string" ? v.row.createdon : null, lastActivityOn: activity.get(id)?.lastActivityOn ?? null }]),
  );
  const proposed = proposeMerges(table, pairs, candidates, o.masterRule);
  const merges: MergePlanEntry[] = proposed.proposals.map((p) => ({ ...p, masterEtag: rows.get(p.masterId)!.etag, subordinateEtag: rows.get(p.subordinateId)!.etag, include: true, swap: false }));
  const plan: FixPlan = { ...newPlan(me.userId, o.pack, o.now, { tables: [table], rules: [`${table}.duplicate`] }), merges, ...(o.performParentingChecks ? { performParentingChecks: true } : {}) };
  return { plan, skipped: proposed.skipped };
}
