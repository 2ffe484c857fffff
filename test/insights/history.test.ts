/**
 * Outcomes and regressions from a history the test makes itself: a crafted organisation audited by
 * runAudit at three dates, with deals moving stage, losing an exit criterion and closing between
 * the audits. The outcome table's counts are checked against a direct query of the emulator.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { runAudit } from "../../plugins-ts/audit/run";
import { GRADE_OF_VALUE } from "../../plugins-ts/audit/model";
import { parseLedger } from "../../plugins-ts/audit/stages";
import { defaultRulePack } from "../../plugins-ts/engine/packs";
import { readClosedOpportunities, readRegressions } from "../../plugins-ts/readiness/insights";
import { groupRegressions } from "../../plugins-ts/readiness/regressions";
import { outcomesBy } from "../../plugins-ts/readiness/outcomes";
import { gatewayFor } from "../helpers/audit";
import { api } from "../helpers/emulator";

const DAY = 86_400_000;
const T0 = new Date("2026-08-01T12:00:00Z");
const at = (days: number): Date => new Date(T0.getTime() + days * DAY);
const iso = (d: Date): string => d.toISOString().replace(/\.000Z$/, "Z");

describe("outcome insight from audit history", () => {
  let emu: EmulatorHandle;
  const stage: Record<string, string> = {};
  const owner = (emuUsers: EmulatorHandle["users"], i: number): string => emuUsers.filter((u) => !u.isdisabled)[i].systemuserid;
  const clean: string[] = [];
  const messy: string[] = [];
  const regressor = "00000000-0000-0000-0000-00000000aa01";
  const gradeAtFirstAudit = new Map<string, string | null>();

  const audit = (now: Date) => runAudit({ gateway: gatewayFor(emu), pack: defaultRulePack(), scope: { tables: ["opportunity"] }, mode: "full", now, duplicates: false });

  beforeAll(async () => {
    emu = await startEmulator({ data: "empty", now: T0, throttle: false });
    for (const s of emu.store.rows("processstage")) if (s.primaryentitytypecode === "opportunity" && s.stagecategory !== undefined && !stage[String(s.stagename)]) stage[String(s.stagename)] = String(s.processstageid);
    const acct = emu.store.insert("account", { name: "Contoso", statecode: 0 });
    const contact = emu.store.insert("contact", { lastname: "Ruiz", statecode: 0, _parentcustomerid_value: acct.accountid, "_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "account" });
    const base = (i: number, good: boolean) => ({
      name: `Deal ${i}`,
      statecode: 0,
      statuscode: 1,
      _ownerid_value: owner(emu.users, i % 2),
      "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser",
      _parentaccountid_value: acct.accountid,
      _parentcontactid_value: good ? contact.contactid : null,
      estimatedvalue: good ? 50_000 : null,
      estimatedclosedate: good ? "2026-12-15" : null,
      purchasetimeframe: 1,
      budgetamount: good ? 40_000 : null,
      decisionmaker: good,
      customerneed: good ? "Replace legacy CRM" : null,
      createdon: iso(at(-40)),
      modifiedon: iso(at(-3)),
    });
    const addDeal = (id: string, i: number, good: boolean, stageName: string, extra: Record<string, unknown> = {}): void => {
      emu.store.insert("opportunity", { opportunityid: id, ...base(i, good), ...extra });
      emu.store.insert("opportunitysalesprocess", { name: "Opportunity Sales Process", _bpf_opportunityid_value: id, _activestageid_value: stage[stageName], activestagestartedon: iso(at(-10)), statecode: 0, statuscode: 1 });
    };
    for (let i = 0; i < 14; i++) {
      const id = `00000000-0000-0000-0000-0000000c${String(i).padStart(4, "0")}`;
      addDeal(id, i, true, "Qualify");
      clean.push(id);
    }
    for (let i = 0; i < 14; i++) {
      const id = `00000000-0000-0000-0000-0000000f${String(i).padStart(4, "0")}`;
      addDeal(id, i, false, "Qualify");
      messy.push(id);
    }
    // In Develop with every Qualify criterion met: it passed the gate.
    addDeal(regressor, 1, true, "Develop");
  });

  afterAll(async () => {
    await emu.close();
  });

  it("records stage entries with the health at the audit, and the gate", async () => {
    await audit(T0);
    const rows = emu.store.rows("vit_recordhealth");
    for (const h of rows) gradeAtFirstAudit.set(String(h.vit_recordid), typeof h.vit_grade === "number" ? (GRADE_OF_VALUE.get(h.vit_grade) ?? null) : null);
    const reg = rows.find((h) => h.vit_recordid === regressor)!;
    const ledger = parseLedger(reg.vit_stagehistory as string)!;
    expect(ledger.e).toEqual([expect.objectContaining({ s: "Develop", on: "2026-07-22", seen: "2026-08-01", g: gradeAtFirstAudit.get(regressor) })]);
    expect(ledger.gate).toEqual({ i: 1, s: "Develop", at: "2026-08-01" });
    expect(ledger.r).toEqual([]);
    expect(reg.vit_regressedon).toBeNull();
    // The clean deals are graded better than the messy ones at entry.
    expect(new Set(clean.map((id) => gradeAtFirstAudit.get(id)))).not.toEqual(new Set(messy.map((id) => gradeAtFirstAudit.get(id))));
  });

  it("finds a deal whose decision maker was removed after it passed the gate, with the day it slid, per owner and stage", async () => {
    emu.store.update("opportunity", regressor, { decisionmaker: false, modifiedon: iso(at(9)) });
    await audit(at(14));
    const regressions = await readRegressions(gatewayFor(emu));
    expect(regressions).toEqual([
      { table: "opportunity", recordId: regressor, name: "Deal 1", ownerId: owner(emu.users, 1), stage: "Develop", criterion: "Decision maker identified", criterionOf: "Qualify", slidOn: "2026-08-10" },
    ]);
    expect(groupRegressions(regressions)).toEqual([{ ownerId: owner(emu.users, 1), stage: "Develop", regressions }]);
    const h = emu.store.rows("vit_recordhealth").find((r) => r.vit_recordid === regressor)!;
    expect(String(h.vit_regressedon).slice(0, 10)).toBe("2026-08-10");
    // A messy deal that entered Develop without the Qualify criteria never passed the gate: no regression.
    expect(regressions.some((r) => messy.includes(r.recordId))).toBe(false);
    // Met again: the slide is gone.
    emu.store.update("opportunity", regressor, { decisionmaker: true, modifiedon: iso(at(15)) });
    await audit(at(16));
    expect(await readRegressions(gatewayFor(emu))).toEqual([]);
  });

  it("groups closed deals by the grade they had at stage entry; the counts equal a direct query", async () => {
    // 10 clean deals close (8 won, 2 lost), 10 messy ones (3 won, 7 lost); the rest stay open.
    const close = (id: string, won: boolean): void => {
      emu.store.update("opportunity", id, { statecode: won ? 1 : 2, statuscode: won ? 3 : 4, actualclosedate: "2026-08-31", modifiedon: iso(at(30)) });
    };
    clean.slice(0, 10).forEach((id, i) => close(id, i < 8));
    messy.slice(0, 10).forEach((id, i) => close(id, i < 3));
    await audit(at(31));

    const closed = await readClosedOpportunities(gatewayFor(emu));
    const report = outcomesBy(closed);

    // Direct query: closed opportunities from the Web API, grades as the first audit stored them.
    const direct = (await api(emu).get<{ value: { opportunityid: string; statecode: number }[] }>("opportunities?$select=opportunityid,statecode&$filter=statecode ne 0")).body.value;
    expect(direct).toHaveLength(20);
    expect(report.closed).toBe(20);
    expect(report.withEntry).toBe(20);
    const good = (g: string | null | undefined): boolean => g === "A" || g === "B";
    const count = (pred: (g: string | null | undefined) => boolean, won?: boolean): number =>
      direct.filter((o) => pred(gradeAtFirstAudit.get(o.opportunityid)) && (won === undefined || (o.statecode === 1) === won)).length;
    const [ab, cf] = report.split;
    expect([ab.n, ab.won]).toEqual([count(good), count(good, true)]);
    expect([cf.n, cf.won]).toEqual([count((g) => !good(g) && g != null), count((g) => !good(g) && g != null, true)]);
    for (const g of report.byGrade) expect(g.n).toBe(count((x) => x === g.key));
    // Days to close from entering Qualify on 2026-07-22 to 2026-08-31.
    expect(report.byGrade.find((g) => g.n >= 10)?.medianDaysToClose).toBe(40);
    expect(report.headline).toMatch(/^Closed opportunities whose data was graded A–B when the audits first saw them open were won at .* This is an association, not proof that the data caused the outcome\.$/);
  });
});
