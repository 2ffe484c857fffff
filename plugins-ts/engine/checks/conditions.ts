/**
 * Evaluates a rule's `when` (and `requiredWhen`'s `if`) on a record. Three-valued: `undefined`
 * means a column or fact the condition needs was not fetched, so the rule is not evaluated.
 */
import type { ColumnValue, EngineRecord } from "../types";
import type { Condition, ProcessDefinition } from "../pack/types";
import { isEmptyValue } from "./common";

export type Tri = boolean | undefined;

function same(a: ColumnValue | undefined, b: ColumnValue): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null) return false;
  return String(a).toLowerCase() === String(b).toLowerCase();
}

export function conditionInputs(c: Condition, columns: Set<string>, facts: Set<"stage">): void {
  if ("all" in c) c.all.forEach((x) => conditionInputs(x, columns, facts));
  else if ("any" in c) c.any.forEach((x) => conditionInputs(x, columns, facts));
  else if ("not" in c) conditionInputs(c.not, columns, facts);
  else if ("stageIn" in c || "stageAtLeast" in c) facts.add("stage");
  else columns.add(c.column);
}

export function evaluateCondition(c: Condition, record: EngineRecord, process: ProcessDefinition | undefined): Tri {
  if ("all" in c) {
    let unknown = false;
    for (const x of c.all) {
      const r = evaluateCondition(x, record, process);
      if (r === false) return false;
      if (r === undefined) unknown = true;
    }
    return unknown ? undefined : true;
  }
  if ("any" in c) {
    let unknown = false;
    for (const x of c.any) {
      const r = evaluateCondition(x, record, process);
      if (r === true) return true;
      if (r === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  }
  if ("not" in c) {
    const r = evaluateCondition(c.not, record, process);
    return r === undefined ? undefined : !r;
  }
  if ("stageIn" in c || "stageAtLeast" in c) {
    const stage = record.related?.stage;
    if (stage === undefined) return undefined;
    if (stage === null) return false;
    if ("stageIn" in c) return c.stageIn.includes(stage.name);
    const stages = process?.stages ?? [];
    const at = stages.findIndex((s) => s.name === stage.name);
    const target = stages.findIndex((s) => s.name === c.stageAtLeast);
    return at >= 0 && target >= 0 && at >= target;
  }
  const v = record.values[c.column];
  if (v === undefined) return undefined;
  if ("equals" in c) return same(v, c.equals);
  if ("notEquals" in c) return !same(v, c.notEquals);
  if ("in" in c) return c.in.some((x) => same(v, x));
  return isEmptyValue(v) === c.isEmpty;
}

/** A condition in words, for expected texts and docs. */
export function describeCondition(c: Condition): string {
  if ("all" in c) return c.all.map(describeCondition).join(" and ");
  if ("any" in c) return `(${c.any.map(describeCondition).join(" or ")})`;
  if ("not" in c) return `not (${describeCondition(c.not)})`;
  if ("stageIn" in c) return `stage is ${c.stageIn.join(" or ")}`;
  if ("stageAtLeast" in c) return `stage is ${c.stageAtLeast} or later`;
  if ("equals" in c) return `${c.column} = ${JSON.stringify(c.equals)}`;
  if ("notEquals" in c) return `${c.column} ≠ ${JSON.stringify(c.notEquals)}`;
  if ("in" in c) return `${c.column} in [${c.in.map((x) => JSON.stringify(x)).join(", ")}]`;
  return c.isEmpty ? `${c.column} is empty` : `${c.column} is filled`;
}
