/**
 * The CRM Vitals tables as the audit reads and writes them. Column names, navigation-property
 * names and choice values come from the solution source (solution/src), the one definition the
 * managed solution is built from, so the code cannot drift from what an admin imports.
 */
import choicesJson from "../../solution/src/choices.json";
import auditRunJson from "../../solution/src/tables/vit_auditrun.json";
import auditScheduleJson from "../../solution/src/tables/vit_auditschedule.json";
import recordHealthJson from "../../solution/src/tables/vit_recordhealth.json";
import waiverJson from "../../solution/src/tables/vit_waiver.json";
import type { Grade } from "../engine/types";

interface ColumnDef {
  schemaName: string;
  type: string;
  target?: string;
  options?: { value: number; label: string }[];
}
interface TableDef {
  schemaName: string;
  columns: ColumnDef[];
}

function options(table: TableDef, column: string): Record<string, number> {
  const def = table.columns.find((c) => c.schemaName.toLowerCase() === column);
  if (!def?.options) throw new Error(`solution source: ${table.schemaName}.${column} has no options`);
  return Object.fromEntries(def.options.map((o) => [o.label.toLowerCase(), o.value]));
}

function navigationProperty(table: TableDef, column: string): string {
  const def = table.columns.find((c) => c.schemaName.toLowerCase() === column && c.type === "lookup");
  if (!def) throw new Error(`solution source: ${table.schemaName} has no lookup ${column}`);
  return def.schemaName;
}

const gradeChoice = (choicesJson as { choices: { name: string; options: { value: number; label: string }[] }[] }).choices.find((c) => c.name === "vit_grade");
if (!gradeChoice) throw new Error("solution source: global choice vit_grade is missing");

export const GRADE_VALUE: Readonly<Record<Grade, number>> = Object.fromEntries(gradeChoice.options.map((o) => [o.label, o.value])) as Record<Grade, number>;
export const GRADE_OF_VALUE: ReadonlyMap<number, Grade> = new Map(gradeChoice.options.map((o) => [o.value, o.label as Grade]));

const auditRun = auditRunJson as TableDef;
const recordHealth = recordHealthJson as TableDef;
const waiver = waiverJson as TableDef;

export const RUN_MODE = options(auditRun, "vit_mode") as { full: number; incremental: number };
export const RUN_STATUS = options(auditRun, "vit_status") as { running: number; completed: number; failed: number; cancelled: number };
export const WAIVER_STATUS = options(waiver, "vit_waiverstatus") as { requested: number; approved: number; rejected: number; expired: number };

/** Lookup column of vit_recordhealth that points at each scored table. */
export const HEALTH_LOOKUP: Readonly<Record<string, string>> = Object.fromEntries(
  recordHealth.columns.filter((c) => c.type === "lookup" && c.target && c.target !== "vit_auditrun").map((c) => [c.target!, c.schemaName.toLowerCase()]),
);

/** `vit_ContactId@odata.bind` etc.: navigation properties are the lookups' schema names. */
export function healthBindProperty(table: string): string | undefined {
  const lookup = HEALTH_LOOKUP[table];
  return lookup ? navigationProperty(recordHealth, lookup) : undefined;
}

export const HEALTH_RUN_BIND = `${navigationProperty(recordHealth, "vit_lastauditrunid")}@odata.bind`;
export const RUN_BY_BIND = `${navigationProperty(auditRun, "vit_runby")}@odata.bind`;
/** A partition's run (partitions.ts). */
export const RUN_PARENT_BIND = `${navigationProperty(auditRun, "vit_parentrun")}@odata.bind`;
export const SCHEDULE_MODE = options(auditScheduleJson, "vit_mode") as { full: number; incremental: number };
export const SCHEDULE_LAST_RUN_BIND = `${navigationProperty(auditScheduleJson, "vit_lastrun")}@odata.bind`;

export const HEALTH_KEY = ["vit_table", "vit_recordid"] as const;

/**
 * What a completed run's health rows carry, stored with its aggregates: 2 = accounts' and leads'
 * rows have duplicate match keys (engine/duplicates/matchkeys.ts). An incremental run after a run
 * of an older format is a full one, so every row gets what the targeted lookups rely on.
 */
export const HEALTH_FORMAT = 2;

/** Columns read back from a stored health row. */
export const HEALTH_COLUMNS = [
  "vit_recordid",
  "vit_fingerprint",
  "vit_score",
  "vit_grade",
  "vit_dimensions",
  "vit_findings",
  "_ownerid_value",
  "_owningbusinessunit_value",
  "statecode",
  "vit_stagehistory",
  "_vit_lastauditrunid_value",
] as const;

export const STATECODE_ACTIVE = 0;
export const STATECODE_INACTIVE = 1;

/** A text column's value, or null when it is empty or not text. */
export function str(v: unknown): string | null {
  return typeof v === "string" && v ? v : null;
}
