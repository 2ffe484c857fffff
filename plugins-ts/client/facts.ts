/**
 * What a record's related facts are made of, in one place for every reader: the panel and form
 * (./vitalsSource, one record) and the audits (../dataverse/related, a page of records in bulk).
 * Pure data and pure helpers; no I/O, so both the browser bundle and Node import it.
 */

/** Primary-name column per table (the Web API has no generic one). */
export const PRIMARY_NAME: Readonly<Record<string, string>> = {
  account: "name",
  contact: "fullname",
  lead: "fullname",
  opportunity: "name",
  systemuser: "fullname",
  team: "name",
};

/** Tables a lookup can point to; polymorphic lookups expand as `<lookup>_<table>`. */
export const LOOKUP_TARGETS: Readonly<Record<string, readonly string[]>> = {
  parentcustomerid: ["account", "contact"],
  customerid: ["account", "contact"],
  primarycontactid: ["contact"],
  parentaccountid: ["account"],
  parentcontactid: ["contact"],
  originatingleadid: ["lead"],
  masterid: [],
};

/** Business-process-flow instance table and its lookup to the record, per record table. */
export const BPF_TABLES: Readonly<Record<string, { table: string; lookup: string }>> = {
  opportunity: { table: "opportunitysalesprocess", lookup: "bpf_opportunityid" },
  lead: { table: "leadtoopportunitysalesprocess", lookup: "bpf_leadid" },
};

/** English plural the way Dataverse forms default entity set names. */
export function pluralise(name: string): string {
  if (/[^aeiou]y$/.test(name)) return name.slice(0, -1) + "ies";
  if (/(s|x|z|ch|sh)$/.test(name)) return name + "es";
  return name + "s";
}

/** Activity state codes: 0 Open, 1 Completed, 2 Canceled, 3 Scheduled. */
export const ACTIVITY_COMPLETED = 1;
export const OPEN_ACTIVITY_STATES: readonly number[] = [0, 3];

/** A date value as the Web API or FetchXML gives it, as ISO text (null when empty). */
export function isoOf(v: unknown): string | null {
  if (v instanceof Date) return v.toISOString();
  return typeof v === "string" && v !== "" ? v : null;
}

/**
 * Which of two business-process-flow instances of one record holds its stage: the active one
 * (statecode 0), then the most recently modified; on a tie the one seen first (`a`) stays.
 * Both readers choose the same way.
 */
export function laterStageInstance<T extends Record<string, unknown>>(a: T, b: T): T {
  const rank = (r: T) => [r.statecode === 0 ? 1 : 0, isoOf(r.modifiedon) ?? ""] as const;
  const [a1, a2] = rank(a);
  const [b1, b2] = rank(b);
  return b1 > a1 || (b1 === a1 && b2 > a2) ? b : a;
}
