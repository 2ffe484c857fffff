/**
 * An emulator server whose users hold exactly the roles and column security profiles a test gives
 * them (the demo organisation's users hold a Dynamics role plus a Vitals role). Empty organisation:
 * users, business units, processes and settings only.
 */
import { generateDemoOrg, type DemoOrg } from "../../sandbox/demo/generate";
import type { EmulatorHandle } from "../../sandbox/emulator";
import { FaultInjector, ServiceProtection } from "../../sandbox/emulator/protection";
import { roleSet, type Role } from "../../sandbox/emulator/roles";
import { EmulatorServer, type UserEntry } from "../../sandbox/emulator/server";
import { EmulatorStore } from "../../sandbox/emulator/store";

export interface TestUser {
  name: string;
  roles: Role[];
  profiles?: string[];
}

export interface CustomServer {
  emu: EmulatorHandle;
  store: EmulatorStore;
  org: DemoOrg;
  users: Map<string, UserEntry>;
  close(): Promise<void>;
}

/** Starts a server on an ephemeral port; user i takes the id and business unit of demo user i. */
export async function startWithUsers(specs: TestUser[]): Promise<CustomServer> {
  const org = generateDemoOrg({ data: "empty", seed: 5, now: new Date("2026-11-01T00:00:00Z") });
  const store = new EmulatorStore();
  for (const [table, rows] of Object.entries(org.tables)) if (rows.length) store.load(table, rows);
  const users = new Map<string, UserEntry>();
  specs.forEach((s, i) => {
    const demo = org.people.users[i];
    users.set(s.name, {
      id: demo.systemuserid, businessUnitId: demo.businessunitid, teamIds: new Set(), role: roleSet(s.roles),
      fieldProfiles: new Set(s.profiles ?? []), fullname: s.name, disabled: false, token: `emu_test_${i}`,
    });
  });
  const server = new EmulatorServer(store, [...users.values()], org.people.organizationId, new ServiceProtection(false), new FaultInjector(null));
  const port = await server.listen(0);
  const emu = { baseUrl: `http://127.0.0.1:${port}/api/data/v9.2/`, store } as unknown as EmulatorHandle;
  return { emu, store, org, users, close: () => server.close() };
}
