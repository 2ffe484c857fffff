/**
 * Outcome statistics and the waiver burn-down on hand-computed fixtures.
 */
import { outcomesBy, wilson, type ClosedOpportunity } from "../../plugins-ts/readiness/outcomes";
import { waiverBurndown, type WaiverHistoryRow } from "../../plugins-ts/readiness/burndown";
import type { StageEntry } from "../../plugins-ts/audit/stages";

const entry = (g: StageEntry["g"], d: StageEntry["d"] = {}, s = "Qualify"): StageEntry => ({ s, on: "2026-01-01", seen: "2026-01-02", g, sc: null, d });
const deals = (n: number, won: number, e: StageEntry, closedOn = "2026-03-02"): ClosedOpportunity[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${e.g}-${i}-${Math.random()}`, won: i < won, closedOn, entries: [e] }));

describe("health against outcomes", () => {
  it("computes the Wilson score interval (41 of 100: 31.9 %–50.8 %)", () => {
    const [lo, hi] = wilson(41, 100);
    expect(lo).toBeCloseTo(0.3187, 4);
    expect(hi).toBeCloseTo(0.508, 4);
    expect(wilson(0, 10)[0]).toBe(0);
    expect(wilson(10, 10)[1]).toBeCloseTo(1, 10);
  });

  it("gives win rate, interval and days to close per grade, and hides rates below 10", () => {
    const closed = [...deals(12, 9, entry("A")), ...deals(8, 5, entry("B")), ...deals(30, 6, entry("D")), ...deals(9, 1, entry("F"))];
    const r = outcomesBy(closed);
    const a = r.byGrade.find((g) => g.key === "A")!;
    expect(a).toMatchObject({ n: 12, won: 9, winRate: 0.75, medianDaysToClose: 60 });
    expect(a.interval![0]).toBeCloseTo(wilson(9, 12)[0], 10);
    expect(r.byGrade.find((g) => g.key === "B")).toMatchObject({ n: 8, won: 5, winRate: null, interval: null, medianDaysToClose: null });
    expect(r.split.map((g) => [g.n, g.won])).toEqual([
      [20, 14],
      [39, 7],
    ]);
    expect(r.headline).toBe(
      "Closed opportunities whose data was graded A–B when the audits first saw them open were won at 70 % (n = 20, 95 % interval 48 %–85 %); those graded C–F at 18 % (n = 39, 95 % interval 9 %–33 %). This is an association, not proof that the data caused the outcome.",
    );
  });

  it("ranks the dimensions whose scores at entry differ most, each with both groups' counts", () => {
    const closed = [
      ...deals(20, 18, entry("B", { process: 100, completeness: 90 })),
      ...deals(20, 2, entry("C", { process: 40, completeness: 85 })),
      ...deals(20, 10, entry("C", { process: 90, completeness: 50 })),
    ];
    const r = outcomesBy(closed);
    // process ≥ 80: 28 of 40 won (70 %); < 80: 2 of 20 (10 %) → 60 points, intervals 55–82 % and 3–30 % apart.
    // completeness ≥ 80: 20 of 40 (50 %); < 80: 10 of 20 (50 %) → 0.
    expect(r.dimensions.map((d) => [d.dimension, d.healthy.n, d.healthy.won, d.weak.n, d.weak.won, d.difference])).toEqual([
      ["process", 40, 28, 20, 2, 60],
      ["completeness", 40, 20, 20, 10, 0],
    ]);
    expect(r.dimensions[0].clear).toBe(true);
    expect(r.dimensions[1].clear).toBe(false);
  });

  it("judges by the entry into a named stage when asked, and says when counts are too small", () => {
    const closed = deals(5, 2, entry("A", {}, "Develop"));
    expect(outcomesBy(closed, "Qualify").withEntry).toBe(0);
    expect(outcomesBy(closed, "Develop").headline).toBe("Too few closed opportunities with a recorded grade when they entered Develop to compare (A–B n = 5, C–F n = 0; a rate needs 10).");
  });
});

describe("waiver burn-down", () => {
  const NOW = new Date("2026-06-30T12:00:00Z");
  const w = (id: string, ruleId: string, storedStatus: WaiverHistoryRow["storedStatus"], createdOn: string | null, approvedOn: string | null, expiresOn: string | null): WaiverHistoryRow => ({ id, name: id, ruleId, storedStatus, createdOn, approvedOn, expiresOn });
  const rows = [
    w("a", "r1", "approved", "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", "2026-07-15T00:00:00Z"), // in force, expires in 15 days
    w("b", "r1", "approved", "2026-06-01T00:00:00Z", "2026-06-03T00:00:00Z", null), // in force, no expiry
    w("c", "r2", "expired", "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", "2026-06-20T00:00:00Z"), // expired on the 20th
    w("d", "r2", "rejected", "2026-06-10T00:00:00Z", "2026-06-12T00:00:00Z", null), // waited two days, never in force
    w("e", "r3", "requested", "2026-06-25T00:00:00Z", null, null), // waiting
    w("f", "r3", "approved", null, null, null), // no dates: left out
  ];

  it("counts waivers in force and requests waiting over time, what expires in 30 days, and by rule", () => {
    const b = waiverBurndown(rows, NOW, 7);
    expect(b.undated).toBe(1);
    const on = (date: string) => b.points.find((p) => p.date === date);
    expect(b.points.at(-1)).toEqual({ date: "2026-06-30", inForce: 2, waiting: 1 });
    // Weekly from 30 days before now (12:00 UTC): on 05-31 nothing yet; on 06-07 a, b and c are in force;
    // on 06-21 c has expired (20th) and d was decided on the 12th.
    expect(b.points.map((p) => p.date)).toEqual(["2026-05-31", "2026-06-07", "2026-06-14", "2026-06-21", "2026-06-28", "2026-06-30"]);
    expect(on("2026-05-31")).toEqual({ date: "2026-05-31", inForce: 0, waiting: 0 });
    expect(on("2026-06-07")).toEqual({ date: "2026-06-07", inForce: 3, waiting: 0 });
    expect(on("2026-06-21")).toEqual({ date: "2026-06-21", inForce: 2, waiting: 0 });
    expect(b.expiring).toEqual([{ id: "a", name: "a", ruleId: "r1", expiresOn: "2026-07-15T00:00:00Z" }]);
    expect(b.byRule).toEqual([
      { ruleId: "r1", inForce: 2, expiring: 1, waiting: 0 },
      { ruleId: "r3", inForce: 0, expiring: 0, waiting: 1 },
    ]);
  });
});
