/**
 * A rule pack is data: JSON validated by `rulePackSchema` (./schema.ts). Nothing here is code an
 * organisation can inject; every check type is implemented by the engine and takes parameters.
 */
import type { ColumnValue, Dimension, Severity } from "../types";

/** A condition on a record, used by `when` and `requiredWhen`. */
export type Condition =
  | { column: string; equals: ColumnValue }
  | { column: string; notEquals: ColumnValue }
  | { column: string; in: ColumnValue[] }
  | { column: string; isEmpty: boolean }
  | { stageIn: string[] }
  | { stageAtLeast: string }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export type FormatKind = "email" | "phone" | "url" | "domain" | "postalCode";

export type Check =
  | { type: "required"; column: string }
  | { type: "requiredAny"; columns: string[] }
  | { type: "requiredWhen"; column: string; if: Condition }
  | {
      type: "format";
      column: string;
      format: FormatKind;
      /** Column holding the country (name or ISO code) that decides phone region and postcode format. */
      countryColumn?: string;
    }
  | { type: "pattern"; column: string; pattern: string; flags?: string; description: string }
  | { type: "allowedValues"; column: string; values: (string | number | boolean)[]; caseSensitive?: boolean }
  | { type: "range"; column: string; min?: number; max?: number }
  | { type: "length"; column: string; min?: number; max?: number }
  | { type: "placeholder"; columns: string[]; extraValues?: string[] }
  | { type: "casing"; column: string; reject: ("upper" | "lower")[]; minLength?: number }
  | { type: "freshness"; column: string; maxDays: number }
  | { type: "lastActivity"; maxDays: number }
  | { type: "followUp"; overdueGraceDays?: number }
  | { type: "engagementCaptured"; maxUnlogged?: number; maxAgeDays?: number }
  | { type: "daysInStage"; maxDays?: number }
  | { type: "stageExitCriteria" }
  | { type: "relation"; lookup: string; mustBeActive?: boolean }
  | { type: "ownerEnabled" }
  | { type: "dateNotPast"; column: string; graceDays?: number }
  | { type: "dateOrder"; earlier: string; later: string }
  | { type: "emailDomainMatchesWebsite"; emailColumn: string; websiteColumn: string; parentLookup?: string }
  | { type: "duplicate"; minScore?: number };

export type CheckType = Check["type"];

/**
 * A fix a rule offers for its failed findings: a named, deterministic transformation with its
 * parameters (see engine/fixes). Applied only when a person approves it.
 */
export type Repair =
  /** The rule's phone column to E.164 (country from the check's countryColumn, then the pack's defaultRegion). */
  | { type: "phoneE164" }
  /** Whitespace and casing of the rule's name column. */
  | { type: "nameCasing" }
  /** The domain of the rule's email column in lower case. */
  | { type: "emailDomainLowercase" }
  /** The rule's website column normalised. */
  | { type: "websiteNormalise" }
  /** Placeholder values of the rule's columns cleared, where the column is optional. */
  | { type: "clearPlaceholder" }
  /** The rule's lookup set to the one active account whose website has the record's e-mail domain. */
  | { type: "parentByEmailDomain"; emailColumn: string }
  /** A record of a disabled owner reassigned to a chosen user or team, or the disabled user's manager. */
  | { type: "reassignOwner"; preferManager?: boolean }
  /** What needs judgement: a task for the record's owner, never a change to the record. */
  | { type: "task"; subject: string; dueInDays?: number };

export type RepairType = Repair["type"];

export interface Rule {
  id: string;
  table: string;
  title: string;
  dimension: Dimension;
  severity: Severity;
  /** Relative weight inside its dimension, > 0. */
  weight: number;
  check: Check;
  /** The rule applies only when this holds; otherwise it is not applicable and not listed. */
  when?: Condition;
  /** What is wrong, in words a sales rep understands. */
  message: string;
  /** How to fix it. */
  fix: string;
  /** A fix CRM Vitals can propose for a failure of this rule (applied only with a person's approval). */
  repair?: Repair;
  /** For stage checks on the form: block the save instead of warning. */
  blockOnSave?: boolean;
  enabled?: boolean;
}

/** An exit criterion of a stage: satisfied when the column is filled (or equals `equals`). */
export interface ExitCriterion {
  column: string;
  label: string;
  equals?: ColumnValue;
}

export interface StageDefinition {
  name: string;
  /** Days a record may stay in this stage before it counts as stuck. */
  maxDays?: number;
  /** What must be true before the record leaves this stage. */
  exitCriteria: ExitCriterion[];
}

export interface ProcessDefinition {
  /** Business process flow name, e.g. "Opportunity Sales Process". */
  name: string;
  stages: StageDefinition[];
}

export interface RulePack {
  id: string;
  name: string;
  version: string;
  description?: string;
  /** ISO 3166-1 alpha-2 region used when a record has no country (phones, postcodes). */
  defaultRegion?: string;
  /** Minimum score for each grade; below D is F. */
  gradeBands?: { A: number; B: number; C: number; D: number };
  /** Weights of dimensions in the overall score (default 1 each). */
  dimensionWeights?: Partial<Record<Dimension, number>>;
  /** Business process flows by table logical name. */
  processes?: Record<string, ProcessDefinition>;
  rules: Rule[];
}
