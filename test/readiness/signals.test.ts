/**
 * Signals read from a crafted organisation: an empty emulator (users, configuration) with rows
 * inserted so that every count is known.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { RUN_STATUS } from "../../plugins-ts/audit/model";
import { defaultRulePack } from "../../plugins-ts/engine/packs";
import { assessReadiness, readPreviousAssessment, readSignals } from "../../plugins-ts/readiness";
import { gatewayFor } from "../helpers/audit";
import { ALL_YES } from "./fixtures";

const NOW = new Date("2026-11-23T12:00:00Z");
const DAY = 86_400_000;
const ago = (days: number): string => new Date(NOW.getTime() - days * DAY).toISOString().replace(/\.000Z$/, "Z");

describe("readiness signals from a crafted organisation", () => {
  let emu: EmulatorHandle;
  let enabled: string[];
  let disabled: string[];

  beforeAll(async () => {
    emu = await startEmulator({ data: "empty", now: NOW, throttle: false });
    enabled = emu.users.filter((u) => !u.isdisabled).map((u) => u.systemuserid);
    disabled = emu.users.filter((u) => u.isdisabled).map((u) => u.systemuserid);
    const owned = (id: string): Record<string, string> => ({ _ownerid_value: id, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser" });
    const old = { createdon: ago(300), modifiedon: ago(200), ...owned(enabled[0]) };
    const insert = (table: string, row: Parameters<EmulatorHandle["store"]["insert"]>[1]): void => void emu.store.insert(table, row);
    for (let i = 0; i < 40; i++) insert("opportunity", { name: `Won ${i}`, statecode: 1, actualclosedate: ago(200).slice(0, 10), ...old });
    for (let i = 0; i < 39; i++) insert("opportunity", { name: `Lost ${i}`, statecode: 2, actualclosedate: ago(200).slice(0, 10), ...old });
    // Created before the 730-day training window: not counted.
    insert("opportunity", { name: "Lost long ago", statecode: 2, actualclosedate: ago(790).slice(0, 10), ...old, createdon: ago(800) });
    for (let i = 0; i < 41; i++) insert("lead", { lastname: `Q${i}`, statecode: 1, ...old });
    for (let i = 0; i < 40; i++) insert("lead", { lastname: `D${i}`, statecode: 2, ...old });
    const a = "00000000-0000-0000-0000-0000000000a1";
    const b = "00000000-0000-0000-0000-0000000000b1";
    const c = "00000000-0000-0000-0000-0000000000c1";
    insert("opportunity", { opportunityid: a, name: "A", statecode: 0, estimatedvalue: 1000, ...old, ...owned(disabled[0]), modifiedon: ago(1), _modifiedby_value: enabled[1] });
    insert("opportunity", { opportunityid: b, name: "B", statecode: 0, estimatedvalue: 1000, ...old });
    insert("opportunity", { opportunityid: c, name: "C", statecode: 0, ...old });
    const c1 = "00000000-0000-0000-0000-0000000000d1";
    insert("contact", { contactid: c1, lastname: "One", emailaddress1: "one@contoso.com", statecode: 0, ...old });
    insert("contact", { lastname: "Two", statecode: 0, ...old });
    const task = (regarding: string, table: string, days: number, owner: string): void =>
      insert("task", { subject: "Call", _regardingobjectid_value: regarding, "_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname": table, statecode: 1, createdon: ago(days), actualend: ago(days), modifiedon: ago(days), ...owned(owner) });
    task(b, "opportunity", 3, enabled[2]);
    task(c, "opportunity", 20, enabled[0]);
    task(c1, "contact", 100, enabled[0]);
  });

  afterAll(async () => {
    await emu.close();
  });

  it("counts users, records, activity, ownership and the prerequisites exactly", async () => {
    const s = await readSignals(gatewayFor(emu), { pack: defaultRulePack(), now: NOW });
    expect(s.prerequisites).toEqual({ windowDays: 730, won: 40, lost: 39, qualified: 41, disqualified: 40 });
    // enabled[1] changed opportunity A yesterday; enabled[2] owns the task of 3 days ago; enabled[0] the task of 20 days ago.
    expect(s.users).toEqual({ enabled: enabled.length, active: 3 });
    expect(s.records).toEqual({ total: 166, touched: 1 });
    expect(s.opportunities).toEqual({ open: 3, withRecentActivity: 1 });
    expect(s.contacts).toEqual({ active: 2, withEngagement: 1 });
    expect(s.governance).toMatchObject({ openRecords: 5, ownedByDisabled: 1, daysSinceLastRun: null, runsLast90: 0, waiversApproved: 0 });
    expect(s.fillRates.find((r) => r.table === "opportunity" && r.column === "estimatedvalue")).toEqual({ table: "opportunity", column: "estimatedvalue", filled: 2, total: 3 });
    expect(s.fillRates.find((r) => r.table === "contact" && r.column === "emailaddress1")).toEqual({ table: "contact", column: "emailaddress1", filled: 1, total: 2 });
    expect(s.audit).toBeNull();
  });

  it("reads the last completed audit's aggregates, stores the assessment and reports the change since the previous one", async () => {
    const report = {
      overall: { records: 166, scored: 166, average: 72.5, failed: 9 },
      grades: { A: 0, B: 0, C: 166, D: 0, F: 0, none: 0 },
      byTable: { opportunity: { records: 83, average: 70, failed: 5 }, contact: { records: 2, average: 80, failed: 1 }, lead: { records: 81, average: 75, failed: 3 } },
      byDimension: {},
      byRule: [
        { ruleId: "opportunity.stage.exit_criteria", failed: 2, waived: 0 },
        { ruleId: "opportunity.stage.days", failed: 1, waived: 0 },
        { ruleId: "contact.duplicate", failed: 1, waived: 0 },
        { ruleId: "lead.duplicate", failed: 3, waived: 0 },
      ],
      byOwner: {},
      byBusinessUnit: {},
    };
    emu.store.insert("vit_auditrun", { vit_name: "older", vit_status: RUN_STATUS.completed, vit_finishedon: ago(40), vit_aggregates: JSON.stringify({ report: { ...report, overall: { ...report.overall, average: 10 } } }) });
    emu.store.insert("vit_auditrun", { vit_name: "latest", vit_status: RUN_STATUS.completed, vit_finishedon: ago(5), vit_aggregates: JSON.stringify({ report }) });
    emu.store.insert("vit_auditrun", { vit_name: "failed", vit_status: RUN_STATUS.failed, vit_finishedon: ago(1), vit_aggregates: null });
    const gateway = gatewayFor(emu);
    const s = await readSignals(gateway, { pack: defaultRulePack(), now: NOW });
    expect(s.audit).toMatchObject({ averageScore: 72.5, records: 166, exitCriteriaFailed: 2, stuck: 1, pastClose: 0, duplicateFailures: 4, duplicateRecords: 2 + 81 });
    // (opportunities have no uniqueness rule in the default pack, so they are not in the duplicate rate)
    expect(s.governance).toMatchObject({ daysSinceLastRun: 5, runsLast90: 2 });

    const first = await assessReadiness(gateway, { pack: defaultRulePack(), now: NOW, answers: ALL_YES });
    expect(first.card.previous).toBeNull();
    const stored = emu.store.rows("vit_readinessassessment");
    expect(stored).toHaveLength(1);
    expect(stored[0].vit_overallscore).toBe(first.card.overall);
    expect(JSON.parse(String(stored[0].vit_answers))).toEqual(ALL_YES);
    expect(JSON.parse(String(stored[0].vit_pillars))).toMatchObject({ v: 1, pillars: first.card.pillars.map((p) => ({ id: p.id, score: p.score })) });

    const later = new Date(NOW.getTime() + 30 * DAY);
    const previous = await readPreviousAssessment(gateway, later);
    expect(previous).toMatchObject({ overall: first.card.overall });
    expect(Date.parse(previous!.assessedOn)).toBe(NOW.getTime());
    const second = await assessReadiness(gateway, { pack: defaultRulePack(), now: later, answers: { ...ALL_YES, "ai-use-cases": "yes" }, save: false });
    expect(second.card.previous?.overall).toBe(first.card.overall);
    expect(second.card.summary.at(-1)).toMatch(/^(Up|Down) \d+(\.\d)? points since the previous assessment on 2026-11-23 \(\d+(\.\d)?\)\.$/);
    expect(emu.store.rows("vit_readinessassessment")).toHaveLength(1);
  });
});
