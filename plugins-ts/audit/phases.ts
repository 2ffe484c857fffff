/**
 * The phases an audit goes through for each table in scope, in order: finish a page whose writes
 * were interrupted (redo), the records (all of them, or those modified since the last run), the
 * revisits (incremental runs: records whose waivers changed or whose revisit time has passed), and
 * the health rows of records that are gone. Each phase moves the run's checkpoint so a run killed
 * at any point resumes where it stopped without counting a page twice.
 *
 * Failure modes: a cancelled signal throws AuditCancelledError between pages; write and checkpoint
 * failures propagate (the caller records the run as failed, keeping its checkpoint).
 */
import type { DataverseGateway, Row, StreamTableOptions } from "../dataverse/gateway";
import { chunkIdsForIn, f } from "../dataverse/requests";
import type { RunTracker } from "./checkpoint";
import { STATECODE_ACTIVE, str } from "./model";
import { applyResult, goneStream, healthUpserts, readRecordsById, recordsStream, redoPage, retireGone, scorePage, writeHealth, type PageContext, type StreamContext } from "./pages";
import { primaryId } from "./plan";
import { SideBySide } from "./sidebyside";
import { AuditCancelledError, type AuditOptions, type AuditScope, type RunCheckpoint } from "./types";

/** What the phases of one table need besides the page context. */
export interface TableRun {
  run: RunTracker;
  ctx: PageContext;
  scope: AuditScope;
  /** Records whose waivers changed since the last run: table → ids (incremental runs). */
  waiversChanged: Map<string, Set<string>>;
  signal?: AbortSignal;
  afterPage?: AuditOptions["afterPage"];
  /** Where the phases take their streams: started side by side with the other tables' (sidebyside.ts), or their own. */
  streams: Pick<SideBySide, "stream">;
}

/** The stream of the revisits due: health rows of the table whose revisit time has passed. */
export function revisitsStream(ctx: StreamContext, signal?: AbortSignal): StreamTableOptions {
  const dueFilter = f.and(f.eq("vit_table", ctx.plan.table), f.eq("statecode", STATECODE_ACTIVE), f.le("vit_revisitafter", ctx.now));
  return { table: "vit_recordhealth", columns: ["vit_recordid"], filter: dueFilter, pageSize: ctx.pageSize, signal };
}

/**
 * Starts, side by side, the streams of every phase of every table the checkpoint has not begun
 * yet, so their first pages go in one $batch (sidebyside.ts). Incremental runs only: a full run
 * reads whole tables, one page held at a time.
 */
export function startSideBySide(gateway: DataverseGateway, contexts: readonly StreamContext[], cp: RunCheckpoint, scope: AuditScope, signal?: AbortSignal): SideBySide {
  const s = new SideBySide(gateway);
  const order = ["records", "revisits", "gone"] as const;
  contexts.forEach((ctx, i) => {
    if (i < cp.tableIndex) return;
    const table = ctx.plan.table;
    // The current table's phase already begun (or a page to redo) keeps its own checkpointed stream.
    const notBegun = (phase: (typeof order)[number]): boolean => i > cp.tableIndex || order.indexOf(phase) > order.indexOf(cp.phase) || (phase === cp.phase && cp.stream === null && !cp.redo);
    if (notBegun("records")) s.start(table, "records", recordsStream(ctx, cp, scope, signal));
    if (notBegun("revisits")) s.start(table, "revisits", revisitsStream(ctx, signal));
    const gone = goneStream(ctx);
    if (gone && !scope.createdOn?.from && notBegun("gone")) s.start(table, "gone", gone);
  });
  return s;
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AuditCancelledError();
}

/** Runs every phase of one table that the checkpoint has not passed yet. */
export async function auditTable(t: TableRun): Promise<void> {
  const { run, ctx, scope } = t;
  const cp = run.cp;
  // Finish a page whose writes were interrupted.
  if (cp.redo) {
    cp.changed += await redoPage(ctx, cp, scope);
    cp.redo = null;
    await run.saveCheckpoint();
  }
  if (cp.phase === "records") await recordsPhase(t);
  if (cp.phase === "revisits") await revisitsPhase(t);
  if (cp.phase === "gone") await gonePhase(t);
}

async function recordsPhase({ run, ctx, scope, signal, afterPage, streams }: TableRun): Promise<void> {
  const cp = run.cp;
  const table = ctx.plan.table;
  for await (const page of streams.stream(table, "records", { ...recordsStream(ctx, cp, scope, signal), resumeFrom: cp.stream ?? undefined })) {
    checkCancelled(signal);
    if (page.rows.length === 0) continue;
    const result = await scorePage(ctx, page.rows);
    applyResult(run.state, result);
    cp.readByTable[table] = (cp.readByTable[table] ?? 0) + page.rows.length;
    cp.redo = { from: cp.stream, phase: "records" };
    cp.stream = page.checkpoint;
    cp.scanned += page.rows.length;
    cp.pages++;
    // The checkpoint first, the health rows after it in the same $batch: they run only once it is
    // saved (gateway.writeFirst), so it is durable no later than they are.
    const sent = await run.saveCheckpoint(result.writes.length ? healthUpserts(result.writes) : undefined);
    cp.changed += await writeHealth(ctx, result.writes, sent);
    cp.redo = null;
    run.progress("records", table);
    await afterPage?.({ table, phase: "records", pages: cp.pages });
  }
  cp.phase = cp.mode === "incremental" ? "revisits" : "gone";
  cp.stream = null;
}

async function revisitsPhase({ run, ctx, scope, waiversChanged, signal, afterPage, streams }: TableRun): Promise<void> {
  const cp = run.cp;
  const table = ctx.plan.table;
  // Records whose waivers changed since the last run: few; scored first, idempotent on resume.
  const waived = [...(waiversChanged.get(table) ?? [])];
  for (const ids of chunkIdsForIn(primaryId(table), waived)) {
    checkCancelled(signal);
    const rows = await readRecordsById(ctx, ids, scope);
    const result = await scorePage(ctx, rows);
    applyResult(run.state, result);
    cp.scanned += rows.length;
    cp.changed += await writeHealth(ctx, result.writes);
  }
  for await (const page of streams.stream(table, "revisits", { ...revisitsStream(ctx, signal), resumeFrom: cp.stream ?? undefined })) {
    checkCancelled(signal);
    if (page.rows.length === 0) continue;
    const ids = page.rows.map((r) => str(r.vit_recordid)).filter((x): x is string => x !== null);
    const rows: Row[] = [];
    for (const chunk of chunkIdsForIn(primaryId(table), ids)) rows.push(...(await readRecordsById(ctx, chunk, scope)));
    const result = await scorePage(ctx, rows);
    // Our own writes move these rows out of the "due" query, so a re-read could not find this
    // page again: write first, then count and checkpoint (see docs/audits.md, "Interruptions").
    cp.changed += await writeHealth(ctx, result.writes);
    applyResult(run.state, result);
    cp.stream = page.checkpoint;
    cp.scanned += rows.length;
    cp.pages++;
    await run.saveCheckpoint();
    run.progress("revisits", table);
    await afterPage?.({ table, phase: "revisits", pages: cp.pages });
  }
  cp.phase = "gone";
  cp.stream = null;
}

async function gonePhase({ run, ctx, scope, streams }: TableRun): Promise<void> {
  const cp = run.cp;
  // A run split into partitions retires gone rows once per table: in the partition that starts at the beginning.
  if (scope.createdOn?.from) return;
  const retired = await retireGone(ctx, run.state, cp.mode === "incremental", streams);
  cp.retired += retired;
  // A checkpoint only when this table's last pages or retirements are not saved yet.
  if (retired > 0 || cp.pages > run.savedPages) await run.saveCheckpoint();
  run.progress("gone", ctx.plan.table);
}
