/**
 * Reads records the way an audit does (the audit's own table plan: columns, related facts,
 * waivers) and scores them with the engine, a page at a time. Used by the fix planner over a
 * whole scope and by apply/undo to re-score the records they changed. Read-only.
 */
import { planTable } from "../audit/plan";
import { loadWaivers } from "../audit/waivers";
import { dimensionScores } from "../audit/health";
import type { CompiledPack } from "../engine/score";
import { DIMENSIONS, type EngineRecord, type RecordScore } from "../engine/types";
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { chunkIdsForIn, f, guid, type Filter } from "../dataverse/requests";
import type { RecordScoreSnapshot, TableScores } from "./model";

export interface ScoredPage {
  table: string;
  rows: Row[];
  records: EngineRecord[];
  scores: RecordScore[];
}

export interface ScanOptions {
  gateway: DataverseGateway;
  compiled: CompiledPack;
  table: string;
  now: Date;
  filter?: Filter;
  /** Only these records (chunked into `In` filters). */
  ids?: readonly string[];
  waivers?: Map<string, Set<string>>;
  signal?: AbortSignal;
}

/** Every record of the table (or the ids) scored, one page at a time. */
export async function* scanScored(o: ScanOptions): AsyncGenerator<ScoredPage> {
  const plan = planTable(o.compiled, o.table);
  const idCol = `${o.table}id`;
  const waivers = o.waivers ?? (await loadWaivers(o.gateway, o.now)).inForce;
  const filters: (Filter | undefined)[] = o.ids ? chunkIdsForIn(idCol, o.ids).map((c) => f.and(o.filter, f.in(idCol, c.map(guid)))) : [o.filter];
  for (const filter of filters) {
    for await (const page of o.gateway.streamTable({ table: o.table, columns: plan.columns, filter, signal: o.signal })) {
      const ids = page.rows.map((r) => String(r[idCol]).toLowerCase());
      const facts = await o.gateway.fetchRelatedFacts({ table: o.table, ids, facts: plan.facts, rows: page.rows });
      const records = page.rows.map((row, i): EngineRecord => ({ table: o.table, id: ids[i], values: row, related: { ...(facts.get(ids[i]) ?? {}) } }));
      const scores = records.map((r) => o.compiled.score(r, { now: o.now, waivedRuleIds: waivers.get(`${o.table}|${r.id}`) }));
      yield { table: o.table, rows: page.rows, records, scores };
    }
  }
}

export function snapshotOf(s: RecordScore): RecordScoreSnapshot {
  return { score: s.score, dimensions: dimensionScores(s) };
}

export function emptyTableScores(): TableScores {
  return { records: 0, overall: null, dimensions: {}, sums: { overall: { n: 0, sum: 0 }, dimensions: {} } };
}

/** Adds (sign 1) or takes out (sign -1) one record's scores. */
export function addScores(t: TableScores, s: RecordScoreSnapshot, sign: 1 | -1 = 1): void {
  t.records += sign;
  if (s.score !== null) {
    t.sums.overall.n += sign;
    t.sums.overall.sum += sign * s.score;
  }
  for (const d of DIMENSIONS) {
    const v = s.dimensions[d];
    if (v === undefined || v === null) continue;
    const acc = (t.sums.dimensions[d] ??= { n: 0, sum: 0 });
    acc.n += sign;
    acc.sum += sign * v;
  }
  const mean = (x: { n: number; sum: number }): number | null => (x.n > 0 ? Math.round((10 * x.sum) / x.n) / 10 : null);
  t.overall = mean(t.sums.overall);
  t.dimensions = Object.fromEntries(Object.entries(t.sums.dimensions).map(([d, x]) => [d, mean(x)]));
}

/** The scores after replacing the given records' old snapshots with new ones. */
export function replaceScores(before: TableScores, changes: readonly { old: RecordScoreSnapshot; now: RecordScoreSnapshot }[]): TableScores {
  const t: TableScores = JSON.parse(JSON.stringify(before)) as TableScores;
  for (const c of changes) {
    addScores(t, c.old, -1);
    addScores(t, c.now, 1);
  }
  return t;
}
