/**
 * The unbound `Merge` action (POST /api/data/v9.2/Merge), as "Merge table rows" documents it:
 * Target and Subordinate are entity references (`@odata.type` plus the primary id), UpdateContent
 * holds the columns to set on the target, PerformParentingChecks asks the platform to refuse
 * records with different parents. Only account, contact and lead merge; both must be active.
 *
 * What a merge does here: UpdateContent is written to the target (it is what Dataverse's merge
 * dialog builds from the columns a person picks; nothing else is copied); every row that points at
 * the subordinate through a lookup in the relationship metadata (`mergeChildLinks`: contacts,
 * accounts, opportunities, leads, activities by regardingobjectid, CRM Vitals' own lookups) is
 * re-parented to the target; the subordinate is deactivated with `merged = true` and `masterid`.
 *
 * Privileges, checked before anything is written (sandbox/README.md): prvMerge (a privilege of the
 * role, not of a table: roles.ts), write on both records and append-to on the target, each at the
 * depth the record needs. Errors carry the platform's codes: MergeEntitiesIdenticalError,
 * MergeEntityNotActiveError, MergeDifferentlyParentedWarning / MergeLossOfParentingWarning,
 * SdkEntityDoesNotSupportMessage for other tables, PrivilegeDenied / access-check failures.
 */
import { CODES, ODataError, badQuery } from "./errors";
import { assertColumnWrites } from "./fieldsecurity";
import { holdsPrivilege } from "./roles";
import { BY_LOGICAL, LOOKUP_TYPE_KEY, TABLES, isLookupType, propertyName, tableDef, type ColumnDef, type ResolvedTable } from "./schema";
import { assertWrite, depthFilter, missingAccess } from "./security";
import type { Row } from "./store";
import { complete, parseBody, writeColumns } from "./writes";
import { GUID, notFound, type Emulator, type Req, type Res, type UserEntry } from "./context";

export const MERGEABLE = ["account", "contact", "lead"] as const;

/** Documented error codes of Merge (Dataverse web service error codes). */
export const MERGE_CODES = {
  identical: "0x80045305",
  notActive: "0x80045304",
  differentlyParented: "0x80045316",
  lossOfParenting: "0x80045317",
} as const;

/** The state a merge leaves the subordinate in: account/contact Inactive; a lead Disqualified (Canceled). */
const INACTIVE: Record<string, { statecode: number; statuscode: number }> = {
  account: { statecode: 1, statuscode: 2 },
  contact: { statecode: 1, statuscode: 2 },
  lead: { statecode: 2, statuscode: 7 },
};

/** Parent lookups PerformParentingChecks compares. */
const PARENTS: Record<string, string[]> = {
  account: ["_parentaccountid_value"],
  contact: ["_parentcustomerid_value"],
  lead: ["_parentaccountid_value", "_parentcontactid_value"],
};

/** A lookup that points at records of a table: the "many" side of a one-to-many relationship. */
export interface ChildLink {
  /** The referencing (child) table. */
  table: string;
  column: ColumnDef;
  /** Its Web API property (`_parentcustomerid_value`). */
  prop: string;
  polymorphic: boolean;
}

/** Lookups the platform keeps to itself or that merge does not re-parent. */
const NOT_REPARENTED = new Set(["masterid", "createdby", "modifiedby", "owninguser", "owningteam", "owningbusinessunit", "createdonbehalfby", "modifiedonbehalfby"]);

/**
 * Every lookup of every table that can point at `table` (the emulator's relationship metadata),
 * concrete activity types rather than the activitypointer view, activity parties aside (their
 * party list belongs to the activity; the emulator leaves them as they are).
 */
export function mergeChildLinks(table: string): ChildLink[] {
  const out: ChildLink[] = [];
  for (const t of TABLES) {
    if (t.logicalName === "activitypointer" || t.logicalName === "activityparty") continue;
    for (const c of t.columns) {
      if (!isLookupType(c.type) || c.type === "owner" || NOT_REPARENTED.has(c.name) || !(c.targets ?? []).includes(table)) continue;
      out.push({ table: t.logicalName, column: c, prop: propertyName(c), polymorphic: (c.targets?.length ?? 0) > 1 });
    }
  }
  return out;
}

function reference(em: Emulator, value: unknown, name: string): { t: ResolvedTable; row: Row } {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw badQuery(`Merge: the parameter '${name}' is required: an entity reference such as {"@odata.type":"Microsoft.Dynamics.CRM.account","accountid":"<guid>"}.`);
  const v = value as Record<string, unknown>;
  const type = typeof v["@odata.type"] === "string" ? v["@odata.type"].replace(/^#?Microsoft\.Dynamics\.CRM\./, "") : null;
  if (!type) throw badQuery(`Merge: '${name}' needs "@odata.type" (e.g. "Microsoft.Dynamics.CRM.account") to say which table it refers to.`);
  if (!BY_LOGICAL.has(type)) throw badQuery(`Merge: '${name}' has "@odata.type" '${String(v["@odata.type"])}', which is not a table.`);
  const t = tableDef(type);
  if (!(MERGEABLE as readonly string[]).includes(type)) throw new ODataError(400, CODES.notSupported, `The 'Merge' method does not support entities of type '${type}'. Only account, contact and lead records can be merged.`);
  const id = v[t.primaryId];
  if (typeof id !== "string" || !GUID.test(id)) throw badQuery(`Merge: '${name}' needs its primary id '${t.primaryId}' as a GUID.`);
  const row = em.store.get(t.logicalName, id.toLowerCase());
  if (!row) throw notFound(t, id.toLowerCase());
  return { t, row };
}

function principalText(p: UserEntry): string {
  return `Principal user (Id=${p.id}, type=8, roleCount=${p.role.roles.length}, role='${p.role.name}')`;
}

/** prvMerge, read and write on both records, append-to on the target: 403 with the platform's codes. */
function assertMergeAccess(em: Emulator, p: UserEntry, t: ResolvedTable, target: Row, subordinate: Row): void {
  if (!holdsPrivilege(p.role, "prvMerge")) throw new ODataError(403, CODES.noPrivilege, `${principalText(p)} is missing prvMerge privilege. Merging records needs the Merge privilege (Business Management) in one of the user's security roles.`);
  const read = em.sec(p, t);
  for (const row of [target, subordinate]) if (read && !read(row)) throw missingAccess(p, "Read", t, String(row[t.primaryId]));
  assertWrite(p, t, target, "Write");
  assertWrite(p, t, subordinate, "Write");
  const depth = p.role.depth("appendTo", t);
  if (depth === "none") throw new ODataError(403, CODES.noPrivilege, `${principalText(p)} is missing prvAppendTo${t.schemaName} privilege on OTC=${t.objectTypeCode} for entity '${t.logicalName}'.`);
  const f = depthFilter(p, t, depth);
  if (f && !f(target)) throw new ODataError(403, CODES.noRecordAccess, `${principalText(p)} does not have AppendToAccess right(s) for record with Id = ${String(target[t.primaryId])} of entity ${t.logicalName}.`);
}

function assertParenting(t: ResolvedTable, target: Row, subordinate: Row): void {
  for (const prop of PARENTS[t.logicalName] ?? []) {
    const a = (target[prop] as string | null | undefined) ?? null;
    const b = (subordinate[prop] as string | null | undefined) ?? null;
    if (b === null || a === b) continue;
    if (a === null) throw new ODataError(400, MERGE_CODES.lossOfParenting, `Merge warning: sub-entity might lose parenting (${prop} of the subordinate is ${b}, the target has none). Merge with PerformParentingChecks false to merge anyway.`);
    throw new ODataError(400, MERGE_CODES.differentlyParented, `Merge warning: sub-entity will be differently parented (${prop}: target ${a}, subordinate ${b}). Merge with PerformParentingChecks false to merge anyway.`);
  }
}

/** Rows that point at `id` of `table`, with the link they point through. */
export function childrenOf(em: Emulator, table: string, id: string): { link: ChildLink; row: Row }[] {
  const out: { link: ChildLink; row: Row }[] = [];
  for (const link of mergeChildLinks(table)) {
    for (const row of em.store.byValues(link.table, link.prop, [id])) {
      if (link.polymorphic && row[`${link.prop}${LOOKUP_TYPE_KEY}`] !== table) continue;
      out.push({ link, row });
    }
  }
  return out;
}

/** POST Merge: validates everything, then writes the target, the children and the subordinate. */
export function mergeAction(em: Emulator, r: Req, p: UserEntry): Res {
  if (r.method !== "POST") throw new ODataError(405, CODES.badQuery, "Merge is an action: send it with POST.");
  em.count("merge");
  const body = parseBody(r) as Record<string, unknown>;
  const target = reference(em, body.Target, "Target");
  const sub = reference(em, body.Subordinate, "Subordinate");
  const t = target.t;
  if (sub.t.logicalName !== t.logicalName) throw new ODataError(400, CODES.invalidArgument, `Merge: Target is a ${t.logicalName} and Subordinate a ${sub.t.logicalName}; only records of the same table can be merged.`);
  const targetId = String(target.row[t.primaryId]);
  const subId = String(sub.row[t.primaryId]);
  if (targetId === subId) throw new ODataError(400, MERGE_CODES.identical, "Merge cannot be performed on master and sub-entities that are identical.");
  if (typeof body.PerformParentingChecks !== "boolean") throw badQuery("Merge: the parameter 'PerformParentingChecks' is required (true or false).");
  assertMergeAccess(em, p, t, target.row, sub.row);
  for (const [row, role] of [[target.row, "target"], [sub.row, "subordinate"]] as const) {
    if (row.statecode !== 0) throw new ODataError(400, MERGE_CODES.notActive, `Merge cannot be performed on entity that is inactive (the ${role}, ${t.logicalName} ${String(row[t.primaryId])}).`);
  }
  if (body.PerformParentingChecks) assertParenting(t, target.row, sub.row);
  let patch: Row = {};
  if (body.UpdateContent !== undefined && body.UpdateContent !== null) {
    const uc = body.UpdateContent as Record<string, unknown>;
    const type = typeof uc["@odata.type"] === "string" ? uc["@odata.type"].replace(/^#?Microsoft\.Dynamics\.CRM\./, "") : t.logicalName;
    if (type !== t.logicalName) throw new ODataError(400, CODES.invalidArgument, `Merge: UpdateContent is a ${type}, but the records are ${t.logicalName}s.`);
    patch = writeColumns(em, t, uc, false);
    assertColumnWrites(p, t, patch, "update");
  }
  const children = childrenOf(em, t.logicalName, subId);
  // Everything is checked: now the writes, which cannot fail.
  complete(em, t, patch, p, target.row);
  em.store.update(t.logicalName, targetId, patch);
  for (const { link, row } of children) {
    const child = tableDef(link.table);
    em.store.update(link.table, String(row[child.primaryId]), { [link.prop]: targetId, ...(child.byColumn.has("modifiedby") ? { _modifiedby_value: p.id } : {}) });
  }
  em.store.update(t.logicalName, subId, { ...INACTIVE[t.logicalName], merged: true, _masterid_value: targetId, _modifiedby_value: p.id });
  em.stats.rowsWritten += 2 + children.length;
  return { status: 204, headers: {} };
}
