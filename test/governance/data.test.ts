/**
 * The Governance Center's data layer over the real gateway, against the emulator with the demo
 * organisation: what the views read and write lands in Dataverse as the audit and the panel expect.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import { WAIVER_STATUS } from "../../plugins-ts/audit/model";
import { defaultRulePack } from "../../plugins-ts/engine";
import { GOVERNANCE_WRITABLE } from "../../plugins-ts/webresources/governance/connection";
import { createGovernanceData, InvalidRulePackError, type GovernanceData } from "../../plugins-ts/webresources/governance/data";
import type { CompactFinding } from "../../plugins-ts/audit/health";
import { createScheduleSource } from "../../plugins-ts/webresources/governance/schedules";

const NOW = new Date("2026-11-23T12:00:00Z");
const DAY = 86_400_000;

describe("the Governance Center's data layer against the emulator", () => {
  let emu: EmulatorHandle;
  let data: GovernanceData;
  let clock = NOW;

  beforeAll(async () => {
    emu = await startEmulator({ data: "demo", size: 300, seed: 5, now: NOW, throttle: false });
    const gateway = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.adminToken, writableTables: GOVERNANCE_WRITABLE });
    data = createGovernanceData(gateway, { now: () => clock });
  }, 60_000);
  afterAll(() => emu.close());

  it("reads the audit cadence from its environment variable and names users, teams and business units", async () => {
    expect(await data.cadence()).toEqual({ days: 14, raw: "14" });
    const dir = await data.directory();
    const admin = emu.users.find((u) => u.key === "admin")!;
    expect(dir.users.get(admin.systemuserid)?.name).toBe(admin.fullname);
    expect([...dir.businessUnits.values()]).toContain("Sales Europe");
    expect([...dir.teams.values()]).toContain("Key Accounts NA");
  });

  it("runs an audit, lists it, reads its results and drills down to exactly the health rows with a rule's failure", async () => {
    const phases: string[] = [];
    const result = await data.startAudit({ scope: { tables: ["account", "contact"] }, mode: "full", onProgress: (p) => phases.push(p.phase) });
    expect(result.status).toBe("completed");
    expect(phases[phases.length - 1]).toBe("done");
    const runs = await data.runs();
    expect(runs[0]).toMatchObject({ id: result.runId, status: "completed", mode: "full", scope: { tables: ["account", "contact"] }, overallScore: result.report.overall.average, resumable: false });
    const details = await data.runDetails(result.runId);
    expect(details!.report).toEqual(result.report);

    const top = result.report.byRule.find((r) => r.ruleId.startsWith("contact.") && r.failed > 0)!;
    const rows = await data.drillDown("contact", top.ruleId);
    const expected = emu.store
      .rows("vit_recordhealth")
      .filter((h) => h.vit_table === "contact" && h.statecode === 0 && (JSON.parse(String(h.vit_findings)) as CompactFinding[]).some((x) => x.r === top.ruleId && x.o === "f"))
      .map((h) => String(h.vit_recordid))
      .sort();
    expect(rows.map((r) => r.recordId).sort()).toEqual(expected);
    expect(rows).toHaveLength(top.failed);
    expect(rows.every((r) => r.name && !r.name.startsWith("contact: "))).toBe(true);
    // Lowest scores first.
    const scores = rows.map((r) => r.score ?? 0);
    expect([...scores].sort((a, b) => a - b)).toEqual(scores);
  }, 60_000);

  it("lists an interrupted run as resumable", async () => {
    const controller = new AbortController();
    await data.startAudit({
      scope: { tables: ["lead"] },
      mode: "full",
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === "preparing") controller.abort();
      },
    });
    const runs = await data.runs();
    // A cancelled run is not resumable (it keeps no promise to finish); mark one failed to see the difference.
    const cancelled = runs.find((r) => r.status === "cancelled")!;
    expect(cancelled.resumable).toBe(false);
    emu.store.update("vit_auditrun", cancelled.id, { vit_status: 105420002, vit_checkpoint: '{"checkpoint":{}}' });
    expect((await data.runs()).find((r) => r.id === cancelled.id)).toMatchObject({ status: "failed", resumable: true });
  }, 60_000);

  it("refuses an invalid rule pack without writing, saves a valid one (creating the value row), updates it, and clears it", async () => {
    const values = () => emu.store.rows("environmentvariablevalue").filter((r) => r.schemaname === "vit_RulePack");
    expect((await data.rulePack()).source).toBe("default");
    await expect(data.saveRulePack('{"id": "x"}', null)).rejects.toBeInstanceOf(InvalidRulePackError);
    await expect(data.saveRulePack("{ nope", null)).rejects.toThrow("not saved");
    expect(values()).toHaveLength(0);
    // Valid JSON and schema, but a rule on a column the organisation does not have: refused, naming both.
    const typo = structuredClone(defaultRulePack());
    const i = typo.rules.findIndex((r) => r.id === "contact.jobtitle.required");
    typo.rules[i] = { ...typo.rules[i], check: { type: "required", column: "jobtitel" } };
    const refused = await data.saveRulePack(JSON.stringify(typo), null).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidRulePackError);
    expect((refused as InvalidRulePackError).errors).toEqual([{ ruleId: "contact.jobtitle.required", path: `$.rules[${i}]`, message: 'column "jobtitel" does not exist on table "contact" in this organisation' }]);
    expect(values()).toHaveLength(0);

    const pack = { ...defaultRulePack(), id: "contoso", version: "2.0.0" };
    await data.saveRulePack(JSON.stringify(pack), null);
    expect(values()).toHaveLength(1);
    const def = emu.store.rows("environmentvariabledefinition").find((d) => d.schemaname === "vit_RulePack")!;
    expect(values()[0]._environmentvariabledefinitionid_value).toBe(def.environmentvariabledefinitionid);
    let state = await data.rulePack();
    expect(state).toMatchObject({ source: "organisation", inForce: { id: "contoso", version: "2.0.0" } });

    // Two governance owners editing at once: the second save, over the version both loaded, is refused.
    await data.saveRulePack(JSON.stringify({ ...pack, version: "2.0.1" }), state.valueVersion);
    expect(values()).toHaveLength(1);
    await expect(data.saveRulePack(JSON.stringify({ ...pack, version: "2.0.2" }), state.valueVersion)).rejects.toThrow(/someone else saved it since you loaded it — reload/);
    await expect(data.saveRulePack(JSON.stringify({ ...pack, version: "2.0.2" }), null)).rejects.toThrow(/reload/);
    state = await data.rulePack();
    expect(state.inForce.version).toBe("2.0.1");

    await data.saveRulePack("", state.valueVersion);
    state = await data.rulePack();
    expect(state.source).toBe("default");
    expect(state.organisationText).toBeNull();
  });

  it("requests, approves, expires and rejects waivers; an approved waiver past its expiry shows as expired", async () => {
    const contact = emu.store.rows("contact")[0];
    const id = String(contact.contactid);
    await data.requestWaiver({ table: "contact", recordId: id.toUpperCase(), ruleId: "contact.jobtitle.required", reason: "Board member: no title on purpose" });
    let list = await data.waivers();
    const w = list.find((x) => x.recordId === id && x.ruleId === "contact.jobtitle.required")!;
    expect(w).toMatchObject({ status: "requested", reason: "Board member: no title on purpose", table: "contact" });

    const expires = new Date(NOW.getTime() + 30 * DAY).toISOString();
    // Two governance owners decide the same waiver from the same list: the second is refused
    // (If-Match on the version read), not silently applied over the first.
    await data.decideWaiver(w.id, "approved", expires, w.etag);
    await expect(data.decideWaiver(w.id, "rejected", null, w.etag)).rejects.toThrow("it was changed by someone else since you loaded it — reload to see the current decision");
    const stored = emu.store.get("vit_waiver", w.id)!;
    expect(stored.vit_waiverstatus).toBe(WAIVER_STATUS.approved);
    expect(stored._vit_approvedby_value).toBe(emu.users.find((u) => u.key === "admin")!.systemuserid);
    list = await data.waivers();
    expect(list.find((x) => x.id === w.id)).toMatchObject({ status: "approved", storedStatus: "approved" });

    clock = new Date(NOW.getTime() + 31 * DAY);
    list = await data.waivers();
    expect(list.find((x) => x.id === w.id)).toMatchObject({ status: "expired", storedStatus: "approved" });
    await data.decideWaiver(w.id, "expired", null, list.find((x) => x.id === w.id)!.etag);
    expect(emu.store.get("vit_waiver", w.id)!.vit_waiverstatus).toBe(WAIVER_STATUS.expired);
    clock = NOW;

    // Asking again re-opens the same waiver (one per record and rule), which can then be rejected.
    await data.requestWaiver({ table: "contact", recordId: id, ruleId: "contact.jobtitle.required", reason: "Still a board member" });
    list = await data.waivers();
    const again = list.filter((x) => x.recordId === id && x.ruleId === "contact.jobtitle.required");
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: w.id, status: "requested", reason: "Still a board member", expiresOn: null });
    await data.decideWaiver(w.id, "rejected", null, again[0].etag);
    expect(emu.store.get("vit_waiver", w.id)!.vit_waiverstatus).toBe(WAIVER_STATUS.rejected);
  });

  it("refuses a waiver request for a record id that is not a GUID", async () => {
    await expect(data.requestWaiver({ table: "contact", recordId: "not-a-guid", ruleId: "contact.jobtitle.required", reason: "x" })).rejects.toThrow("is not a GUID");
  });
});

describe("audit schedules in the Governance Center", () => {
  it("'run now' on a schedule someone changed since the page loaded it says so and writes nothing", async () => {
    const emu = await startEmulator({ data: "demo", size: 100, seed: 5, now: NOW, throttle: false });
    try {
      const gateway = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.adminToken, writableTables: GOVERNANCE_WRITABLE });
      const schedules = createScheduleSource(gateway, () => NOW);
      await schedules.add({ name: "Weekly audit", tables: ["contact"], mode: "incremental", cadence: { cron: null, everyDays: 7, timeOfDay: "06:00", timeZone: "UTC" }, recipients: "" });
      const [loaded] = await schedules.list();
      // A runner claims it after the page loaded.
      emu.store.update("vit_auditschedule", loaded.id, { vit_claimedby: "runner-a" });
      await expect(schedules.runNow(loaded)).rejects.toThrow(/changed by someone else since you loaded it .* reload/);
      expect(emu.store.get("vit_auditschedule", loaded.id)!.vit_nextrunon).toBe(loaded.nextRunOn);
      const [reloaded] = await schedules.list();
      await schedules.runNow(reloaded);
      expect(emu.store.get("vit_auditschedule", loaded.id)!.vit_nextrunon).toBe("2026-11-23T12:00:00Z");
    } finally {
      await emu.close();
    }
  }, 60_000);
});
