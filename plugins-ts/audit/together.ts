/**
 * An incremental run's tables scored together, when it is small: every table's modified records,
 * revisits due and gone health rows fit in the first page of their streams (started side by side,
 * sidebyside.ts). Then the whole run is one step instead of three phases a table: the revisits'
 * and changed waivers' records are read by id together, every table's page is scored at once (so
 * the gateway sends their related facts, stored health rows and duplicate candidates in one
 * `$batch`, and the facts that depend on those in one more), then the checkpoint and every
 * table's changed health rows go in one `$batch` (the checkpoint first, as for a page: phases.ts)
 * and gone ones are retired in one `updateMany`.
 * Requests no longer grow with the number of tables (bench/results/audit.md).
 *
 * Crash safety, as for a page (phases.ts): the checkpoint is saved with the aggregates as they
 * will be after the step, every table marked done and `together` listing the ids read by id; a run
 * resumed from it re-reads each table's first page of modified records and those ids, writes what
 * is missing (fingerprints make it idempotent) and retires gone rows still active, counting
 * nothing twice. Not taken (the phases run table by table, as before) when a run resumes from an
 * earlier checkpoint, a stream has more than one page, or more ids than `MAX_IDS` are to be read.
 *
 * Failure modes: reads and writes throw as in phases.ts (the run is marked failed and keeps its
 * checkpoint); a cancelled signal throws AuditCancelledError before the checkpoint is saved.
 */
import type { Row, WriteOutcome } from "../dataverse/gateway";
import { chunkIdsForIn } from "../dataverse/requests";
import { applyContribution } from "./aggregates";
import type { RunTracker } from "./checkpoint";
import { STATECODE_INACTIVE, str } from "./model";
import { applyResult, goneStream, healthUpserts, readRecordsById, recordsStream, scorePage, storedContribution, writeHealth, type PageContext, type PageResult } from "./pages";
import { primaryId } from "./plan";
import type { SideBySide } from "./sidebyside";
import { AuditCancelledError, type AuditOptions, type AuditScope } from "./types";

/** Most ids read by id in one step (revisits and changed waivers): they are listed in the checkpoint. */
export const MAX_IDS = 1000;

export interface Together {
  run: RunTracker;
  contexts: readonly PageContext[];
  scope: AuditScope;
  waiversChanged: Map<string, Set<string>>;
  streams: SideBySide;
  signal?: AbortSignal;
  afterPage?: AuditOptions["afterPage"];
}

interface TableStep {
  ctx: PageContext;
  records: Row[];
  /** Revisits and records whose waivers changed, not among `records`. */
  extraIds: string[];
  gone: Row[];
}

/** The step's tables, or null when the run is not small enough (or not fresh) to take them together. */
async function plan(t: Together): Promise<TableStep[] | null> {
  const cp = t.run.cp;
  if (cp.mode !== "incremental" || cp.redo || cp.together || cp.tableIndex !== 0 || cp.phase !== "records" || cp.stream !== null) return null;
  const steps: TableStep[] = [];
  let ids = 0;
  for (const ctx of t.contexts) {
    const table = ctx.plan.table;
    const [records, revisits, gone] = await Promise.all([t.streams.peek(table, "records"), t.streams.peek(table, "revisits"), t.streams.peek(table, "gone")]);
    if (!records || !revisits || records.more || revisits.more || gone?.more) return null;
    const idCol = primaryId(table);
    const have = new Set(records.rows.map((r) => String(r[idCol]).toLowerCase()));
    const extra = new Set<string>();
    for (const id of [...revisits.rows.map((r) => str(r.vit_recordid)), ...(t.waiversChanged.get(table) ?? [])]) {
      const key = id?.toLowerCase();
      if (key && !have.has(key)) extra.add(key);
    }
    ids += extra.size;
    steps.push({ ctx, records: records.rows, extraIds: [...extra], gone: gone?.rows ?? [] });
  }
  return ids > MAX_IDS ? null : steps;
}

async function readById(ctx: PageContext, ids: readonly string[], scope: AuditScope): Promise<Row[]> {
  const parts = await Promise.all(chunkIdsForIn(primaryId(ctx.plan.table), ids).map((chunk) => readRecordsById(ctx, chunk, scope)));
  return parts.flat();
}

/**
 * Scores every table's rows at once (their reads share `$batch`es) and writes the results; returns
 * the health rows changed. `save` runs between the two (the checkpoint, which may send the
 * upserts in its own `$batch` and return their outcomes: phases.ts).
 */
async function scoreAndWrite(steps: readonly TableStep[], rows: readonly Row[][], save: (results: PageResult[], writes: Row[]) => Promise<WriteOutcome[] | null>): Promise<number> {
  const none: PageResult = { writes: [], add: [], remove: [], writtenBefore: 0 };
  const results = await Promise.all(steps.map((s, i) => (rows[i].length ? scorePage(s.ctx, rows[i]) : Promise.resolve(none))));
  // Every table's health rows in one upsert: one table (vit_recordhealth), one alternate key.
  const writes = results.flatMap((r) => r.writes);
  const sent = await save(results, writes);
  const tables = steps.map((s) => s.ctx.plan.table).join(", ");
  return results.reduce((n, r) => n + r.writtenBefore, 0) + (await writeHealth(steps[0].ctx, writes, sent, tables));
}

/** Gone health rows deactivated in one updateMany; returns how many. */
async function retire(steps: readonly TableStep[]): Promise<number> {
  const updates = steps.flatMap((s) => s.gone.map((r): Row => ({ vit_recordhealthid: String(r.vit_recordhealthid), statecode: STATECODE_INACTIVE, statuscode: 2 })));
  if (updates.length === 0) return 0;
  const outcomes = await steps[0].ctx.gateway.updateMany("vit_recordhealth", updates);
  return outcomes.filter((o) => o.ok).length;
}

/**
 * Runs the whole incremental run as one step when it is small (see the header); returns false,
 * having changed nothing, when it is not.
 */
export async function auditTogether(t: Together): Promise<boolean> {
  const steps = await plan(t);
  if (!steps) return false;
  const { run, scope } = t;
  const cp = run.cp;
  const byId = await Promise.all(steps.map((s) => readById(s.ctx, s.extraIds, scope)));
  const rows = steps.map((s, i) => [...s.records, ...byId[i]]);
  const changed = await scoreAndWrite(steps, rows, async (results, writes) => {
    if (t.signal?.aborted) throw new AuditCancelledError();
    steps.forEach((s, i) => {
      const table = s.ctx.plan.table;
      applyResult(run.state, results[i]);
      for (const r of s.gone) applyContribution(run.state, storedContribution(table, r), -1);
      cp.readByTable[table] = (cp.readByTable[table] ?? 0) + s.records.length;
      cp.scanned += rows[i].length;
      cp.pages++;
    });
    // Counted: every table done, the ids read by id kept for a resumed run to rewrite what is missing.
    cp.together = Object.fromEntries(steps.map((s) => [s.ctx.plan.table, s.extraIds]));
    cp.tableIndex = t.contexts.length;
    cp.phase = "gone";
    // Nothing to write: nothing a resumed run would have to redo (the final run row saves the counts).
    if (writes.length === 0 && !steps.some((s) => s.gone.length)) return null;
    return run.saveCheckpoint(writes.length ? healthUpserts(writes) : undefined);
  });
  cp.changed += changed;
  cp.retired += await retire(steps);
  cp.together = null;
  for (const s of steps) run.progress("records", s.ctx.plan.table);
  await t.afterPage?.({ table: steps[steps.length - 1].ctx.plan.table, phase: "records", pages: cp.pages });
  return true;
}

/**
 * A run resumed after a crash in the step: each table's modified records (first page) and the ids
 * listed in the checkpoint scored again and whatever is missing written; gone rows still active
 * retired. The aggregates already count all of it.
 */
export async function redoTogether(t: Omit<Together, "streams" | "waiversChanged">): Promise<void> {
  const cp = t.run.cp;
  const ids = cp.together;
  if (!ids) return;
  const steps: TableStep[] = [];
  const rows: Row[][] = [];
  await Promise.all(
    t.contexts.map(async (ctx, i) => {
      const table = ctx.plan.table;
      if (!(table in ids)) return;
      let records: Row[] = [];
      for await (const page of ctx.gateway.streamTable(recordsStream(ctx, cp, t.scope))) {
        records = page.rows;
        break;
      }
      const goneOpts = goneStream(ctx);
      let gone: Row[] = [];
      if (goneOpts && !t.scope.createdOn?.from) for await (const page of ctx.gateway.streamTable(goneOpts)) gone = gone.concat(page.rows);
      steps[i] = { ctx, records, extraIds: ids[table], gone };
      rows[i] = [...records, ...(await readById(ctx, ids[table], t.scope))];
    }),
  );
  const present = steps.map((s, i) => [s, rows[i]] as const).filter(([s]) => s !== undefined);
  if (present.length) {
    cp.changed += await scoreAndWrite(
      present.map(([s]) => s),
      present.map(([, r]) => r),
      () => Promise.resolve(null),
    );
    cp.retired += await retire(present.map(([s]) => s));
  }
  cp.together = null;
}
