/**
 * What the engine proposes for a record: fixes are data. A proposal names the record, the columns
 * with their values before and after, why, how sure the engine is and whether it may be applied
 * unattended ("Fix all formatting"). Nothing here writes: callers apply approved proposals.
 */
import type { RepairType } from "../pack/types";
import type { ColumnValue } from "../types";

export interface FixChange {
  /** Column as the Web API returns it (`telephone1`, `_parentcustomerid_value`). */
  column: string;
  before: ColumnValue;
  after: ColumnValue;
  /** For lookups: the table `after` (and `before`) point to (`account`, `systemuser`, `team`). */
  target?: string;
  beforeTarget?: string;
}

export interface FixTask {
  subject: string;
  description: string;
  /** Due date (ISO-8601), or null. */
  dueOn: string | null;
  /** The record's owner, who is asked to decide (systemuser or team id). */
  ownerId: string | null;
  ownerTable?: "systemuser" | "team";
}

export interface FixProposal {
  /** `<table>:<record id>:<rule id>`: stable across plans of the same data. */
  key: string;
  ruleId: string;
  repair: RepairType;
  table: string;
  recordId: string;
  /** "update": change the record's columns; "task": ask the owner (the record is not changed). */
  action: "update" | "task";
  changes: FixChange[];
  task?: FixTask;
  /** Why, in words ("(415) 555-1234 read with the record's country (US)"). */
  why: string;
  /** 0..1. */
  confidence: number;
  /** True when it may be applied without a person looking at this record ("Fix all formatting"). */
  safe: boolean;
}

/** A failure the rule's fix cannot correct by itself, and what it would need. */
export interface FixBlocked {
  key: string;
  ruleId: string;
  repair: RepairType;
  table: string;
  recordId: string;
  column?: string;
  reason: string;
  /** What a person must supply: "country" for phone numbers, "owner" for disabled owners. */
  needs?: "country" | "owner" | "value";
}

/** What the caller knows beyond the record; every member optional (absent = that fix proposes nothing). */
export interface FixContext {
  now: Date;
  /** The organisation's default region for phones; default: the pack's `defaultRegion`. */
  defaultRegion?: string;
  /** Whether Dataverse requires the column (RequiredLevel ApplicationRequired/SystemRequired). */
  isRequired?: (table: string, column: string) => boolean;
  /** Active accounts by registrable website domain (`contoso.com` → account ids). */
  accountsByDomain?: ReadonlyMap<string, readonly string[]>;
  /** The user or team records of disabled owners go to. */
  newOwner?: { id: string; table: "systemuser" | "team" };
  /** A disabled user's manager (systemuser id), when set. */
  managerOf?: ReadonlyMap<string, string | null>;
}

export interface RecordFixes {
  proposals: FixProposal[];
  blocked: FixBlocked[];
}
