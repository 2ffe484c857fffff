/**
 * The eligibility projection on a small fixture whose numbers are worked by hand in the comments.
 */
import { countAt, projectFeature, projectFloor, projectReadiness, type DatedEvent } from "../../plugins-ts/readiness/projection";

const NOW = new Date("2026-11-23T00:00:00Z");
const DAY = 86_400_000;
const ago = (d: number): number => NOW.getTime() - d * DAY;
const events = (n: number, created: number, closed: (i: number) => number): DatedEvent[] => Array.from({ length: n }, (_, i) => ({ windowDate: ago(created), eventDate: ago(closed(i)) }));

// 20 won long ago (created 200 days ago, closed 195 days ago) and 9 in the last 90 days (closed 0, 10, …, 80 days ago):
// today 29 won; rate 9 / 90 = 0.1 a day = 3 per 30 days; nothing leaves the 730-day window for 530 days;
// 40 is reached when 29 + 0.1·d ≥ 40, i.e. in 110 days.
const won = [...events(20, 200, () => 195), ...events(9, 100, (i) => i * 10)];
const lost = events(45, 300, () => 250);
// 10 qualified leads created 700 days ago leave the window in 30 days; none lately: rate 0.
// To reach 40 within 365 days: (40 − 10 + 10 leaving) / 365 × 30 = 3.29 → 4 a month.
const qualified = events(10, 700, () => 650);
const disqualified = events(50, 400, () => 390);

describe("AI-eligibility projection", () => {
  it("counts the sliding window at past dates", () => {
    expect(countAt(won, NOW.getTime(), 730)).toBe(29);
    // 60 days ago: the 20 old ones and those closed 60, 70, 80 days ago.
    expect(countAt(won, ago(60), 730)).toBe(23);
    expect(countAt(qualified, ago(-40), 730)).toBe(0);
  });

  it("gives the day at the last 90 days' rate, with its inputs and a trend at each audit", () => {
    const p = projectFeature({ feature: "Predictive opportunity scoring", requirement: "40 won and 40 lost", windowDays: 730, series: [{ label: "won", needed: 40, events: won }, { label: "lost", needed: 40, events: lost }], historyStart: ago(300) }, NOW, [ago(60), ago(30)]);
    expect(p.status).toBe("eligibleIn");
    expect(p.days).toBe(110);
    expect(p.series[0]).toMatchObject({ today: 29, ratePer30: 3, days: 110, leavingWithinHorizon: 0 });
    expect(p.series[1]).toMatchObject({ today: 45, days: 0 });
    expect(p.series[0].trend).toEqual([
      { date: "2026-09-24", value: 23 },
      { date: "2026-10-24", value: 26 },
      { date: "2026-11-23", value: 29 },
    ]);
    expect(p.series[0].projected[0]).toEqual({ date: "2026-11-23", value: 29 });
    expect(p.series[0].projected.at(-1)).toEqual({ date: "2027-03-13", value: 40 });
    expect(p.text).toBe("Predictive opportunity scoring: eligible in about 110 days at the last 90 days' rate.");
    expect(p.inputs).toContain("29 won (needs 40; 3 per 30 days lately)");
  });

  it("says what rate it would take when the current one never gets there", () => {
    const p = projectFeature({ feature: "Predictive lead scoring", requirement: "", windowDays: 730, series: [{ label: "qualified", needed: 40, events: qualified }, { label: "disqualified", needed: 40, events: disqualified }], historyStart: ago(700) }, NOW, []);
    expect(p.status).toBe("notAtThisRate");
    expect(p.series[0]).toMatchObject({ today: 10, ratePer30: 0, leavingWithinHorizon: 10, days: null, ratePer30Needed: 4 });
    expect(p.text).toBe("Predictive lead scoring: not at this rate — needs about 4 more qualified per month (4 instead of 0) to be eligible within 365 days.");
  });

  it("refuses to guess with less than 90 days of history, and is eligible at exactly 40", () => {
    const young = projectFeature({ feature: "F", requirement: "", windowDays: 730, series: [{ label: "won", needed: 40, events: events(5, 60, () => 10) }], historyStart: ago(60) }, NOW, []);
    expect(young.status).toBe("tooLittleHistory");
    expect(young.days).toBeNull();
    expect(young.series[0].projected).toEqual([]);
    expect(young.text).toContain("too little history to project (records go back 60 days; a rate needs 90)");
    const exact = projectFeature({ feature: "F", requirement: "", windowDays: 730, series: [{ label: "won", needed: 40, events: events(40, 100, () => 95) }], historyStart: ago(60) }, NOW, []);
    expect(exact.status).toBe("eligible");
    expect(exact.text).toBe("F: eligible now (40 won).");
    expect(exact.series[0].projected).toEqual([]);
  });

  it("projects an audit-based floor on the least-squares line of the last 90 days", () => {
    // 60, 62, 64, 66 at 90-day-old … today: +2 per 30 days; 70 − 66 = 4 → 60 days.
    const points = [90, 60, 30, 0].map((d, i) => ({ date: ago(d), value: 60 + 2 * i }));
    const p = projectFloor({ label: "Average record score", floor: 70, points }, NOW);
    expect(p).toMatchObject({ status: "eligibleIn", days: 60, slopePer30: 2, today: 66 });
    expect(p.projected).toEqual([{ date: "2026-11-23", value: 66 }, { date: "2027-01-22", value: 70 }]);
    expect(projectFloor({ label: "x", floor: 70, points: points.slice(2) }, NOW).status).toBe("tooLittleHistory");
    expect(projectFloor({ label: "x", floor: 70, points: points.map((q) => ({ ...q, value: 130 - q.value })) }, NOW)).toMatchObject({ status: "notAtThisRate", slopePer30: -2 });
    // A share that must fall: 16 % → 10 % at −2 per 30 days = 90 days.
    const falling = [90, 60, 30, 0].map((d, i) => ({ date: ago(d), value: 22 - 2 * i }));
    expect(projectFloor({ label: "dups", floor: 10, direction: "atMost", points: falling }, NOW)).toMatchObject({ status: "eligibleIn", days: 90 });
  });

  it("projects both models and both floors from the readiness history", () => {
    const r = projectReadiness(
      { events: { won, lost, qualified, disqualified }, since: { opportunity: ago(300), lead: ago(700) }, audits: [{ date: ago(30), average: 71, duplicateShare: 0.02 }] },
      NOW,
      { minimum: 40, windowDays: 730, scoreFloor: 70, duplicateLimit: 0.1 },
    );
    expect(r.features.map((x) => [x.feature, x.status, x.days])).toEqual([
      ["Predictive opportunity scoring", "eligibleIn", 110],
      ["Predictive lead scoring", "notAtThisRate", null],
    ]);
    expect(r.floors.map((x) => [x.status, x.today])).toEqual([["eligible", 71], ["eligible", 2]]);
  });
});
