/**
 * The exit criteria of a process's stages, judged on one record's values: which criteria of the
 * stages before a given stage are not met. The stageExitCriteria check and the audit's stage
 * ledger (plugins-ts/audit/stages.ts) both use it, so "met" means the same thing everywhere.
 * Pure. A criterion whose column was not fetched makes the whole answer unknown.
 */
import type { StageDefinition } from "../pack/types";
import type { ColumnValue } from "../types";
import { isEmptyValue } from "./common";

export interface UnmetCriterion {
  /** The criterion's label, e.g. "Decision maker identified". */
  label: string;
  column: string;
  /** The stage whose exit the criterion guards. */
  stage: string;
}

export type ExitCriteriaResult = { unmet: UnmetCriterion[] } | { notFetched: string };

/** A criterion is met when its column equals `equals`, or (without `equals`) holds a value other than empty or false. */
export function criterionMet(value: ColumnValue, equals: ColumnValue | undefined): boolean {
  return equals !== undefined ? value === equals : !isEmptyValue(value) && value !== false;
}

/** The criteria of `stages[0 .. at-1]` that `values` does not meet, in process order. */
export function unmetExitCriteria(stages: readonly StageDefinition[], at: number, values: Readonly<Record<string, ColumnValue | undefined>>): ExitCriteriaResult {
  const unmet: UnmetCriterion[] = [];
  for (const s of stages.slice(0, Math.max(0, at))) {
    for (const e of s.exitCriteria) {
      const v = values[e.column];
      if (v === undefined) return { notFetched: e.column };
      if (!criterionMet(v, e.equals)) unmet.push({ label: e.label, column: e.column, stage: s.name });
    }
  }
  return { unmet };
}
