/**
 * The panel's data layer against the Dataverse emulator over HTTP: the exact queries the panel
 * sends (FetchXML aggregate, $expand of owner and parents, BPF stage, targeted duplicate query)
 * are accepted, and the facts they yield equal what the emulator's store holds.
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { compilePack, defaultRulePack } from "../../plugins-ts/engine";
import { createWebApiVitalsSource } from "../../controls/shared/vitalsSource";
import { classifyError } from "../../controls/shared/errors";
import { resetSessionRulePack } from "../../controls/shared/rulePackSource";
import type { WebApiPort, WebApiRow } from "../../controls/shared/webApiPort";
import { start, tokenOf } from "../helpers/emulator";

const ENTITY_SETS: Record<string, string> = {
  account: "accounts",
  contact: "contacts",
  lead: "leads",
  opportunity: "opportunities",
  activitypointer: "activitypointers",
  opportunitysalesprocess: "opportunitysalesprocesses",
  leadtoopportunitysalesprocess: "leadtoopportunitysalesprocesses",
  environmentvariabledefinition: "environmentvariabledefinitions",
  environmentvariablevalue: "environmentvariablevalues",
};

/** What a PCF host does with context.webAPI: GET against the Web API, errors as { status, errorCode, message }. */
function httpPort(emu: EmulatorHandle, token: string, log: string[]): WebApiPort {
  const get = async (path: string): Promise<WebApiRow> => {
    log.push(path);
    const res = await fetch(emu.baseUrl + path, { headers: { Accept: "application/json", Authorization: `Bearer ${token}`, Prefer: 'odata.include-annotations="*"' } });
    const body = (await res.json()) as WebApiRow & { error?: { code: string; message: string } };
    if (!res.ok) throw Object.assign(new Error(body.error?.message ?? `HTTP ${res.status}`), { status: res.status, code: body.error?.code });
    return body;
  };
  const set = (table: string) => {
    const s = ENTITY_SETS[table];
    if (!s) throw new Error(`test port: no entity set for ${table}`);
    return s;
  };
  return {
    retrieveRecord: (table, id, options = "") => get(`${set(table)}(${id})${options}`),
    retrieveMultipleRecords: async (table, options = "") => ({ entities: (await get(`${set(table)}${options}`)).value as WebApiRow[] }),
  };
}

const compiled = compilePack(defaultRulePack());
const day = (v: unknown) => (typeof v === "string" ? Date.parse(v) : null);

describe("vitals data layer against the emulator", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await start({ size: 400, seed: 7 });
  });
  afterAll(() => emu?.close());
  beforeEach(() => resetSessionRulePack());

  it.each(["account", "contact", "lead", "opportunity"])("loads %s records in at most four requests with the facts the store holds", async (table) => {
    const log: string[] = [];
    const source = createWebApiVitalsSource(httpPort(emu, emu.adminToken, log));
    const rows = emu.store.rows(table).slice(0, 12);
    expect(rows.length).toBeGreaterThan(0);
    // The first load learns which of the pack's and the matcher's columns this organisation lacks
    // (the emulator's schema is a subset of Dataverse's): one extra request per missing column.
    const first = await source.load(table, rows[0][`${table}id`] as string, compiled);
    const missing = first.partial.find((p) => p.fact === "columns")?.reason ?? "";
    const learned = log.filter((l) => l.startsWith(`${ENTITY_SETS[table]}(`)).length - 1;
    expect(log.length).toBeLessThanOrEqual(4 + learned);
    const activities = emu.store.rows("activitypointer");
    for (const row of rows) {
      const id = row[`${table}id`] as string;
      log.length = 0;
      const snap = await source.load(table, id, compiled);
      expect(log.length).toBeLessThanOrEqual(4);
      expect(snap.requests).toBe(log.length);
      const related = snap.record.related!;
      // Activities: latest completed actual end, earliest open/scheduled due date.
      const mine = activities.filter((a) => a._regardingobjectid_value === id);
      const done = mine.filter((a) => a.statecode === 1).map((a) => day(a.actualend)).filter((x): x is number => x !== null);
      const open = mine.filter((a) => a.statecode === 0 || a.statecode === 3).map((a) => day(a.scheduledend)).filter((x): x is number => x !== null);
      expect(day(related.lastActivityOn ?? null)).toBe(done.length ? Math.max(...done) : null);
      if (related.nextActivityDueOn !== undefined) expect(day(related.nextActivityDueOn)).toBe(open.length ? Math.min(...open) : null);
      // Owner.
      const owner = emu.store.get("systemuser", row._ownerid_value as string);
      expect(related.ownerEnabled).toBe(owner ? owner.isdisabled !== true : true);
      // The engine scores it without complaint.
      // The engine scores it; the only inputs "not fetched" are columns this organisation lacks.
      const score = compiled.score(snap.record, { now: new Date(emu.groundTruth.now) });
      const notFetched = score.findings.filter((f) => f.outcome === "notEvaluated" && /was not fetched/.test(f.reason ?? "")).map((f) => /"([^"]+)"/.exec(f.reason ?? "")?.[1]);
      for (const c of notFetched) expect(missing).toContain(c);
      expect(snap.partial.filter((p) => p.fact !== "columns")).toEqual([]);
    }
  });

  it("reads the business process stage of opportunities", async () => {
    const source = createWebApiVitalsSource(httpPort(emu, emu.adminToken, []));
    const instances = emu.store.rows("opportunitysalesprocess").filter((r) => r.statecode === 0).slice(0, 5);
    expect(instances.length).toBeGreaterThan(0);
    for (const inst of instances) {
      const snap = await source.load("opportunity", inst._bpf_opportunityid_value as string, compiled);
      const stage = emu.store.get("processstage", inst._activestageid_value as string);
      expect(snap.record.related?.stage?.name).toBe(stage?.stagename);
      expect(day(snap.record.related?.stage?.enteredOn)).toBe(day(inst.activestagestartedon));
    }
  });

  it("finds the generated duplicate pairs of contacts", async () => {
    const source = createWebApiVitalsSource(httpPort(emu, emu.adminToken, []));
    const pairs = emu.groundTruth.duplicatePairs.filter((p) => p.table === "contact").slice(0, 5);
    expect(pairs.length).toBeGreaterThan(0);
    let found = 0;
    for (const p of pairs) {
      const snap = await source.load("contact", p.a, compiled);
      expect(snap.partial.filter((x) => x.fact === "duplicates")).toEqual([]);
      if (snap.record.related?.duplicates?.some((d) => d.id === p.b)) found++;
    }
    expect(found).toBeGreaterThan(0);
  });

  it("tells a user without read access that they have none", async () => {
    const source = createWebApiVitalsSource(httpPort(emu, tokenOf(emu, "marketer"), []));
    const opp = emu.store.rows("opportunity")[0];
    const err = await source.load("opportunity", opp.opportunityid as string, compiled).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    expect(classifyError(err).kind).toBe("noAccess");
  });
});
