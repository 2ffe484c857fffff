/**
 * When a schedule is next due: cron expressions and "every N days at HH:MM" in a time zone,
 * across daylight-saving changes, and clear messages for cadences that cannot be used.
 */
import { cadenceProblem, firstRun, nextRun } from "../../plugins-ts/audit/cadence";

const iso = (d: Date): string => d.toISOString();

describe("a schedule's next run", () => {
  it("follows a cron expression in the schedule's time zone, through the change to summer time", () => {
    // Mondays 06:00 in Amsterdam: 05:00Z in winter, 04:00Z from 29 March 2026.
    const c = { cron: "0 6 * * 1", timeZone: "Europe/Amsterdam" };
    expect(iso(nextRun(c, new Date("2026-03-23T05:00:00Z"), new Date("2026-03-23T05:02:00Z")))).toBe("2026-03-30T04:00:00.000Z");
    expect(iso(firstRun(c, new Date("2026-03-20T00:00:00Z")))).toBe("2026-03-23T05:00:00.000Z");
  });

  it("runs every N days at the time of day, counted from when the last run was due", () => {
    const c = { everyDays: 7, timeOfDay: "02:30", timeZone: "America/New_York" };
    // Due Sunday 1 Nov 2026 02:30 EST (07:30Z); the runner got to it late, at 09:00Z.
    expect(iso(nextRun(c, new Date("2026-11-01T07:30:00Z"), new Date("2026-11-01T09:00:00Z")))).toBe("2026-11-08T07:30:00.000Z");
    expect(iso(nextRun({ everyDays: 1, timeOfDay: "06:00" }, new Date("2026-12-03T06:00:00Z"), new Date("2026-12-03T06:01:00Z")))).toBe("2026-12-04T06:00:00.000Z");
  });

  it("does not run several times to catch up after the runner was down", () => {
    const c = { everyDays: 2, timeOfDay: "06:00", timeZone: "UTC" };
    // Due on 1 December; the runner came back on the 10th at noon: next is the first slot after now on the cadence.
    const next = nextRun(c, new Date("2026-12-01T06:00:00Z"), new Date("2026-12-10T12:00:00Z"));
    expect(iso(next)).toBe("2026-12-11T06:00:00.000Z");
    expect(iso(nextRun({ cron: "*/15 * * * *" }, new Date("2026-12-01T06:00:00Z"), new Date("2026-12-10T12:07:00Z")))).toBe("2026-12-10T12:15:00.000Z");
  });

  it("names what is wrong with a cadence that cannot be used", () => {
    expect(cadenceProblem({ cron: "0 6 * *" })).toMatch(/five fields/);
    expect(cadenceProblem({ cron: "61 6 * * *" })).toMatch(/"61 6 \* \* \*".*minute/);
    expect(cadenceProblem({ everyDays: 0 })).toMatch(/every N days: 0 must be a whole number from 1 to 366/);
    expect(cadenceProblem({ everyDays: 1, timeOfDay: "6pm" })).toMatch(/time of day "6pm" must be HH:MM/);
    expect(cadenceProblem({ everyDays: 1, timeZone: "Mars/Olympus" })).toMatch(/time zone "Mars\/Olympus" is not an IANA time zone/);
    expect(cadenceProblem({})).toMatch(/needs a cron expression or every N days/);
    expect(cadenceProblem({ everyDays: 3, timeOfDay: "23:59", timeZone: "Asia/Kolkata" })).toBeNull();
    expect(() => nextRun({ cron: "bad" }, new Date(), new Date())).toThrow(/five fields/);
  });
});
