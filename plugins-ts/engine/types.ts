/**
 * The engine's contract. The engine is pure: callers hand it records and the related facts it
 * cannot read from a record itself, plus `now`; it never fetches and has no clock of its own.
 *
 * Column values follow the Dataverse Web API's JSON: strings, numbers, booleans, ISO-8601 date
 * strings, `null`; lookups as `_<column>_value` GUID strings; choices as integers.
 *
 * Presence matters:
 *  - a column that is absent from `values` (key not present) was not fetched: rules that need it
 *    are "not evaluated";
 *  - a column present with `null` (or an empty/whitespace string) is known to be empty: a
 *    `required` rule fails.
 * The same holds for `RelatedFacts`: `undefined` means "not fetched", `null` means "known: none".
 */

export const DIMENSIONS = [
  "completeness",
  "validity",
  "freshness",
  "consistency",
  "uniqueness",
  "process",
  "engagement",
  "ownership",
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const OUTCOMES = ["passed", "failed", "notEvaluated"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type Grade = "A" | "B" | "C" | "D" | "F";

/** A Dataverse column value as the Web API returns it. */
export type ColumnValue = string | number | boolean | null;

/** A related record (parent account, primary contact, …) as far as the engine needs it. */
export interface RelatedRecord {
  table: string;
  id: string;
  /** statecode 0 (Active) for most tables. */
  active: boolean;
  name?: string;
  /** Columns of the related record a rule may compare with (e.g. the account's `websiteurl`). */
  values?: Record<string, ColumnValue>;
}

/** A likely duplicate of the scored record, found by the matcher. */
export interface DuplicateCandidate {
  table: string;
  id: string;
  name?: string;
  /** Match probability 0..1. */
  score: number;
  /** Human-readable reason ("same email; surname Jaro-Winkler 0.97"). */
  reason: string;
}

/**
 * What the last activity-capture comparison (Microsoft Graph mail and calendars against the email
 * and appointment activities in Dataverse) found for a contact: `vit_activitygap` in Dataverse.
 */
export interface EngagementGapFact {
  /** Mail exchanged with the contact in the window that has no email activity in Dataverse. */
  unloggedEmails: number;
  /** Meetings with the contact in the window that have no appointment activity in Dataverse. */
  unloggedMeetings: number;
  /** Mail and meetings in the window that are logged. */
  loggedEmails: number;
  loggedMeetings: number;
  /** The window the comparison looked at, in days before `checkedOn`. */
  windowDays: number;
  /** When the comparison ran (ISO-8601). */
  checkedOn: string;
}

/** The business-process-flow stage a lead or opportunity is in. */
export interface StageFact {
  /** Stage name as in the pack's process definition (e.g. "Develop"). */
  name: string;
  /** When the record entered this stage (`activestagestartedon` of the BPF instance). */
  enteredOn: string | null;
}

/**
 * Facts about a record that live outside its own row. Callers fetch them in bulk (one query per
 * page of records), never per record. Every member: `undefined` = not fetched (rules that need it
 * are not evaluated), `null` = fetched and there is none.
 */
export interface RelatedFacts {
  /** Actual end of the most recent completed activity regarding the record (ISO-8601). */
  lastActivityOn?: string | null;
  /** Due date of the earliest open activity regarding the record (ISO-8601). */
  nextActivityDueOn?: string | null;
  /** Current BPF stage and when it was entered. */
  stage?: StageFact | null;
  /** Whether the owning user is enabled (`isdisabled = false`); teams count as enabled. */
  ownerEnabled?: boolean | null;
  /** Owner's display name, for messages. */
  ownerName?: string | null;
  /** Related records by lookup column name (`parentcustomerid`, `parentaccountid`, …). */
  parents?: Record<string, RelatedRecord | null>;
  /** Likely duplicates of this record. */
  duplicates?: DuplicateCandidate[] | null;
  /** Mail and meetings with the record (a contact) that are not logged; null = never compared. */
  engagementGap?: EngagementGapFact | null;
}

/** What the engine scores. */
export interface EngineRecord {
  table: string;
  id: string;
  values: Record<string, ColumnValue | undefined>;
  related?: RelatedFacts;
}

/** One rule's verdict on one record. */
export interface Finding {
  ruleId: string;
  outcome: Outcome;
  severity: Severity;
  dimension: Dimension;
  /** Columns (or facts, prefixed `@`, e.g. `@lastActivityOn`) the rule looked at. */
  columns: string[];
  /** What was there, for display ("" for empty, "(not fetched)" when not evaluated). */
  observed: string;
  /**
   * The same observation without parts that change with the clock ("2026-10-01" rather than
   * "2026-10-01 (53 days ago)"), when they differ. Stored results use it, so a record is not
   * rewritten just because a day passed.
   */
  observedStable?: string;
  /** What the rule expects, quoting its thresholds ("a date within the last 90 days"). */
  expected: string;
  message: string;
  fix: string;
  /** Why a finding is not evaluated ("column emailaddress1 was not fetched"). */
  reason?: string;
  /** True when a waiver accepts this failure: it is listed but does not lower the score. */
  waived?: boolean;
}

export interface DimensionScore {
  dimension: Dimension;
  /** 0..100, or null when no rule of this dimension was evaluated. */
  score: number | null;
  passed: number;
  failed: number;
  notEvaluated: number;
  /** Failures accepted by a waiver: listed, but outside the score. */
  waived: number;
  /** Σ weight of passed rules / Σ weight of evaluated rules. */
  weightPassed: number;
  weightEvaluated: number;
}

export interface RecordScore {
  table: string;
  id: string;
  /** 0..100 rounded to one decimal, or null when nothing could be evaluated. */
  score: number | null;
  grade: Grade | null;
  dimensions: Partial<Record<Dimension, DimensionScore>>;
  findings: Finding[];
  /**
   * The earliest instant after `now` at which a clock-dependent outcome changes with no change to
   * the data (ISO-8601), or null when nothing depends on the clock.
   */
  revisitAfter: string | null;
}

/** Options of one scoring call. */
export interface ScoreOptions {
  /** The clock, supplied by the caller. */
  now: Date;
  /** Rule ids whose failures are accepted for this record (active waivers). */
  waivedRuleIds?: ReadonlySet<string>;
}
