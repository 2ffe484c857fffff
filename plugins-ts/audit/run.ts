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
 * aggregates as they will be after the page and a "redo" position (first in the `$batch` of the
 * health rows, which runs in order and stops at a failure: gateway.writeFirst). A run resumed after a crash
 * re-reads that page and rewrites whatever is missing (fingerprints make it idempotent) without
 * counting the page twice.
 *
 * The steps live in one file each: plan.ts (1, what each table needs), checkpoint.ts (2, resume or
 * open the run; checkpoints and progress), waivers-in-force.ts (3), phases.ts and pages.ts (4, the
 * phases of a table and the scoring and writing of one page; together.ts, every table of a small
 * incremental run in one step), finish.ts (5, completed, failed or cancelled). Failure modes: a scope without tables, a pack the audit cannot plan or a column the
 * organisation lacks throws before a run row exists; later errors mark the run failed and rethrow.
 */
import { compilePack } from "../engine/score";
import { openRun, RunTracker, estimateTotal, type RunStart } from "./checkpoint";
import { createDuplicateFinder, createTargetedDuplicateFinder, type DuplicateFinder } from "./duplicates";
import { completeRun, duplicateRuleFindingsOf, stopRun } from "./finish";
import type { PageContext } from "./pages";
import { auditTable, startSideBySide } from "./phases";
import { ownStreams, SideBySide } from "./sidebyside";
import { auditTogether, redoTogether } from "./together";
import { planAudit, type TablePlan } from "./plan";
import { ledgerProcess } from "./stages";
import type { AuditOptions, AuditResult, AuditScope } from "./types";
import { loadWaivers } from "./waivers";
import { waiverRecordsChangedSince } from "./waivers-in-force";

export type { DuplicateFinder } from "./duplicates";
export type { AuditOptions, AuditPhase, AuditProgress, AuditResult, AuditScope, RunCheckpoint } from "./types";
export { AuditCancelledError } from "./types";
export { CLOCK_SKEW_MARGIN_MS } from "./checkpoint";
export { packVersionKey } from "./plan";
export { parseScopeKey, scopeKey } from "./scope";

/** Runs (or resumes) an audit. Never throws for data problems: a failed run is recorded as failed. */
export async function runAudit(opts: AuditOptions): Promise<AuditResult> {
  const { gateway, pack, scope, now } = opts;
  const compiled = compilePack(pack);
  const start: RunStart = { at: Date.now(), stats: gateway.stats() };
  if (scope.tables.length === 0) throw new Error("the audit scope names no table");

  // 1. Plan: what every table needs, checked against the organisation's metadata before any data is read.
  const plans = await planAudit(gateway, compiled, scope);
  // 2. Resume and checkpoint: a run to resume, or a new one. Waivers in force and Dataverse's
  // duplicate rules are read meanwhile (the first reads go in one $batch, webapi/coalesce.ts).
  const pageSize = opts.pageSize ?? 5000;
  const early = Promise.all([loadWaivers(gateway, now), duplicateRuleFindingsOf(gateway, scope)]);
  early.catch(() => undefined); // awaited below, unless opening the run failed first
  const opened = await openRun(opts);
  const estimated = await estimateTotal(gateway, opened.cp.mode, scope);
  const run = new RunTracker(gateway, opened, start, estimated, plans.length, opts.onProgress, opts.checkpointColumns);
  const cp = run.cp;
  // An incremental run's tables side by side: every phase's stream started now, their first pages
  // in one $batch with the records whose waivers changed (sidebyside.ts).
  const streams = cp.mode === "incremental" ? startSideBySide(gateway, plans.map((plan) => ({ plan, pageSize, now })), cp, scope, opts.signal) : ownStreams(gateway);
  // 3. Waivers in force, and (incremental) the records whose waivers changed.
  // Only waivers a real approver decided count; the others are listed (waivers.ts).
  const [[{ inForce: waivers, invalid: invalidWaivers }, ruleFindings], waiversChanged] = await Promise.all([
    early,
    cp.mode === "incremental" && cp.since ? waiverRecordsChangedSince(gateway, cp.since, now) : new Map<string, Set<string>>(),
  ]);
  const duplicates = duplicateFinderFor(opts, cp.mode, cp.since, keyedTables(plans, scope));

  run.progress("preparing", null);
  try {
    // 4. Page scoring and writes, table by table, phase by phase (see phases.ts).
    const contexts = plans.map((plan): PageContext => ({ gateway, compiled, plan, now, nowIso: now.toISOString(), runId: run.runId, packKey: opened.packKey, waivers, incremental: cp.mode === "incremental", duplicates, pageSize, stages: ledgerProcess(opts.pack, plan.table) }));
    // A small incremental run: every table in one step (together.ts); a run resumed in that step finishes it.
    if (cp.together) await redoTogether({ run, contexts, scope, signal: opts.signal });
    else if (streams instanceof SideBySide) await auditTogether({ run, contexts, scope, waiversChanged, streams, signal: opts.signal, afterPage: opts.afterPage });
    for (; cp.tableIndex < plans.length; cp.tableIndex++, cp.phase = "records", cp.stream = null) {
      await auditTable({ run, ctx: contexts[cp.tableIndex], scope, waiversChanged, signal: opts.signal, afterPage: opts.afterPage, streams });
    }
    // 5. Finish: coverage, aggregates, status.
    return { ...(await completeRun(run, opts, plans, compiled, Promise.resolve(ruleFindings))), invalidWaivers };
  } catch (err) {
    return { ...(await stopRun(run, opts, err)), invalidWaivers };
  }
}

/** Likely duplicates: the caller's finder, none, a targeted lookup per page (incremental) or a whole-table matcher (full). */
function duplicateFinderFor(opts: AuditOptions, mode: "full" | "incremental", since: string | null, keyed: string[]): DuplicateFinder | undefined {
  if (typeof opts.duplicates === "function") return opts.duplicates;
  if (opts.duplicates === false) return undefined;
  const region = opts.pack.defaultRegion;
  return mode === "incremental" ? createTargetedDuplicateFinder(opts.gateway, { region, since, keyedTables: keyed }) : createDuplicateFinder(opts.gateway, { region });
}

/**
 * The tables whose health rows all carry match keys: those in scope whose matching columns the
 * audit reads, when the scope takes every record (no owner, team, business unit or creation date):
 * an incremental run's targeted finder looks their records up by key (duplicates.ts).
 */
function keyedTables(plans: readonly TablePlan[], scope: AuditScope): string[] {
  if (scope.ownerId || scope.teamId || scope.businessUnitId || scope.createdOn?.from || scope.createdOn?.to) return [];
  return plans.filter((p) => p.wantsDuplicates).map((p) => p.table);
}
