/**
 * Columns Dataverse requires on the default tables (RequiredLevel ApplicationRequired or
 * SystemRequired): a placeholder there is never cleared, it needs a real value. Data only, so the
 * fix planner, the record panel's hosts and the sandbox form read the same list.
 */
export const REQUIRED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  account: ["name"],
  contact: ["lastname"],
  lead: ["lastname", "subject"],
  opportunity: ["name"],
};
