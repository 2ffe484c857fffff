/**
 * The outcome insight on the demo organisation's past (startEmulator({ history })): seven monthly
 * audits run by the audit code. The deals that lost an exit criterion during the history
 * (sandbox/demo/slides.ts) are found as regressions with the day they slid, and the outcome
 * table covers exactly the closed deals some audit saw open.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { generateDemoOrg } from "../../sandbox/demo/generate";
import { planDemoHistory } from "../../sandbox/demo/history";
import { defaultRulePack } from "../../plugins-ts/engine/packs";
import { readClosedOpportunities, readRegressions } from "../../plugins-ts/readiness/insights";
import { outcomesBy } from "../../plugins-ts/readiness/outcomes";
import { gatewayFor } from "../helpers/audit";
import { api } from "../helpers/emulator";

const NOW = new Date("2026-11-23T00:00:00Z");
const DAY = 86_400_000;
const ORG = { size: 600, seed: 5, now: NOW };

describe("outcome insight on the demo history", () => {
  let emu: EmulatorHandle;
  const plan = planDemoHistory(generateDemoOrg(ORG), ORG.seed);

  beforeAll(async () => {
    emu = await startEmulator({ ...ORG, throttle: false, history: true });
  }, 300_000);
  afterAll(() => emu.close());

  it("finds every deal planted to slide back, with the criterion and the day it slid", async () => {
    expect(plan.slides.length).toBeGreaterThan(0);
    const found = await readRegressions(gatewayFor(emu));
    const labels = new Map(defaultRulePack().processes!.opportunity.stages.flatMap((s) => s.exitCriteria.map((c) => [c.column, c.label] as const)));
    for (const s of plan.slides) {
      const row = emu.store.get("opportunity", s.id)!;
      expect(found).toContainEqual(expect.objectContaining({ recordId: s.id, criterion: labels.get(s.column), slidOn: s.on.slice(0, 10), ownerId: String(row._ownerid_value) }));
    }
    // Nothing else slid: the other deals missing a criterion never met it.
    expect(new Set(found.map((r) => r.recordId))).toEqual(new Set(plan.slides.map((s) => s.id)));
  });

  it("covers exactly the closed deals an audit saw open; the counts equal a direct query", async () => {
    const closed = await readClosedOpportunities(gatewayFor(emu));
    const report = outcomesBy(closed);
    const direct = (await api(emu).get<{ value: { opportunityid: string; createdon: string; actualclosedate: string }[] }>("opportunities?$select=opportunityid,createdon,actualclosedate&$filter=statecode ne 0")).body.value;
    expect(report.closed).toBe(direct.length);
    const dates = emu.history!.dates.map((d) => Date.parse(d));
    const seenOpen = direct.filter((o) => dates.some((d) => Date.parse(o.createdon) <= d && Date.parse(o.actualclosedate) > d - DAY));
    expect(seenOpen.length).toBeGreaterThan(20);
    expect(report.withEntry).toBe(seenOpen.length);
    expect(report.split[0].n + report.split[1].n).toBe(report.byGrade.reduce((t, g) => t + g.n, 0));
  });
});
