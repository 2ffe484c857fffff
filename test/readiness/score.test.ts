import { QUESTIONS, validateAnswers, AnswersError, EXAMPLE_ANSWERS, type Answers } from "../../plugins-ts/readiness/questions";
import { buildScorecard, checkPrerequisites, costliestSignal, findContradictions, scorePillars } from "../../plugins-ts/readiness/score";
import { renderScorecardHtml } from "../../plugins-ts/readiness/render";
import { ALL_YES, craftedSignals } from "./fixtures";

describe("readiness pillars", () => {
  it("computes each pillar from its signals and thresholds (worked out by hand in docs/readiness.md terms)", () => {
    const p = Object.fromEntries(scorePillars(craftedSignals(), ALL_YES).map((x) => [x.id, x.score]));
    // data: 0.9 × (0.5·80 + 0.3·(75/90·100) + 0.2·(1 − 5/10)·100) + 0.1·100 = 0.9·75 + 10
    expect(p.data).toBe(77.5);
    // process: 0.9 × (0.5·(72/90·100) + 0.25·(1 − 20/25)·100 + 0.25·(1 − 12/20)·100) + 10 = 0.9·55 + 10
    expect(p.process).toBe(59.5);
    // adoption: 0.9 × (0.6·(40/80·100) + 0.4·(30/60·100)) + 10
    expect(p.adoption).toBe(55);
    // governance: 0.9 × (0.4·100 + 0.2·75 + 0.4·(1 − 2.5/5)·100) + 10
    expect(p.governance).toBe(77.5);
    // activity: 0.9 × (0.6·(35/70·100) + 0.4·(25/50·100)) + 10
    expect(p.activity).toBe(55);
    // strategy: mean of yes, yes, partly, no
    expect(p.strategy).toBe(62.5);
    expect(buildScorecard(craftedSignals(), ALL_YES, null).overall).toBe(64.5);
  });

  it("counts findings resolved between the last two audits, and how fast", () => {
    const governance = (trend: { failedBefore: number; failedNow: number; daysBetween: number } | null): { score: number | null; display: string } => {
      const s = craftedSignals();
      s.governance.findingsTrend = trend;
      const g = scorePillars(s, ALL_YES).find((x) => x.id === "governance")!;
      const signal = g.signals.find((x) => x.id === "resolution")!;
      return { score: g.score, display: signal.display };
    };
    // No earlier audit: not measured, and the pillar is as before.
    expect(governance(null)).toEqual({ score: 77.5, display: "not measured (needs two completed audits of the same scope)" });
    // 1,000 → 900 failed findings in 15 days: 10 % in 15 days = 20 % per 30 days = the target, 100 points.
    // 0.9 × (0.4·100 + 0.2·75 + 0.25·100 + 0.4·50) / 1.25 + 10 = 0.9 × 80 + 10
    expect(governance({ failedBefore: 1000, failedNow: 900, daysBetween: 15 })).toEqual({ score: 82, display: "100 fewer failed findings (1000 → 900) in 15 days: 20 % per 30 days" });
    // Half the pace scores half; more findings than before scores 0.
    expect(governance({ failedBefore: 1000, failedNow: 950, daysBetween: 15 }).score).toBe(73); // 0.9 × (75 + 12.5) / 1.25 + 10
    expect(governance({ failedBefore: 1000, failedNow: 1100, daysBetween: 30 })).toEqual({ score: 64, display: "100 more failed findings (1000 → 1100) in 30 days" });
  });

  it("leaves out what cannot be measured and renormalises the weights", () => {
    const s = craftedSignals();
    s.audit = null;
    s.governance.daysSinceLastRun = null;
    const p = Object.fromEntries(scorePillars(s, ALL_YES).map((x) => [x.id, x.score]));
    expect(p.process).toBeNull();
    // data: fill rate alone (83.33…) at 90 %, self-assessment 10 %
    expect(p.data).toBe(85);
    // governance: never audited scores the cadence 0: 0.9 × (0.4·0 + 0.2·75 + 0.4·50) + 10
    expect(p.governance).toBe(41.5);
  });

  it("moves with the answers: every 'no' instead of 'yes' in Strategy & alignment costs 25 points", () => {
    const worse: Answers = { ...ALL_YES, "process-owners": "no" };
    const strategy = (a: Answers): number | null => scorePillars(craftedSignals(), a).find((x) => x.id === "strategy")!.score;
    expect(strategy(ALL_YES)! - strategy(worse)!).toBe(25);
  });
});

describe("gaps", () => {
  it("names the signal that costs the pillar the most points, not merely the lowest score", () => {
    const s = craftedSignals();
    s.opportunities.withRecentActivity = 52; // 74.3 at weight 0.6 × 0.9 costs 13.9 points
    s.contacts.withEngagement = 100; // 100: costs nothing
    const activity = scorePillars(s, { ...ALL_YES, "activity-logging": "partly" }).find((p) => p.id === "activity")!; // 50 at weight 0.1 costs 5 points
    expect(Math.min(...activity.signals.filter((x) => x.score !== null).map((x) => x.score!))).toBe(50);
    expect(costliestSignal(activity).id).toBe("opportunityActivity");
  });
});

describe("the Outlook comparison in the Activity capture pillar", () => {
  it("is not measured until activity capture has run, and leaves the pillar as it was", () => {
    const s = craftedSignals();
    const before = scorePillars(s, ALL_YES).find((p) => p.id === "activity")!;
    const signal = before.signals.find((x) => x.id === "capturedEngagement")!;
    expect(signal.score).toBeNull();
    expect(signal.display).toMatch(/^not measured \(activity capture has not run/);
    s.capture = null;
    expect(scorePillars(s, ALL_YES).find((p) => p.id === "activity")!.score).toBe(before.score);
  });

  it("scores the share of mail and meetings that is logged, and contradicts a leader who believes it all is", () => {
    const s = craftedSignals();
    s.capture = { contacts: 40, withGap: 25, logged: 30, unlogged: 70, lastCheckedOn: "2026-11-22T06:00:00Z" };
    const card = scorePillars(s, ALL_YES).find((p) => p.id === "activity")!;
    const signal = card.signals.find((x) => x.id === "capturedEngagement")!;
    expect(signal.display).toBe("30 % (30 of 100; 70 not logged, for 25 of 40 compared contacts)");
    expect(signal.score).toBeCloseTo(37.5, 5);
    const contradiction = findContradictions(s, ALL_YES).find((c) => c.questionId === "activity-logging");
    expect(contradiction?.evidence).toMatch(/Outlook shows 70 emails and meetings with contacts that are not in Dynamics \(30 % logged\)/);
    s.capture = { ...s.capture, logged: 95, unlogged: 5 };
    expect(scorePillars(s, ALL_YES).find((p) => p.id === "activity")!.signals.find((x) => x.id === "capturedEngagement")!.score).toBe(100);
  });
});

describe("prerequisites", () => {
  it.each([
    [39, 40, false],
    [40, 40, true],
    [41, 40, true],
    [40, 39, false],
    [41, 41, true],
  ])("predictive opportunity scoring with %i won and %i lost: ready %s", (won, lost, ready) => {
    const s = craftedSignals();
    s.prerequisites = { ...s.prerequisites, won, lost };
    const opp = checkPrerequisites(s)[0];
    expect(opp.feature).toBe("Predictive opportunity scoring");
    expect(opp.ready).toBe(ready);
    expect(opp.counts).toEqual([
      { label: "won", value: won, needed: 40 },
      { label: "lost", value: lost, needed: 40 },
    ]);
  });

  it.each([
    [39, 41, false],
    [40, 40, true],
    [41, 39, false],
  ])("predictive lead scoring with %i qualified and %i disqualified: ready %s", (qualified, disqualified, ready) => {
    const s = craftedSignals();
    s.prerequisites = { ...s.prerequisites, qualified, disqualified };
    const lead = checkPrerequisites(s)[1];
    expect(lead.ready).toBe(ready);
    expect(lead.text).toBe(`Predictive lead scoring: ${ready ? "ready" : "not ready"} — ${qualified} qualified${qualified < 40 ? " (needs 40)" : ""}, ${disqualified} disqualified${disqualified < 40 ? " (needs 40)" : ""} in the last 730 days`);
  });
});

describe("contradictions", () => {
  it("puts each planted contradiction side by side with its evidence", () => {
    expect(findContradictions(craftedSignals(), ALL_YES)).toEqual([
      { questionId: "stages-documented", question: QUESTIONS.find((q) => q.id === "stages-documented")!.text, answer: "yes", evidence: "28 % of open opportunities (28 of 100) entered a stage without meeting the earlier stages' exit criteria" },
      { questionId: "pipeline-single-source", question: expect.any(String) as string, answer: "yes", evidence: "12 % of open opportunities (12 of 100) have a close date in the past" },
      { questionId: "daily-use", question: expect.any(String) as string, answer: "yes", evidence: "only 40 % of enabled users (4 of 10) created or changed anything in 30 days" },
      { questionId: "data-ownership", question: expect.any(String) as string, answer: "yes", evidence: "20 open records (3 %) are owned by disabled users" },
      { questionId: "activity-logging", question: expect.any(String) as string, answer: "yes", evidence: "only 35 % of open opportunities (35 of 100) have an activity logged in 14 days" },
    ]);
  });

  it("finds none where the data agrees, and never contradicts 'partly' or 'no'", () => {
    const s = craftedSignals();
    s.audit = { ...s.audit!, exitCriteriaFailed: 19, pastClose: 9 };
    s.users.active = 6;
    s.governance.ownedByDisabled = 7;
    s.opportunities.withRecentActivity = 50;
    expect(findContradictions(s, ALL_YES)).toEqual([]);
    const partly = Object.fromEntries(Object.keys(ALL_YES).map((k) => [k, "partly"])) as Answers;
    expect(findContradictions(craftedSignals(), partly)).toEqual([]);
  });

  it("contradicts data-entry rules with poor fill rates and quality reviews with a lapsed cadence", () => {
    const s = craftedSignals();
    s.fillRates = [{ table: "lead", column: "jobtitle", filled: 30, total: 100 }, { table: "lead", column: "companyname", filled: 100, total: 100 }];
    s.audit = { ...s.audit!, averageScore: 64.2 };
    s.governance.daysSinceLastRun = 61;
    const byId = new Map(findContradictions(s, ALL_YES).map((c) => [c.questionId, c.evidence]));
    expect(byId.get("data-entry-rules")).toBe("the columns AI features read are 65 % filled on average (emptiest: lead.jobtitle 30 %); the last audit's average record score is 64.2 of 100");
    expect(byId.get("quality-reviewed")).toBe("the last audit completed 61 days ago, more than twice the 30-day cadence");
  });
});

describe("executive summary", () => {
  it("says the same thing, word for word, for the same organisation", () => {
    const card = buildScorecard(craftedSignals(), ALL_YES, { assessedOn: "2026-08-01T09:00:00Z", overall: 60.2, pillars: {} });
    expect(card.summary).toEqual([
      "Overall AI readiness is 64.5 out of 100 (Data foundation 77.5, Process discipline 59.5, Adoption 55, Governance 77.5, Activity capture 55, Strategy & alignment 62.5).",
      "The 3 largest gaps are:",
      "1. Adoption at 55. Enabled users who created or changed records or activities in 30 days: 40 % (4 of 10 enabled users). Next step: Find out why inactive users do not use the CRM; retire licences nobody needs.",
      "2. Activity capture at 55. Open opportunities with an activity in 14 days: 35 % (35 of 100 open opportunities). Next step: Ask sellers to log every customer call, meeting and email against the deal.",
      "3. Process discipline at 59.5. Open opportunities stuck beyond their stage's limit: 20 % (20 of 100 open opportunities). Next step: Review stuck deals weekly: move them on, or close them as lost.",
      "Ready for Predictive lead scoring.",
      "Predictive opportunity scoring is not ready: 40 won of 40 needed, 39 lost of 40 needed in the last 730 days.",
      "5 self-assessment answers are contradicted by the data: stages-documented, pipeline-single-source, daily-use, data-ownership, activity-logging.",
      "Up 4.3 points since the previous assessment on 2026-08-01 (60.2).",
    ]);
    expect(buildScorecard(craftedSignals(), ALL_YES, null).summary.at(-1)).toBe("This is the first assessment, so there is no change to report.");
    expect(buildScorecard(craftedSignals(), ALL_YES, { assessedOn: "2026-10-01T00:00:00Z", overall: 70, pillars: {} }).summary.at(-1)).toBe("Down 5.5 points since the previous assessment on 2026-10-01 (70).");
  });

  it("renders a self-contained, printable HTML page", () => {
    const html = renderScorecardHtml(buildScorecard(craftedSignals(), ALL_YES, null), ALL_YES, { orgUrl: "https://contoso.crm.dynamics.com/" });
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    expect(html).toContain("@media print");
    expect(html).toContain("<caption>Self-assessment answers the data contradicts</caption>");
    expect(html).toContain("<td>28 % of open opportunities (28 of 100) entered a stage without meeting the earlier stages&#x27; exit criteria</td>");
    expect(html).toContain('<td class="notready">Not ready</td><td>40 won (needs 40), 39 lost (needs 40) in the last 730 days</td>');
  });
});

describe("answers", () => {
  it("accepts a complete answer set, in any case", () => {
    expect(validateAnswers({ ...EXAMPLE_ANSWERS, "ai-use-cases": " Yes " })["ai-use-cases"]).toBe("yes");
  });

  it("names the question of every bad, unknown or missing answer", () => {
    const bad: Record<string, unknown> = { ...EXAMPLE_ANSWERS, "daily-use": "sometimes", "made-up": "yes" };
    delete bad["process-owners"];
    expect(() => validateAnswers(bad, "answers.json")).toThrow(AnswersError);
    expect(() => validateAnswers(bad, "answers.json")).toThrow(
      /^answers\.json: question "daily-use" \(Everyone in sales works in the CRM every week, not in spreadsheets\.\) has answer "sometimes"; answer "yes", "partly" or "no"; "made-up" is not a question \(known: .*\); question "process-owners" \(.*\) is not answered$/,
    );
    expect(() => validateAnswers([], "answers.json")).toThrow('answers.json: expected an object of question id → "yes" | "partly" | "no"');
  });

  it("has 10 to 15 questions, with unique ids, covering every pillar", () => {
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(10);
    expect(QUESTIONS.length).toBeLessThanOrEqual(15);
    expect(new Set(QUESTIONS.map((q) => q.id)).size).toBe(QUESTIONS.length);
    expect(new Set(QUESTIONS.map((q) => q.pillar))).toEqual(new Set(["data", "process", "adoption", "governance", "activity", "strategy"]));
  });
});
