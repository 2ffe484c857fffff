/**
 * Role-based security as Dataverse applies it: each role grants read and write privileges per
 * table at a depth — Basic (user: rows the user or one of the user's teams owns), Local (rows
 * owned in the user's business unit), Global (organisation). Organisation- and business-owned
 * tables have no per-row owner, so any granted depth reads every row.
 */
import { ODataError, CODES } from "./errors";
import { BY_LOGICAL, type TableDef } from "./schema";
import type { Row } from "./store";

export type Depth = "none" | "basic" | "local" | "global";

export interface RoleDef {
  name: string;
  read(t: TableDef): Depth;
  write(t: TableDef): Depth;
}

const SALES = new Set(["account", "contact", "lead", "opportunity"]);
const REFERENCE = new Set([
  "systemuser", "businessunit", "team", "teammembership", "processstage", "opportunitysalesprocess",
  "leadtoopportunitysalesprocess", "duplicaterule", "duplicaterulecondition", "environmentvariabledefinition",
  "environmentvariablevalue",
]);
const isSales = (t: TableDef): boolean => SALES.has(t.logicalName) || t.isActivity === true;
const isVit = (t: TableDef): boolean => t.logicalName.startsWith("vit_");

/** The roles the demo organisation uses, by key. */
export const ROLES: Record<string, RoleDef> = {
  admin: { name: "System Administrator", read: () => "global", write: () => "global" },
  governance: {
    name: "Vitals Governance Owner",
    read: () => "global",
    write: (t) => (isVit(t) ? "global" : "none"),
  },
  /** A governance owner for one business unit: reads that unit's records, runs audits, decides its waivers. */
  regionalGovernance: {
    name: "Vitals Governance Owner (business unit)",
    read: (t) => (isSales(t) || t.logicalName === "vit_recordhealth" || t.logicalName === "vit_activitygap" || t.logicalName === "vit_waiver" ? "local" : REFERENCE.has(t.logicalName) || isVit(t) ? "global" : "none"),
    write: (t) => (isVit(t) ? "local" : "none"),
  },
  manager: {
    name: "Sales Manager",
    read: (t) => (isSales(t) || t.logicalName === "vit_recordhealth" || t.logicalName === "vit_activitygap" || t.logicalName === "vit_waiver" ? "local" : REFERENCE.has(t.logicalName) || isVit(t) ? "global" : "none"),
    write: (t) => (isSales(t) || t.logicalName === "vit_waiver" || REFERENCE.has(t.logicalName) && t.isBpf ? "local" : "none"),
  },
  salesperson: {
    name: "Salesperson",
    read: (t) => (isSales(t) || t.logicalName === "vit_recordhealth" || t.logicalName === "vit_activitygap" || t.logicalName === "vit_waiver" ? "basic" : REFERENCE.has(t.logicalName) ? "global" : "none"),
    write: (t) => (isSales(t) || t.logicalName === "vit_waiver" ? "basic" : t.isBpf ? "global" : "none"),
  },
  marketing: {
    name: "Marketing Professional (no opportunity access)",
    read: (t) => (t.logicalName === "opportunity" ? "none" : ROLES.salesperson.read(t)),
    write: (t) => (t.logicalName === "opportunity" ? "none" : ROLES.salesperson.write(t)),
  },
};

export interface Principal {
  id: string;
  businessUnitId: string;
  teamIds: ReadonlySet<string>;
  role: RoleDef;
  fullname: string;
}

function privilegeName(kind: "Read" | "Write" | "Create" | "Delete", t: TableDef): string {
  const entity = t.isActivity ? "Activity" : t.schemaName;
  return `prv${kind}${entity}`;
}

export function missingPrivilege(p: Principal, kind: "Read" | "Write" | "Create" | "Delete", t: TableDef): ODataError {
  return new ODataError(
    403,
    CODES.noPrivilege,
    `Principal user (Id=${p.id}, type=8, roleCount=1, role='${p.role.name}') is missing ${privilegeName(kind, t)} privilege on OTC=${t.objectTypeCode} for entity '${t.logicalName}'.`,
  );
}

/**
 * The privilege is held, but not at the depth this record needs: Dataverse's access check fails with
 * 0x80048306 ("Principal with ID … does not have ReadAccess right(s) for record with ID … of entity …",
 * see "Troubleshoot Dataverse client errors").
 */
export function missingAccess(p: Principal, kind: "Read" | "Write" | "Create" | "Delete", t: TableDef, recordId: string): ODataError {
  return new ODataError(
    403,
    CODES.noRecordAccess,
    `Principal user (Id=${p.id}, type=8, roleCount=1, role='${p.role.name}') does not have ${kind}Access right(s) for record with Id = ${recordId} of entity ${t.logicalName}.`,
  );
}

/** Finds an activity row by id (any activity type); the server passes its store. */
export type ActivityLookup = (activityId: string) => Row | undefined;

/**
 * A row filter for reading (null when the user sees every row), or throws 403 without privilege.
 * Activity parties have no owner or privileges of their own: a party is readable when its activity
 * is, so their filter needs `activityOf`.
 */
export function readFilter(p: Principal, t: TableDef, activityOf?: ActivityLookup): ((row: Row) => boolean) | null {
  if (t.logicalName === "activityparty") {
    const activity = BY_LOGICAL.get("activitypointer")!;
    const depth = p.role.read(activity);
    if (depth === "none") throw missingPrivilege(p, "Read", activity);
    const f = depthFilter(p, activity, depth);
    if (!f) return null;
    if (!activityOf) throw new Error("readFilter: activity parties need an activity lookup to apply the activity's security");
    return (r) => {
      const a = r._activityid_value;
      const row = typeof a === "string" ? activityOf(a) : undefined;
      return row !== undefined && f(row);
    };
  }
  const depth = p.role.read(t);
  if (depth === "none") throw missingPrivilege(p, "Read", t);
  return depthFilter(p, t, depth);
}

function depthFilter(p: Principal, t: TableDef, depth: Depth): ((row: Row) => boolean) | null {
  if (depth === "global" || t.ownership !== "UserOwned") return null;
  if (depth === "local") return (r) => r._owningbusinessunit_value === p.businessUnitId;
  return (r) => {
    const o = r._ownerid_value as string | undefined;
    return o === p.id || (o !== undefined && p.teamIds.has(o));
  };
}

/** Throws 403 unless the user may write (create/update/delete) this row at the granted depth. */
export function assertWrite(p: Principal, t: TableDef, row: Row | null, kind: "Write" | "Create" | "Delete"): void {
  const depth = p.role.write(t);
  if (depth === "none") throw missingPrivilege(p, kind, t);
  if (!row) return;
  const f = depthFilter(p, t, depth);
  if (f && !f(row)) throw missingAccess(p, kind, t, String(row[t.primaryId]));
}

/** The access rights a principal has on a row (RetrievePrincipalAccess): ReadAccess, WriteAccess, DeleteAccess. */
export function accessRights(p: Principal, t: TableDef, row: Row, activityOf?: ActivityLookup): string[] {
  const out: string[] = [];
  try {
    const f = readFilter(p, t, activityOf);
    if (!f || f(row)) out.push("ReadAccess");
  } catch {
    // no read privilege
  }
  for (const kind of ["Write", "Delete"] as const) {
    try {
      assertWrite(p, t, row, kind);
      out.push(`${kind}Access`);
    } catch {
      // not granted at this depth
    }
  }
  return out;
}
