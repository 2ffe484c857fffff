/**
 * One source for roles: the emulator grants exactly what solution/src/roles.json ships. Every
 * shipped role × every emulator table × create/read/write/delete is tried over HTTP by a user who
 * holds only that role, and compared with the definition; Append, Append To, Assign and Share are
 * compared with the derived role (the emulator has no operation of its own for them).
 */
import rolesJson from "../../solution/src/roles.json";
import type { PrivilegeDepth, TablePrivilegeSource } from "../../solution/packager/types";
import { PRIVILEGES, privilegeTable, shippedRole, type Depth } from "../../sandbox/emulator/roles";
import { BY_LOGICAL, tableDef, type TableDef } from "../../sandbox/emulator/schema";
import type { UserEntry } from "../../sandbox/emulator/server";
import type { EmulatorStore } from "../../sandbox/emulator/store";
import type { EmulatorHandle } from "../../sandbox/emulator";
import { api } from "../helpers/emulator";
import { startWithUsers, type CustomServer } from "./server";

const ROLES = rolesJson.roles as { name: string; tables: TablePrivilegeSource[] }[];
const DEPTH: Record<PrivilegeDepth, Depth> = { Basic: "basic", Local: "local", Deep: "deep", Global: "global" };
/** Every table a role can be asked about: activity types share activitypointer's privileges, so `email` stands for them. */
const TABLES = [...BY_LOGICAL.values()].filter((t) => t.ownership !== "None" && (!t.isActivity || t.logicalName === "email"));

function shipped(role: string, table: TableDef, verb: (typeof PRIVILEGES)[number]): Depth {
  const entry = ROLES.find((r) => r.name === role)!.tables.find((x) => x.table === privilegeTable(table));
  const d = entry?.[verb];
  return d ? DEPTH[d] : "none";
}

describe("roles: the emulator derives every privilege from solution/src/roles.json", () => {
  let server: CustomServer;
  let emu: EmulatorHandle;
  let store: EmulatorStore;
  let users: UserEntry[];
  let otherUser: string;
  let otherUnit: string;

  beforeAll(async () => {
    server = await startWithUsers(ROLES.map((r) => ({ name: r.name, roles: [shippedRole(r.name)] })));
    ({ emu, store } = server);
    users = [...server.users.values()];
    otherUnit = server.org.people.businessUnits.eu;
    otherUser = server.org.people.users.find((u) => u.businessunitid === otherUnit)!.systemuserid;
    // The role holders sit in the root business unit; "another unit" is Europe.
    for (const u of users) expect(u.businessUnitId).not.toBe(otherUnit);
  });
  afterAll(() => server.close());

  function rowOwnedBy(t: TableDef, ownerId: string, unit: string): string {
    const owner = t.ownership === "UserOwned" ? { _ownerid_value: ownerId, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser", _owningbusinessunit_value: unit } : {};
    return String(store.insert(t.logicalName, owner)[t.primaryId]);
  }

  it.each(ROLES.map((r) => r.name))("%s: create, read, write and delete on every table answer as roles.json says", async (name) => {
    const user = users.find((u) => u.fullname === name)!;
    const a = api(emu, user.token);
    const mismatches: string[] = [];
    const expectGranted = (what: string, granted: boolean, status: number): void => {
      if ((status === 403) === granted) mismatches.push(`${what}: answered ${status}, roles.json ${granted ? "grants" : "does not grant"} it`);
    };
    for (const t of TABLES) {
      const set = tableDef(t.logicalName).entitySetName;
      const d = (verb: "create" | "read" | "write" | "delete"): Depth => shipped(name, t, verb);
      expectGranted(`${t.logicalName} read`, d("read") !== "none", (await a.get(`${set}?$top=1`)).status);
      if (t.ownership === "UserOwned") {
        // Depth: a row of another user in another business unit is readable only at Global depth.
        const foreign = rowOwnedBy(t, otherUser, otherUnit);
        expectGranted(`${t.logicalName} read another unit's row at ${d("read")}`, d("read") === "global", (await a.get(`${set}(${foreign})`)).status);
      }
      expectGranted(`${t.logicalName} create`, d("create") !== "none", (await a.post(set, {})).status);
      const own = rowOwnedBy(t, user.id, user.businessUnitId);
      expectGranted(`${t.logicalName} write`, d("write") !== "none", (await a.patch(`${set}(${own})`, {}, { "If-Match": "*" })).status);
      expectGranted(`${t.logicalName} delete`, d("delete") !== "none", (await a.del(`${set}(${own})`)).status);
    }
    expect(mismatches).toEqual([]);
  }, 60_000);

  it("append, append to, assign and share follow roles.json for every role and table", () => {
    for (const r of ROLES) {
      const role = shippedRole(r.name);
      for (const t of TABLES) for (const verb of PRIVILEGES) expect([r.name, t.logicalName, verb, role.depth(verb, t)]).toEqual([r.name, t.logicalName, verb, shipped(r.name, t, verb)]);
    }
  });

  it("the Governance Owner may save the organisation's rule pack (environmentvariablevalues)", async () => {
    const owner = users.find((u) => u.fullname === "Vitals Governance Owner")!;
    const res = await api(emu, owner.token).post("environmentvariablevalues", { schemaname: "vit_RulePack", value: "{}" });
    expect(res.status).toBe(204);
  });
});
