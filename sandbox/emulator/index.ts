/**
 * A local stand-in for the Dataverse Web API, loaded with the demo organisation.
 *
 *   const emu = await startEmulator({ size: 2000, seed: 1 });
 *   fetch(`${emu.baseUrl}accounts?$top=5`, { headers: { Authorization: `Bearer ${emu.adminToken}` } });
 *
 * Loopback only (127.0.0.1). See sandbox/README.md for what it simplifies.
 */
import { generateDemoOrg, type GroundTruth } from "../demo/generate";
import { generateDemoMail, type DemoMail, type DemoMailOptions } from "../demo/mailboxes";
import { planDemoHistory, type HistoryOptions } from "../demo/history";
import { replayDemoHistory, type DemoHistory } from "../demo/historyReplay";
import type { DemoUser } from "../demo/users";
import { keyIndexesOf } from "./keyindexes";
import { FaultInjector, ServiceProtection, type FaultSettings, type ThrottleSettings } from "./protection";
import { DEMO_FIELD_PROFILES } from "./fieldsecurity";
import { DEMO_ROLES } from "./roles";
import { EmulatorServer, type EmulatorStats, type UserEntry } from "./server";
import { TABLES } from "./schema";
import { systemFormRows } from "./systemforms";
import { EmulatorStore } from "./store";

export type { DemoUser } from "../demo/users";
export type { GroundTruth, Defect, DuplicatePair, DefectKind } from "../demo/generate";
export type { ThrottleSettings, FaultSettings } from "./protection";
export type { HistoryOptions, HistoryFix } from "../demo/history";
export type { DemoHistory, HistoryRun, HistoryWaiver } from "../demo/historyReplay";
export type { EmulatorStats } from "./server";
export { EmulatorStore, type Row } from "./store";
export { DEFAULT_THROTTLE } from "./protection";

export interface EmulatorOptions {
  /** 0 = an ephemeral port (default). */
  port?: number;
  /** "demo" (default): the generated organisation; "empty": users, processes and configuration only. */
  data?: "demo" | "empty";
  /** Records of account + contact + lead + opportunity in the demo organisation (default 2000). */
  size?: number;
  seed?: number;
  /** Reference clock of the generated dates (default today 00:00Z). */
  now?: Date;
  /** Service protection limits (documented defaults), or false to switch them off. */
  throttle?: Partial<ThrottleSettings> | false;
  faults?: FaultSettings;
  /**
   * Demo Outlook mailboxes for the Microsoft Graph stand-in (sandbox/graph), with the email,
   * appointment and activity-party rows of what is already logged, and vit_GraphIntegrationEnabled
   * switched on. Off by default.
   */
  mail?: boolean | DemoMailOptions;
  /**
   * A past for the demo organisation (sandbox/demo/history.ts): monthly audits run by the audit
   * code against the data as it stood at each date, waivers in every state, a readiness
   * assessment and digests. Off by default (it costs an audit per month); `true` = 6 months.
   */
  history?: boolean | HistoryOptions;
  /**
   * "active" (default): every alternate key usable, as in an organisation imported long ago.
   * "pending": the solution's keys are Pending, as right after an import, and become Active two
   * requests later (Pending → InProgress → Active, one step per request; sandbox/emulator/keyindexes.ts).
   */
  keyIndexes?: "active" | "pending";
}

export interface EmulatorHandle {
  /** http://127.0.0.1:<port>/api/data/v9.2/ */
  baseUrl: string;
  /** http://127.0.0.1:<port>/ */
  orgUrl: string;
  users: DemoUser[];
  adminToken: string;
  groundTruth: GroundTruth;
  /** The demo mailboxes and their ground truth, when `mail` was asked for. */
  mail: DemoMail | null;
  stats(): EmulatorStats;
  resetStats(): void;
  setFaults(f: FaultSettings | null): void;
  setThrottle(t: Partial<ThrottleSettings> | false): void;
  /** Direct access for tests: bypasses security and is not counted in stats. */
  store: EmulatorStore;
  /** What the history replay did, when `history` was asked for. */
  history: DemoHistory | null;
  close(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const seed = opts.seed ?? 1;
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) {
    throw new Error(`port must be a whole number between 0 and 65535, got ${opts.port}`);
  }
  const org = generateDemoOrg({ size: opts.size ?? 2000, seed, now: opts.now, data: opts.data ?? "demo" });
  const mail = opts.mail && opts.data !== "empty" ? generateDemoMail(org, { seed, ...(typeof opts.mail === "object" ? opts.mail : {}) }) : null;
  if (mail) {
    for (const [table, rows] of Object.entries(mail.rows)) org.tables[table] = [...(org.tables[table] ?? []), ...rows];
    const switchDef = org.tables.environmentvariabledefinition.find((d) => d.schemaname === "vit_GraphIntegrationEnabled");
    if (switchDef) {
      org.tables.environmentvariablevalue.push({
        environmentvariablevalueid: "6d1e7f3a-2b4c-4d5e-8f90-a1b2c3d4e5f6", schemaname: "vit_GraphIntegrationEnabled", value: "yes",
        _environmentvariabledefinitionid_value: switchDef.environmentvariabledefinitionid, statecode: 0, statuscode: 1,
        _ownerid_value: switchDef._ownerid_value, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser", _owningbusinessunit_value: switchDef._owningbusinessunit_value,
      });
    }
  }
  const plan = opts.history && opts.data !== "empty" ? planDemoHistory(org, seed, opts.history === true ? {} : opts.history) : null;
  const store = new EmulatorStore();
  for (const [table, rows] of Object.entries(plan ? plan.stateAt(0) : org.tables)) if (rows.length) store.load(table, rows);
  store.load("systemform", systemFormRows()); // what importing the managed solution leaves on the main forms
  const childUnits = (id: string): string[] => org.people.rows.businessunit.filter((b) => b._parentbusinessunitid_value === id).flatMap((b) => [String(b.businessunitid), ...childUnits(String(b.businessunitid))]);
  const users: UserEntry[] = org.people.users.map((u) => ({
    id: u.systemuserid,
    businessUnitId: u.businessunitid,
    teamIds: new Set(u.teamIds),
    childBusinessUnitIds: new Set(childUnits(u.businessunitid)),
    role: DEMO_ROLES[u.roleKey],
    fieldProfiles: new Set(DEMO_FIELD_PROFILES[u.roleKey]),
    fullname: u.fullname,
    disabled: u.isdisabled,
    token: u.token,
  }));
  const server = new EmulatorServer(store, users, org.people.organizationId, new ServiceProtection(opts.throttle), new FaultInjector(opts.faults ?? null));
  const port = await server.listen(opts.port ?? 0);
  const orgUrl = `http://127.0.0.1:${port}/`;
  const publicUsers: DemoUser[] = org.people.users.map((u) => ({
    key: u.key, fullname: u.fullname, systemuserid: u.systemuserid, domainname: u.domainname, token: u.token,
    role: u.role, isdisabled: u.isdisabled, businessunitid: u.businessunitid,
  }));
  const handle: EmulatorHandle = {
    baseUrl: `${orgUrl}api/data/v9.2/`,
    orgUrl,
    users: publicUsers,
    adminToken: publicUsers.find((u) => u.key === "admin")!.token,
    groundTruth: org.groundTruth,
    mail,
    stats: () => structuredClone(server.stats),
    resetStats: () => {
      server.stats = { requests: 0, byKind: {}, throttled: 0, faults503: 0, dropped: 0, rowsRead: 0, rowsWritten: 0, batchItems: 0 };
    },
    setFaults: (f) => server.faults.set(f),
    setThrottle: (t) => server.protection.set(t),
    store,
    history: null,
    close: () => server.close(),
  };
  if (plan) {
    handle.history = await replayDemoHistory(handle, plan).catch(async (e: unknown) => {
      await server.close();
      throw e;
    });
  }
  if (opts.keyIndexes === "pending") keyIndexesOf(store).startPending(TABLES.filter((t) => t.isCustom === true));
  return handle;
}
