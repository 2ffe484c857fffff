/**
 * The last phase of an audit, finish: coverage (how much of the scope the caller could read),
 * Dataverse's own duplicate-detection rules judged, the aggregates reported and the run row marked
 * completed with them; or, when the run stopped, the row marked failed (keeping its checkpoint so
 * it can be resumed) or cancelled.
 *
 * Failure modes: a run row that cannot be completed throws; recording a failure never hides the
 * error that caused it (the original error is rethrown; only cancellation returns a result).
 */
import { gradeFor, type CompiledPack } from "../engine/score";
import { auditDuplicateRules, type DuplicateRuleConditionRow, type DuplicateRuleFinding, type DuplicateRuleRow } from "../engine/duplicates";
import type { CoverageReport, DataverseGateway } from "../dataverse/gateway";
import { DataverseError } from "../dataverse/errors";
import { reportAggregates } from "./aggregates";
import type { RunTracker } from "./checkpoint";
import { readAll } from "./readall";
import { RunRowChangedError } from "./runrow";
import { GRADE_VALUE, HEALTH_FORMAT, RUN_STATUS } from "./model";
import { scopeFilter, type TablePlan } from "./plan";
import { AuditCancelledError, type AuditOptions, type AuditResult, type AuditScope, type RunCheckpoint } from "./types";

/** Coverage, aggregates and status: the run row marked completed, and the result. */
export async function completeRun(run: RunTracker, opts: AuditOptions, plans: TablePlan[], compiled: CompiledPack, ruleFindings?: Promise<DuplicateRuleFinding[]>): Promise<AuditResult> {
  const { gateway, scope } = opts;
  const cp = run.cp;
  run.progress("finishing", null);
  const coverage = await coverageOf(plans, cp, scope, opts.privileged);
  const duplicateRules = await (ruleFindings ?? duplicateRuleFindingsOf(gateway, scope));
  const report = reportAggregates(run.state);
  const finishedOn = run.finishedOn(opts.now);
  const overallGrade = report.overall.average === null ? null : gradeFor(report.overall.average, compiled.pack.gradeBands);
  await run.row.write({
    vit_status: RUN_STATUS.completed,
    vit_finishedon: finishedOn,
    vit_recordsscanned: cp.scanned,
    vit_recordschanged: cp.changed,
    vit_overallscore: report.overall.average,
    vit_overallgrade: overallGrade ? GRADE_VALUE[overallGrade] : null,
    vit_aggregates: JSON.stringify({ report, state: run.state, coverage, retired: cp.retired, duplicateRules, healthFormat: HEALTH_FORMAT }),
    vit_requestsmade: run.requestsSoFar(),
    vit_throttledcount: run.throttledSoFar(),
    vit_checkpoint: null,
  });
  run.progress("done", null);
  return resultOf(run, scope, { status: "completed", finishedOn, report, coverage, duplicateRules });
}

/** Records how the run stopped; rethrows the error unless the run was cancelled, which returns a result. */
export async function stopRun(run: RunTracker, opts: AuditOptions, err: unknown): Promise<AuditResult> {
  const cp = run.cp;
  const cancelled = err instanceof AuditCancelledError || opts.signal?.aborted === true;
  const message = err instanceof Error ? err.message : String(err);
  // Record the outcome; a run that failed keeps its checkpoint so it can be resumed. A run row
  // another process took over is left as that process saved it.
  if (!(err instanceof RunRowChangedError)) {
    await run.row
      .write({
        vit_status: cancelled ? RUN_STATUS.cancelled : RUN_STATUS.failed,
        vit_finishedon: run.finishedOn(opts.now),
        vit_error: cancelled ? null : message.slice(0, 4000),
        vit_recordsscanned: cp.scanned,
        vit_recordschanged: cp.changed,
        vit_requestsmade: run.requestsSoFar(),
        vit_throttledcount: run.throttledSoFar(),
      })
      .catch(() => undefined);
  }
  if (!cancelled) throw err;
  return resultOf(run, opts.scope, { status: "cancelled", finishedOn: new Date().toISOString(), report: reportAggregates(run.state), coverage: [], duplicateRules: [] });
}

/** The result, its fields in the order callers have always printed them. */
function resultOf(run: RunTracker, scope: AuditScope, end: Pick<AuditResult, "status" | "finishedOn" | "report" | "coverage" | "duplicateRules">): AuditResult {
  const { cp, opened } = run;
  return {
    runId: run.runId,
    status: end.status,
    mode: cp.mode,
    fullBecause: opened.fullBecause,
    resumed: opened.resumed,
    scope,
    packVersion: opened.packKey,
    startedOn: opened.startedOn,
    finishedOn: end.finishedOn,
    recordsScanned: cp.scanned,
    recordsChanged: cp.changed,
    healthRowsRetired: cp.retired,
    requests: run.requestsSoFar(),
    throttled: run.throttledSoFar(),
    retried: run.retriedSoFar(),
    report: end.report,
    coverage: end.coverage,
    duplicateRules: end.duplicateRules,
  };
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
/** Dataverse's duplicate-detection rules judged for the scope (none for a partition: its run judges them). */
export function duplicateRuleFindingsOf(gateway: DataverseGateway, scope: AuditScope): Promise<DuplicateRuleFinding[]> {
  return scope.createdOn ? Promise.resolve([]) : duplicateRuleFindings(gateway, scope.tables);
}

async function duplicateRuleFindings(gateway: DataverseGateway, tables: readonly string[]): Promise<DuplicateRuleFinding[]> {
  const judged = tables.filter((t) => t === "account" || t === "contact" || t === "lead");
  if (judged.length === 0) return [];
  try {
    // Both in one request (readall.ts).
    const [rules, conditions] = await Promise.all([
      readAll(gateway, "duplicaterule", ["name", "baseentityname", "matchingentityname", "statecode", "statuscode", "iscasesensitive", "excludeinactiverecords"], [undefined], "duplicate detection rules"),
      readAll(gateway, "duplicaterulecondition", ["_regardingobjectid_value", "baseattributename", "matchingattributename", "operatorcode", "operatorparam", "ignoreblankvalues"], [undefined], "duplicate detection rule conditions"),
    ]) as unknown as [DuplicateRuleRow[], DuplicateRuleConditionRow[]];
    return auditDuplicateRules(rules, conditions, { tables: judged });
  } catch (err) {
    if (err instanceof DataverseError && (err.status === 403 || err.status === 401)) return [];
    throw err;
  }
}
