/**
 * Role-based security as Dataverse applies it: each role grants each privilege (create, read,
 * write, delete, …) per table at a depth — Basic (user: rows the user or one of the user's teams
 * owns), Local (rows owned in the user's business unit), Deep (that unit and its children), Global
 * (organisation). A user's grant is the deepest of their roles (roles.ts derives them from
 * solution/src/roles.json). Organisation- and business-owned tables have no per-row owner, so any
 * granted depth reads every row. Column security (fieldsecurity.ts) applies on top.
 */
import { ODataError, CODES } from "./errors";
import type { Depth, RoleSet } from "./roles";
import { BY_LOGICAL, type TableDef } from "./schema";
import type { Row } from "./store";

export interface Principal {
  id: string;
  businessUnitId: string;
  teamIds: ReadonlySet<string>;
  /** Business units below the user's own (Deep depth). */
  childBusinessUnitIds?: ReadonlySet<string>;
  role: RoleSet;
  /** Column security profiles the user is a member of (fieldsecurity.ts). */
  fieldProfiles?: ReadonlySet<string>;
  fullname: string;
}

type WriteKind = "Write" | "Create" | "Delete";
const VERB = { Write: "write", Create: "create", Delete: "delete" } as const;

function privilegeName(kind: "Read" | WriteKind, t: TableDef): string {
  const entity = t.isActivity ? "Activity" : t.schemaName;
  return `prv${kind}${entity}`;
}

export function missingPrivilege(p: Principal, kind: "Read" | WriteKind, t: TableDef): ODataError {
  return new ODataError(
    403,
    CODES.noPrivilege,
    `Principal user (Id=${p.id}, type=8, roleCount=${p.role.roles.length}, role='${p.role.name}') is missing ${privilegeName(kind, t)} privilege on OTC=${t.objectTypeCode} for entity '${t.logicalName}'.`,
  );
}

/**
 * The privilege is held, but not at the depth this record needs: Dataverse's access check fails with
 * 0x80048306 ("Principal with ID … does not have ReadAccess right(s) for record with ID … of entity …",
 * see "Troubleshoot Dataverse client errors").
 */
export function missingAccess(p: Principal, kind: "Read" | WriteKind, t: TableDef, recordId: string): ODataError {
  return new ODataError(
    403,
    CODES.noRecordAccess,
    `Principal user (Id=${p.id}, type=8, roleCount=${p.role.roles.length}, role='${p.role.name}') does not have ${kind}Access right(s) for record with Id = ${recordId} of entity ${t.logicalName}.`,
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
    const depth = p.role.depth("read", activity);
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
  const depth = p.role.depth("read", t);
  if (depth === "none") throw missingPrivilege(p, "Read", t);
  return depthFilter(p, t, depth);
}

export function depthFilter(p: Principal, t: TableDef, depth: Depth): ((row: Row) => boolean) | null {
  if (depth === "global" || t.ownership !== "UserOwned") return null;
  if (depth === "local") return (r) => r._owningbusinessunit_value === p.businessUnitId;
  if (depth === "deep") {
    const units = p.childBusinessUnitIds;
    return (r) => r._owningbusinessunit_value === p.businessUnitId || (units?.has(r._owningbusinessunit_value as string) ?? false);
  }
  return (r) => {
    const o = r._ownerid_value as string | undefined;
    return o === p.id || (o !== undefined && p.teamIds.has(o));
  };
}

/** Throws 403 unless the user may write (create/update/delete) this row at the granted depth. */
export function assertWrite(p: Principal, t: TableDef, row: Row | null, kind: WriteKind): void {
  const depth = p.role.depth(VERB[kind], t);
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
