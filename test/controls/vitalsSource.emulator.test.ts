/**
 * The panel's data layer against the Dataverse emulator over HTTP: the exact queries the panel
 * sends (FetchXML aggregate, $expand of owner and parents, BPF stage, targeted duplicate query)
 * are accepted, and the facts they yield equal what the emulator's store holds.
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { compilePack, defaultRulePack } from "../../plugins-ts/engine";
import { createWebApiVitalsSource } from "../../plugins-ts/client/vitalsSource";
import { classifyError } from "../../plugins-ts/client/errors";
import { resetSessionRulePack } from "../../plugins-ts/client/rulePackSource";
import { httpPort, start, tokenOf } from "../helpers/emulator";

const compiled = compilePack(defaultRulePack());
const day = (v: unknown) => (typeof v === "string" ? Date.parse(v) : null);

describe("vitals data layer against the emulator", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await start({ size: 400, seed: 7 });
  });
  afterAll(() => emu?.close());
  beforeEach(() => resetSessionRulePack());

  // The record, its activities, then the stage (leads, opportunities) or the Outlook comparison
  // (contacts), then likely duplicates (accounts, contacts, leads); the pack is read once per session.
  const MOST: Record<string, number> = { account: 3, contact: 4, lead: 4, opportunity: 3 };
  it.each(["account", "contact", "lead", "opportunity"])("loads %s records with no refused request, in as few requests as the pack's facts need", async (table) => {
    const most = MOST[table];
    const log: string[] = [];
    const source = createWebApiVitalsSource(httpPort(emu, emu.adminToken, log));
    const rows = emu.store.rows(table).slice(0, 12);
    expect(rows.length).toBeGreaterThan(0);
    // Every column the default pack and the matcher read exists in the emulator (as in Dataverse): no 400, no retry.
    const first = await source.load(table, rows[0][`${table}id`] as string, compiled);
    expect(first.partial).toEqual([]);
    expect(log.length).toBeLessThanOrEqual(most);
    const activities = emu.store.rows("activitypointer");
    for (const row of rows) {
      const id = row[`${table}id`] as string;
      log.length = 0;
      const snap = await source.load(table, id, compiled);
      expect(log.length).toBeLessThanOrEqual(most);
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
      // The engine scores it with every input fetched.
      const score = compiled.score(snap.record, { now: new Date(emu.groundTruth.now) });
      const notFetched = score.findings.filter((f) => f.outcome === "notEvaluated" && /was not fetched/.test(f.reason ?? "")).map((f) => /"([^"]+)"/.exec(f.reason ?? "")?.[1]);
      expect(notFetched).toEqual([]);
      expect(snap.partial.filter((p) => p.fact !== "columns")).toEqual([]);
    }
  });

  it("reads the last Outlook comparison of a contact, as its owner, and scores it as engagement", async () => {
    const contact = emu.store.rows("contact").find((c) => c.statecode === 0 && c._owninguser_value === emu.users.find((u) => u.key === "rep1")!.systemuserid)!;
    const id = contact.contactid as string;
    emu.store.insert("vit_activitygap", {
      vit_activitygapid: "4f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", vit_name: "gap", vit_recordid: id, _vit_contactid_value: id,
      vit_unloggedemails: 3, vit_unloggedmeetings: 1, vit_loggedemails: 2, vit_loggedmeetings: 0, vit_windowdays: 30, vit_checkedon: emu.groundTruth.now,
      _ownerid_value: contact._ownerid_value, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser", statecode: 0, statuscode: 1,
    });
    const log: string[] = [];
    const snap = await createWebApiVitalsSource(httpPort(emu, tokenOf(emu, "rep1"), log)).load("contact", id, compiled);
    expect(log.some((l) => l.startsWith(`vit_activitygaps?$select=`) && l.includes(`vit_recordid eq '${id}'`))).toBe(true);
    expect(snap.record.related?.engagementGap).toMatchObject({ unloggedEmails: 3, unloggedMeetings: 1, loggedEmails: 2, windowDays: 30 });
    const finding = compiled.score(snap.record, { now: new Date(emu.groundTruth.now) }).findings.find((f) => f.ruleId === "contact.activity.captured");
    expect(finding).toMatchObject({ outcome: "failed", dimension: "engagement" });
    expect(finding?.observed).toContain("3 emails and 1 meeting with this contact in the last 30 days are not in Dynamics");
    // A contact that was never compared: known "none", so the rule is not evaluated (never failed).
    const never = emu.store.rows("contact").find((c) => c.statecode === 0 && c.contactid !== id)!;
    const snap2 = await createWebApiVitalsSource(httpPort(emu, emu.adminToken, [])).load("contact", never.contactid as string, compiled);
    expect(snap2.record.related?.engagementGap).toBeNull();
    expect(compiled.score(snap2.record, { now: new Date(emu.groundTruth.now) }).findings.find((f) => f.ruleId === "contact.activity.captured")?.outcome).toBe("notEvaluated");
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
