/**
 * The security roles the emulator's users hold. The CRM Vitals roles are DERIVED from
 * `solution/src/roles.json`, the definitions the solution ships, so the sandbox grants exactly what an
 * imported solution grants; nothing about them is written here. Dynamics' own roles (System
 * Administrator, Basic User, Salesperson, Sales Manager, Marketing Professional) are not part of the
 * solution and are modelled below as simplified stand-ins (sandbox/README.md says how).
 *
 * As in Dataverse, a user's privilege on a table is the deepest any of their roles grants, and a
 * privilege a role does not list is not granted. Activity tables share the Activity privileges
 * (`activitypointer`). Throws at load when roles.json uses a depth or verb this module does not know.
 */
import rolesJson from "../../solution/src/roles.json";
import type { PrivilegeDepth, PrivilegeVerb, TablePrivilegeSource } from "../../solution/packager/types";
import type { TableDef } from "./schema";

export type Depth = "none" | "basic" | "local" | "deep" | "global";
export type Privilege = PrivilegeVerb;
export const PRIVILEGES: readonly Privilege[] = ["create", "read", "write", "delete", "append", "appendTo", "assign", "share"];

const RANK: Record<Depth, number> = { none: 0, basic: 1, local: 2, deep: 3, global: 4 };
const FROM_SOLUTION: Record<PrivilegeDepth, Depth> = { Basic: "basic", Local: "local", Deep: "deep", Global: "global" };

/** One security role: the depth it grants for a privilege on a table. */
export interface Role {
  name: string;
  depth(privilege: Privilege, t: TableDef): Depth;
  /** Privileges of the role not tied to a table (prvMerge, …); roles.json lists them as `miscellaneous`. */
  miscellaneous?: ReadonlySet<string>;
}

/** What a user holds: their roles, and the deepest grant of any of them. */
export interface RoleSet extends Role {
  roles: readonly Role[];
}

/** The table whose privileges apply: activity types share the Activity privileges. */
export function privilegeTable(t: TableDef): string {
  return t.isActivity ? "activitypointer" : t.logicalName;
}

function fromSource(name: string, tables: readonly TablePrivilegeSource[], miscellaneous: readonly string[] = []): Role {
  const grants = new Map<string, Partial<Record<Privilege, Depth>>>();
  for (const entry of tables) {
    const g: Partial<Record<Privilege, Depth>> = {};
    for (const [k, v] of Object.entries(entry)) {
      if (k === "table" || k === "why") continue;
      if (!(PRIVILEGES as readonly string[]).includes(k)) throw new Error(`roles.json: role "${name}", table ${entry.table}: unknown privilege "${k}"`);
      const depth = FROM_SOLUTION[v as PrivilegeDepth] as Depth | undefined;
      if (!depth) throw new Error(`roles.json: role "${name}", table ${entry.table}: unknown depth "${String(v)}" for ${k}`);
      g[k as Privilege] = depth;
    }
    grants.set(entry.table, g);
  }
  return { name, depth: (privilege, t) => grants.get(privilegeTable(t))?.[privilege] ?? "none", miscellaneous: new Set(miscellaneous) };
}

/** The roles the solution ships, by name, exactly as roles.json defines them. */
export const SHIPPED_ROLES: ReadonlyMap<string, Role> = new Map(
  (rolesJson.roles as { name: string; tables: TablePrivilegeSource[]; miscellaneous?: string[] }[]).map((r) => [r.name, fromSource(r.name, r.tables, r.miscellaneous)]),
);

export function shippedRole(name: string): Role {
  const r = SHIPPED_ROLES.get(name);
  if (!r) throw new Error(`roles.json has no role "${name}"; it ships ${[...SHIPPED_ROLES.keys()].join(", ")}`);
  return r;
}

/** An admin's copy of a role under a new name, with some grants changed (as the role editor does). */
export function copyOfRole(name: string, base: Role, change: (privilege: Privilege, t: TableDef, depth: Depth) => Depth): Role {
  return { name, depth: (privilege, t) => change(privilege, t, base.depth(privilege, t)), miscellaneous: base.miscellaneous };
}

/** Whether any of the user's roles grants a privilege that is not tied to a table (prvMerge). */
export function holdsPrivilege(set: RoleSet, privilege: string): boolean {
  return set.roles.some((r) => r.miscellaneous?.has(privilege) ?? false);
}

export function roleSet(roles: readonly Role[]): RoleSet {
  return {
    name: roles.map((r) => r.name).join(" + "),
    roles,
    depth: (privilege, t) => roles.reduce<Depth>((best, r) => {
      const d = r.depth(privilege, t);
      return RANK[d] > RANK[best] ? d : best;
    }, "none"),
  };
}

// --- Dynamics' own roles (not shipped by the solution; simplified stand-ins) ----------------------

const SALES = new Set(["account", "contact", "lead", "opportunity", "activitypointer"]);
/** Tables every licensed user reads organisation-wide: users, teams, business units, processes, roles, duplicate rules, forms. */
const REFERENCE = new Set([
  "systemuser", "businessunit", "team", "teammembership", "role", "systemuserroles", "processstage", "opportunitysalesprocess",
  "leadtoopportunitysalesprocess", "duplicaterule", "duplicaterulecondition", "systemform",
]);

function platformRole(name: string, grant: (privilege: Privilege, table: string, t: TableDef) => Depth, miscellaneous: readonly string[] = []): Role {
  return { name, depth: (privilege, t) => grant(privilege, privilegeTable(t), t), miscellaneous: new Set(miscellaneous) };
}

/** Sales roles and the administrator may merge duplicates (prvMerge); Basic User and Marketing Professional may not (stand-ins). */
const MERGES = ["prvMerge"];

const readsReference = (privilege: Privilege, table: string): Depth => (privilege === "read" && REFERENCE.has(table) ? "global" : "none");

export const SYSTEM_ADMINISTRATOR = platformRole("System Administrator", () => "global", MERGES);
export const BASIC_USER = platformRole("Basic User", readsReference);
export const SALESPERSON = platformRole("Salesperson", (privilege, table, t) =>
  SALES.has(table) ? "basic" : t.isBpf && privilege !== "delete" ? "global" : readsReference(privilege, table),
  MERGES,
);
export const SALES_MANAGER = platformRole("Sales Manager", (privilege, table, t) =>
  SALES.has(table) ? "local" : t.isBpf && privilege !== "delete" ? "local" : readsReference(privilege, table),
  MERGES,
);
export const MARKETING_PROFESSIONAL = platformRole("Marketing Professional", (privilege, table, t) =>
  table === "opportunity" || table === "opportunitysalesprocess" ? "none" : SALESPERSON.depth(privilege, t),
);

// --- The demo organisation's users --------------------------------------------------------------

const lowerToLocal = (_p: Privilege, _t: TableDef, d: Depth): Depth => (d === "global" || d === "deep" ? "local" : d);
/** docs/security-roles.md: managers who coach a team copy Vitals User and raise Read on the team's health rows to Business unit. */
const VITALS_MANAGER = copyOfRole("Vitals Manager", shippedRole("Vitals User"), (p, t, d) =>
  p === "read" && ["vit_recordhealth", "vit_activitygap", "vit_waiver"].includes(t.logicalName) ? "local" : d,
);

/** The roles each kind of demo user holds (a Dynamics role plus a Vitals role, as docs/security-roles.md says to assign them). */
export const DEMO_ROLES = {
  admin: roleSet([SYSTEM_ADMINISTRATOR]),
  governance: roleSet([BASIC_USER, shippedRole("Vitals Governance Owner")]),
  /** A governance owner for one business unit: an admin's copy of Vitals Governance Owner lowered to Business unit. */
  regionalGovernance: roleSet([BASIC_USER, copyOfRole("Vitals Governance Owner (business unit)", shippedRole("Vitals Governance Owner"), lowerToLocal)]),
  manager: roleSet([SALES_MANAGER, VITALS_MANAGER]),
  salesperson: roleSet([SALESPERSON, shippedRole("Vitals User")]),
  marketing: roleSet([MARKETING_PROFESSIONAL, shippedRole("Vitals User")]),
} satisfies Record<string, RoleSet>;

export type DemoRoleKey = keyof typeof DEMO_ROLES;
