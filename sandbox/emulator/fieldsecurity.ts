/**
 * Column-level security as Dataverse documents it: a secured column can be read, set on create or
 * changed only by members of a column security profile that grants it (read / create / update per
 * column); System Administrators always can. The secured columns and the profiles come from
 * `solution/src/fieldsecurity.json`, the definitions the solution ships.
 *
 * - Read: a column the caller may not read is returned as null (the row itself stays readable).
 * - Create / update: setting a column the caller may not create / update is refused as a whole with
 *   403, naming the column; nothing is written.
 * The emulator does not mask filters or sorts on secured columns (sandbox/README.md).
 */
import fieldSecurityJson from "../../solution/src/fieldsecurity.json";
import type { FieldSecurityProfileSource } from "../../solution/packager/types";
import { CODES, ODataError } from "./errors";
import type { DemoRoleKey } from "./roles";
import { propertyName, type TableDef } from "./schema";
import type { Principal } from "./security";
import type { Row } from "./store";

export type ColumnOperation = "read" | "create" | "update";

const PROFILES = (fieldSecurityJson as { profiles: FieldSecurityProfileSource[] }).profiles;

/** table → secured column → profile name → what the profile allows. */
const SECURED = new Map<string, Map<string, Map<string, Record<ColumnOperation, boolean>>>>();
for (const profile of PROFILES) {
  for (const p of profile.permissions) {
    const columns = SECURED.get(p.table) ?? new Map<string, Map<string, Record<ColumnOperation, boolean>>>();
    const byProfile = columns.get(p.column) ?? new Map<string, Record<ColumnOperation, boolean>>();
    byProfile.set(profile.name, { read: p.read, create: p.create, update: p.update });
    columns.set(p.column, byProfile);
    SECURED.set(p.table, columns);
  }
}

export const APPROVERS_PROFILE = "Vitals Waiver Approvers";
export const READERS_PROFILE = "Vitals Waiver Readers";

/** Column security profiles of the demo organisation's users, by role key (docs/security-roles.md). */
export const DEMO_FIELD_PROFILES: Record<DemoRoleKey, readonly string[]> = {
  admin: [],
  governance: [APPROVERS_PROFILE],
  regionalGovernance: [APPROVERS_PROFILE],
  manager: [READERS_PROFILE],
  salesperson: [READERS_PROFILE],
  marketing: [READERS_PROFILE],
};

/** The secured columns of a table (logical names); empty for most tables. */
export function securedColumns(t: TableDef): ReadonlySet<string> {
  return new Set(SECURED.get(t.logicalName)?.keys() ?? []);
}

function isSystemAdministrator(p: Principal): boolean {
  return p.role.roles.some((r) => r.name === "System Administrator");
}

/** Whether the caller may read / create / update one column of a table. */
export function mayUseColumn(p: Principal, t: TableDef, column: string, op: ColumnOperation): boolean {
  const byProfile = SECURED.get(t.logicalName)?.get(column);
  if (!byProfile || isSystemAdministrator(p)) return true;
  for (const name of p.fieldProfiles ?? []) if (byProfile.get(name)?.[op]) return true;
  return false;
}

/**
 * Throws 403 when a create or update sets a secured column the caller may not set. `written` is
 * the stored shape of what the request sets (lookups as `_x_value`).
 */
export function assertColumnWrites(p: Principal, t: TableDef, written: Row, op: "create" | "update"): void {
  const columns = SECURED.get(t.logicalName);
  if (!columns) return;
  for (const column of columns.keys()) {
    const c = t.columns.find((x) => x.name === column);
    const prop = c ? propertyName(c) : column;
    if (!(prop in written) || mayUseColumn(p, t, column, op)) continue;
    throw new ODataError(
      403,
      CODES.noPrivilege,
      `The user (Id=${p.id}) does not have ${op} permissions to the secured column '${column}' of '${t.logicalName}'. Column security profiles that allow it: ${profilesAllowing(t.logicalName, column, op)}.`,
    );
  }
}

function profilesAllowing(table: string, column: string, op: ColumnOperation): string {
  const names = [...(SECURED.get(table)?.get(column) ?? new Map<string, Record<ColumnOperation, boolean>>())].filter(([, a]) => a[op]).map(([n]) => n);
  return names.length ? names.join(", ") : "none";
}

/** A copy of a projected row with the secured columns the caller may not read set to null. */
export function hideUnreadableColumns(p: Principal, t: TableDef, out: Row): Row {
  const columns = SECURED.get(t.logicalName);
  if (!columns) return out;
  let copy: Row | null = null;
  for (const column of columns.keys()) {
    if (mayUseColumn(p, t, column, "read")) continue;
    const c = t.columns.find((x) => x.name === column);
    const prop = c ? propertyName(c) : column;
    for (const key of Object.keys(out)) {
      if (key !== prop && !key.startsWith(`${prop}@`)) continue;
      copy ??= { ...out };
      if (key === prop) copy[key] = null;
      else delete copy[key];
    }
  }
  return copy ?? out;
}
