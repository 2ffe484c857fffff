/**
 * `vit_activitygap`: one row per compared contact with what the last activity-capture run found.
 * Column names are written out here (the panel bundles this file and should not carry the solution
 * source); test/graph/model.test.ts checks them against solution/src/tables/vit_activitygap.json.
 */
import type { EngagementGapFact } from "../engine/types";

export const GAP_TABLE = "vit_activitygap";
export const GAP_ENTITY_SET = "vit_activitygaps";

export const GAP_COLUMNS = {
  id: "vit_activitygapid",
  name: "vit_name",
  recordId: "vit_recordid",
  contact: "vit_contactid",
  /** Single-valued navigation property of the contact lookup (its schema name). */
  contactNavigation: "vit_ContactId",
  unloggedEmails: "vit_unloggedemails",
  unloggedMeetings: "vit_unloggedmeetings",
  loggedEmails: "vit_loggedemails",
  loggedMeetings: "vit_loggedmeetings",
  windowDays: "vit_windowdays",
  checkedOn: "vit_checkedon",
  lastUnloggedOn: "vit_lastunloggedon",
} as const;

/** The columns to `$select` to build the engine's fact. */
export const GAP_SELECT: readonly string[] = [
  GAP_COLUMNS.recordId,
  GAP_COLUMNS.unloggedEmails,
  GAP_COLUMNS.unloggedMeetings,
  GAP_COLUMNS.loggedEmails,
  GAP_COLUMNS.loggedMeetings,
  GAP_COLUMNS.windowDays,
  GAP_COLUMNS.checkedOn,
];

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}

/** The engine's fact from a stored row; null when the row has no usable comparison date. */
export function gapFactFromRow(row: Readonly<Record<string, unknown>>): EngagementGapFact | null {
  const checked = row[GAP_COLUMNS.checkedOn];
  const checkedOn = checked instanceof Date ? checked.toISOString() : typeof checked === "string" && checked ? checked : null;
  if (!checkedOn) return null;
  const window = row[GAP_COLUMNS.windowDays];
  return {
    unloggedEmails: count(row[GAP_COLUMNS.unloggedEmails]),
    unloggedMeetings: count(row[GAP_COLUMNS.unloggedMeetings]),
    loggedEmails: count(row[GAP_COLUMNS.loggedEmails]),
    loggedMeetings: count(row[GAP_COLUMNS.loggedMeetings]),
    windowDays: typeof window === "number" && window > 0 ? window : 30,
    checkedOn,
  };
}
