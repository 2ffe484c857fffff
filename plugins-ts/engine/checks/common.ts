/** Building blocks shared by every check implementation. */
import type { ColumnValue, EngineRecord, Outcome, RelatedFacts } from "../types";
import type { Check, ProcessDefinition, RulePack } from "../pack/types";

export const DAY_MS = 86_400_000;

/** What a check needs from callers, so a gateway can `$select` and fetch exactly that. */
export interface CheckInputs {
  columns: string[];
  facts: (keyof RelatedFacts)[];
  /** Columns of related records, by lookup name (e.g. parentcustomerid → [websiteurl]). */
  parentColumns?: Record<string, string[]>;
}

/** The verdict of one check on one record, before it becomes a Finding. */
export interface CheckResult {
  outcome: Outcome | "notApplicable";
  observed: string;
  /** `observed` without its clock-dependent parts, when it has any. */
  stable?: string;
  /** Overrides the compiled `expected` text when the expectation depends on the record. */
  expected?: string;
  reason?: string;
  /** Epoch ms at which this outcome flips by the clock alone. */
  revisitAt?: number;
}

export interface EvalContext {
  now: number;
  pack: RulePack;
  process?: ProcessDefinition;
}

export interface CompiledCheck {
  inputs: CheckInputs;
  /** What the rule expects, quoting its thresholds. */
  expected: string;
  evaluate(record: EngineRecord, ctx: EvalContext): CheckResult;
}

export type CheckCompiler<C extends Check = Check> = (check: C, pack: RulePack, table: string) => CompiledCheck;

export function isEmptyValue(v: ColumnValue | undefined): boolean {
  return v === null || v === undefined || (typeof v === "string" && v.trim() === "");
}

export function notFetched(column: string): CheckResult {
  return { outcome: "notEvaluated", observed: "(not fetched)", reason: `column "${column}" was not fetched` };
}

export function factNotFetched(fact: string): CheckResult {
  return { outcome: "notEvaluated", observed: "(not fetched)", reason: `related fact "${fact}" was not fetched` };
}

export function noValue(column: string): CheckResult {
  return { outcome: "notEvaluated", observed: "", reason: `"${column}" is empty; nothing to check (completeness rules cover empty columns)` };
}

const MAX_OBSERVED = 120;
/** A value as a person reads it, shortened for display. */
export function show(v: ColumnValue | undefined): string {
  if (v === undefined) return "(not fetched)";
  if (v === null) return "";
  const s = typeof v === "string" ? v : String(v);
  return s.length > MAX_OBSERVED ? `${s.slice(0, MAX_OBSERVED - 1)}…` : s;
}

/** The lookup's GUID column as the Web API names it. */
export function lookupValueColumn(lookup: string): string {
  return `_${lookup}_value`;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses a Web API date value; date-only values stand for the whole day (UTC). */
export function parseDate(v: ColumnValue | undefined): { start: number; end: number } | null {
  if (typeof v !== "string" || !ISO_LIKE.test(v.trim())) return null;
  const s = v.trim();
  const t = Date.parse(DATE_ONLY.test(s) ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(t)) return null;
  return DATE_ONLY.test(s) ? { start: t, end: t + DAY_MS } : { start: t, end: t };
}

const dayNames = new Map<number, string>();
/** "2026-11-23" for an instant; memoised per day (formatting dates is a hot path in audits). */
export function isoDay(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let s = dayNames.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayNames.size > 200_000) dayNames.clear();
    dayNames.set(day, s);
  }
  return s;
}

export function daysBetween(fromMs: number, toMs: number): number {
  return Math.floor((toMs - fromMs) / DAY_MS);
}

/** "2025-03-01 (267 days ago)" / "2026-12-01 (in 8 days)". */
export function showDate(ms: number, now: number): string {
  const d = daysBetween(ms, now);
  const rel = d === 0 ? "today" : d > 0 ? `${d} day${d === 1 ? "" : "s"} ago` : `in ${-d} day${d === -1 ? "" : "s"}`;
  return `${isoDay(ms)} (${rel})`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function notADate(column: string, v: ColumnValue | undefined): CheckResult {
  return { outcome: "notEvaluated", observed: show(v), reason: `"${column}" is not a date (expected ISO-8601)` };
}
