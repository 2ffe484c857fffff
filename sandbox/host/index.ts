/**
 * The sandbox: the Dataverse emulator with the demo organisation plus the host pages that show
 * the real RecordVitals bundle against it. What `npm start` (`vitals demo`) runs; tests call
 * `startSandbox` directly.
 *
 *   const sb = await startSandbox({ size: 600, seed: 3, now: new Date("2026-11-01"), port: 0 });
 *   sb.url;            // http://127.0.0.1:<port>/   (list page; /form?table=contact&id=… is a form)
 *   sb.emulator;       // the EmulatorHandle (users, tokens, groundTruth, store)
 *   await sb.close();
 */
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../emulator";
import { TABLES, tableDef } from "../emulator/schema";
import type { HostColumn, HostConfig, HostExample, HostTable, HostUser } from "./browser/config";
import { governancePage, startHost } from "./server";
import { startGraphStandIn } from "../graph";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import { runCapture } from "../../plugins-ts/graph/capture";
import { standInGraphClient } from "../graph/client";

export { ensureControlBundle, ensureSandboxBuilds, bundleStaleReason, staleReason, BUILD_TARGETS, type BuildResult } from "./build";
export type { HostConfig } from "./browser/config";

export interface SandboxOptions {
  /** Records in the demo organisation (default 2,000). Ignored when `emulator` is given. */
  size?: number;
  seed?: number;
  /** Reference date of the demo data (default today 00:00 UTC). */
  now?: Date;
  /** Host page port on 127.0.0.1; 0 = any free port (default 8080, the next free one when taken). */
  port?: number;
  /** Use this emulator instead of starting one (it is not closed by `close()`). */
  emulator?: EmulatorHandle;
  /** Service protection of a started emulator (default: the documented limits). */
  throttle?: EmulatorOptions["throttle"];
  /**
   * Demo mailboxes in a Graph stand-in and one activity-capture run before the pages open, so
   * contacts show their unlogged mail and meetings (default true for a started emulator).
   */
  activityCapture?: boolean;
  /** A started emulator's demo history (monthly audits, waivers, readiness, digests); default off. */
  history?: EmulatorOptions["history"];
}

export interface SandboxHandle {
  /** The list page: http://127.0.0.1:<port>/ */
  url: string;
  emulator: EmulatorHandle;
  /** What the pages are told (users with tokens, tables, examples); governancePage is checked on each read. */
  readonly config: HostConfig;
  close(): Promise<void>;
}

/** The tables the host lists, with the columns its form shows (editable ones are saved through the Web API). */
const FORM_COLUMNS: Record<string, { name: string; editable?: boolean; onCreate?: boolean }[]> = {
  account: [
    { name: "name", editable: true, onCreate: true }, { name: "emailaddress1", editable: true }, { name: "telephone1", editable: true },
    { name: "websiteurl", editable: true }, { name: "industrycode" }, { name: "address1_city" }, { name: "address1_country" }, { name: "modifiedon" },
  ],
  contact: [
    { name: "firstname", editable: true, onCreate: true }, { name: "lastname", editable: true, onCreate: true }, { name: "emailaddress1", editable: true },
    { name: "telephone1", editable: true }, { name: "jobtitle", editable: true }, { name: "parentcustomerid" }, { name: "address1_country" }, { name: "modifiedon" },
  ],
  lead: [
    { name: "subject", editable: true, onCreate: true }, { name: "firstname", editable: true, onCreate: true }, { name: "lastname", editable: true, onCreate: true },
    { name: "companyname", editable: true }, { name: "emailaddress1", editable: true }, { name: "telephone1", editable: true }, { name: "jobtitle", editable: true },
    { name: "statecode" }, { name: "modifiedon" },
  ],
  opportunity: [
    { name: "name", editable: true, onCreate: true }, { name: "estimatedvalue", editable: true }, { name: "estimatedclosedate", editable: true },
    { name: "customerneed", editable: true }, { name: "proposedsolution", editable: true }, { name: "parentaccountid" }, { name: "stepname" },
    { name: "statecode" }, { name: "modifiedon" },
  ],
};

const PLURAL: Record<string, string> = { opportunity: "Opportunities" };

function hostTable(logicalName: string): HostTable {
  const t = tableDef(logicalName);
  const columns: HostColumn[] = FORM_COLUMNS[logicalName].map((c) => {
    const def = t.byColumn.get(c.name);
    if (!def) throw new Error(`sandbox host: column '${c.name}' is not in the emulator's ${logicalName} table`);
    return { name: c.name, label: def.label, type: def.type, editable: c.editable === true, ...(c.onCreate ? { onCreate: true } : {}) };
  });
  return { logicalName, entitySetName: t.entitySetName, displayName: t.displayName, pluralName: PLURAL[logicalName] ?? `${t.displayName}s`, primaryId: t.primaryId, primaryName: t.primaryName, columns };
}

/** What a demo user can read, in words (the emulator's roles, sandbox/README.md). */
export function describeAccess(u: { role: string; isdisabled: boolean }, businessUnit: string): string {
  if (u.isdisabled) return "nothing: a disabled user's token is refused (401)";
  if (u.role.startsWith("System Administrator")) return "every record, and may change them";
  if (u.role.startsWith("Vitals Governance Owner (business unit)")) return `every record of ${businessUnit} (read only), runs audits`;
  if (u.role.startsWith("Vitals Governance Owner")) return "every record (read only), runs audits";
  if (u.role.startsWith("Sales Manager")) return `the records of ${businessUnit}`;
  if (u.role.startsWith("Salesperson")) return "only their own and their teams' records";
  if (u.role.startsWith("Marketing")) return "their own accounts, contacts and leads; no opportunities at all (403)";
  return u.role;
}

function formHref(table: string, id: string | null, user: string): string {
  return `/form?table=${table}${id ? `&id=${id}` : ""}&user=${user}`;
}

/** One activity-capture run against the demo mailboxes (Graph stand-in), as a scheduled job would do. */
async function captureOnce(emu: EmulatorHandle): Promise<void> {
  const graph = await startGraphStandIn({ mailboxes: emu.mail!.mailboxes });
  try {
    await runCapture({
      gateway: createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.adminToken }),
      graph: standInGraphClient(graph),
      now: new Date(emu.groundTruth.now),
    });
  } finally {
    await graph.close();
  }
}

/** Records worth opening first, found in the ground-truth manifest. */
export function pickExamples(emu: EmulatorHandle): HostExample[] {
  const gt = emu.groundTruth;
  const kinds = new Map<string, Set<string>>();
  for (const d of gt.defects) {
    const k = `${d.table}:${d.id}`;
    const s = kinds.get(k) ?? new Set<string>();
    s.add(d.kind);
    kinds.set(k, s);
  }
  const ownerKey = new Map(emu.users.filter((u) => !u.isdisabled).map((u) => [u.systemuserid, u.key]));
  const owners = new Map<string, Map<string, string>>();
  /** Key of the enabled demo user who owns a record (undefined for teams and disabled users). */
  const owner = (table: string, id: string): string | undefined => {
    let m = owners.get(table);
    if (!m) {
      m = new Map(emu.store.rows(table).map((r) => [String(r[`${table}id`]), String(r._ownerid_value)]));
      owners.set(table, m);
    }
    return ownerKey.get(m.get(id) ?? "");
  };
  const find = (table: string, want: string[], pred: (id: string) => boolean = () => true): string | undefined => {
    for (const [k, s] of kinds) {
      const [t, id] = k.split(":");
      if (t === table && want.every((w) => s.has(w)) && pred(id)) return id;
    }
    return undefined;
  };
  const out: HostExample[] = [];
  const email = find("contact", ["malformedEmail"], (id) => /^rep\d$/.test(owner("contact", id) ?? "")) ?? find("contact", ["malformedEmail"]);
  if (email) {
    out.push({ title: "A contact with a malformed email", detail: "The panel names the bad address; correct it in Email and press Save: the finding goes and the score rises.", href: formHref("contact", email, "admin") });
    const rep = owner("contact", email);
    if (rep && rep !== "admin") {
      const u = emu.users.find((x) => x.key === rep)!;
      out.push({ title: `The same contact as its owner, ${u.fullname} (${u.role})`, detail: "A salesperson sees only their own and their teams' records; the list shrinks to those.", href: formHref("contact", email, rep) });
    }
  }
  const deal = find("opportunity", ["pastCloseDate", "stuckDeal"]) ?? find("opportunity", ["pastCloseDate"]);
  if (deal) out.push({ title: "An opportunity past its close date and stuck in its stage", detail: "Critical findings first, and the stage-readiness checklist with days in stage against the limit.", href: formHref("opportunity", deal, "admin") });
  const truth = emu.mail?.truth;
  if (truth && emu.store.count("vit_activitygap")) {
    const gap = Object.entries(truth.contacts).find(([id, t]) => t.unloggedEmails > 0 && t.unloggedMeetings > 0 && owner("contact", id) !== undefined);
    if (gap) {
      const [id, t] = gap;
      out.push({
        title: "A contact with mail and meetings that are not in Dynamics",
        detail: `Outlook (the Graph stand-in) holds ${t.unloggedEmails + t.unloggedMeetings} emails and meetings with this person that nobody logged; the panel's engagement finding says so.`,
        href: formHref("contact", id, owner("contact", id) ?? "admin"),
      });
    }
  }
  const clean = gt.clean.find((c) => c.table === "contact") ?? gt.clean[0];
  if (clean) out.push({ title: `A clean ${clean.table}`, detail: "No defect injected: a perfect score and nothing to fix.", href: formHref(clean.table, clean.id, "admin") });
  if (deal) {
    const m = emu.users.find((u) => u.key === "marketer");
    if (m) out.push({ title: `An opportunity as ${m.fullname} (Marketing, no opportunity access)`, detail: "The panel shows its no-access state; the Web API answered 403.", href: formHref("opportunity", deal, m.key) });
  }
  out.push({ title: "A new, unsaved contact", detail: "The panel waits for the first save; fill in a last name and Save to create it and see it scored.", href: formHref("contact", null, "rep1") });
  return out;
}

function buildConfig(emu: EmulatorHandle): Omit<HostConfig, "governancePage"> {
  const units = new Map(emu.store.rows("businessunit").map((b) => [String(b.businessunitid), String(b.name)]));
  const users: HostUser[] = emu.users.map((u) => {
    const businessUnit = units.get(u.businessunitid) ?? "";
    return { key: u.key, fullname: u.fullname, role: u.role, businessUnit, isdisabled: u.isdisabled, token: u.token, sees: describeAccess(u, businessUnit) };
  });
  return {
    apiBase: "/api/data/v9.2/",
    defaultUser: "admin",
    users,
    entitySets: Object.fromEntries(TABLES.map((t) => [t.logicalName, t.entitySetName])),
    tables: ["account", "contact", "lead", "opportunity"].map(hostTable),
    examples: pickExamples(emu),
    dataNow: emu.groundTruth.now,
  };
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  const own = opts.emulator === undefined;
  const emulator = opts.emulator ?? (await startEmulator({ port: 0, size: opts.size ?? 2000, seed: opts.seed ?? 1, now: opts.now, throttle: opts.throttle, mail: opts.activityCapture !== false, history: opts.history }));
  try {
    if (emulator.mail && !emulator.store.count("vit_activitygap")) await captureOnce(emulator);
    const config = buildConfig(emulator);
    const host = await startHost({ emulatorOrgUrl: emulator.orgUrl, config: config, port: opts.port ?? 8080, nextFreePort: opts.port === undefined || opts.port !== 0 });
    return {
      url: host.url,
      emulator,
      get config(): HostConfig {
        return { ...config, governancePage: governancePage() };
      },
      close: async () => {
        await host.close();
        if (own) await emulator.close();
      },
    };
  } catch (e) {
    if (own) await emulator.close();
    throw e;
  }
}
