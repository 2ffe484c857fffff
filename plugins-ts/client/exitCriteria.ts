/**
 * Stage exit criteria against values, as the engine judges them: the panel's readiness checklist
 * and the form script's save / next-stage check both ask here. Pure.
 */
import type { ColumnValue, Finding, ProcessDefinition } from "../engine";
import type { ExitCriterion } from "../engine/pack/types";

function isEmpty(v: ColumnValue | undefined): boolean {
  return v === null || v === undefined || (typeof v === "string" && v.trim() === "");
}

/** Whether an exit criterion is met by a value (engine semantics: filled, not false, or equal to `equals`); null when not fetched. */
export function criterionMet(e: ExitCriterion, v: ColumnValue | undefined): boolean | null {
  if (v === undefined) return null;
  return e.equals !== undefined ? v === e.equals : !isEmpty(v) && v !== false;
}

/**
 * Exit criteria of the stages before `stage` that `valueOf` does not meet, as "Label (Stage)";
 * null when the process has no such stage.
 */
export function missingBefore(process: ProcessDefinition | null | undefined, stage: string, valueOf: (column: string) => ColumnValue | undefined): string[] | null {
  const at = process ? process.stages.findIndex((s) => s.name === stage) : -1;
  if (!process || at < 0) return null;
  return process.stages.slice(0, at).flatMap((s) => s.exitCriteria.filter((e) => criterionMet(e, valueOf(e.column)) === false).map((e) => `${e.label} (${s.name})`));
}

/** Critical failures that are not waived (what the form script names in its notification). */
export function criticalFailures(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.outcome === "failed" && !f.waived && f.severity === "critical");
}
