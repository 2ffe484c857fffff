// The demo organisation's past (startEmulator({ history })): monthly audits run by the audit code
// against the data as it stood at each date, waivers in every state, one readiness assessment and
// a digest per audit; deterministic for a seed. Re-running the audit at the last historical date
// reproduces the stored aggregates exactly, so the history is the audit's own output.
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { runAudit } from "../../plugins-ts/audit/run";
import { RUN_STATUS, WAIVER_STATUS } from "../../plugins-ts/audit/model";
import { defaultRulePack } from "../../plugins-ts/engine";
import { monthsBefore } from "../../sandbox/demo/history";
import { gatewayFor } from "../helpers/audit";
import { nowIso } from "../../sandbox/emulator/store";

const NOW = new Date("2026-11-23T00:00:00Z");
const OPTIONS = { size: 300, seed: 4, now: NOW, throttle: false as const, history: true };
let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator(OPTIONS);
}, 300_000);
afterAll(() => emu.close());

const runs = () => emu.store.rows("vit_auditrun").sort((a, b) => String(a.vit_startedon).localeCompare(String(b.vit_startedon)));

describe("demo history", () => {
  it("has seven completed full audits a month apart, the last at the organisation's now", () => {
    const h = emu.history!;
    expect(h.dates).toEqual([6, 5, 4, 3, 2, 1, 0].map((k) => nowIso(monthsBefore(NOW, k))));
    expect(h.dates[0]).toBe("2026-05-23T00:00:00Z");
    const stored = runs();
    expect(stored.map((r) => r.vit_startedon)).toEqual(h.dates);
    expect(stored.every((r) => r.vit_status === RUN_STATUS.completed)).toBe(true);
    expect(stored.map((r) => r.vit_overallscore)).toEqual(h.runs.map((r) => r.overall));
    expect(stored.map((r) => r.createdon)).toEqual(h.dates);
  });

  it("the organisation evolves: records are created over time, records get fixed, and the score moves", () => {
    const h = emu.history!;
    const scanned = h.runs.map((r) => r.recordsScanned);
    expect(scanned[0]).toBeLessThan(scanned[scanned.length - 1]);
    expect([...scanned].sort((a, b) => a - b)).toEqual(scanned);
    const inScope = ["account", "contact", "lead", "opportunity"].reduce((n, t) => n + emu.store.count(t), 0);
    expect(scanned[scanned.length - 1]).toBeLessThanOrEqual(inScope);
    expect(new Set(h.runs.map((r) => r.overall)).size).toBeGreaterThan(1);
    expect(h.fixes.length).toBeGreaterThan(5);
    for (const fx of h.fixes.slice(0, 5)) {
      const row = emu.store.get(fx.table, fx.id)!;
      expect(row[fx.column] ?? null).toBe(fx.after);
      expect(fx.before).not.toBe(fx.after);
      expect(row.modifiedon).toBe(fx.on);
      expect(Date.parse(fx.on)).toBeGreaterThan(Date.parse(h.dates[0]));
    }
  });

  it("waivers end in every state, requested by the record's owner and decided by the governance owner", () => {
    const rows = emu.store.rows("vit_waiver");
    const status = new Set(rows.map((w) => w.vit_waiverstatus));
    for (const s of [WAIVER_STATUS.requested, WAIVER_STATUS.approved, WAIVER_STATUS.rejected, WAIVER_STATUS.expired]) expect(status.has(s)).toBe(true);
    const govowner = emu.users.find((u) => u.key === "govowner")!.systemuserid;
    for (const w of rows) {
      expect(Date.parse(String(w.createdon))).toBeLessThan(NOW.getTime());
      if (w.vit_waiverstatus === WAIVER_STATUS.requested) expect(w._vit_approvedby_value).toBeNull();
      else expect(w._vit_approvedby_value).toBe(govowner);
      if (w.vit_waiverstatus === WAIVER_STATUS.expired) expect(Date.parse(String(w.vit_expireson))).toBeLessThan(NOW.getTime());
      const health = emu.store.rows("vit_recordhealth").find((hr) => hr.vit_recordid === w.vit_recordid);
      expect(w._ownerid_value).toBe(health?._ownerid_value);
    }
  });

  it("one readiness assessment, a month before now, and a governance digest after every audit", () => {
    const h = emu.history!;
    const assessments = emu.store.rows("vit_readinessassessment");
    expect(assessments).toHaveLength(1);
    expect(assessments[0].vit_assessedon).toBe(h.dates[5]);
    expect(typeof assessments[0].vit_overallscore).toBe("number");
    expect(h.digests.map((d) => d.on)).toEqual(h.dates);
    expect(h.digests[6].subject).toMatch(/^CRM Vitals governance digest: score [\d.]+ \((?:▲|▼|no change)[^)]*since 2026-10-23\)$/);
  });

  it("re-running the audit at the last historical date reproduces the stored aggregates", async () => {
    const last = runs()[6];
    const stored = JSON.parse(String(last.vit_aggregates)) as { report: unknown };
    const again = await runAudit({ gateway: gatewayFor(emu, emu.users.find((u) => u.key === "auditsvc")!.token), pack: defaultRulePack(), scope: { tables: ["account", "contact", "lead", "opportunity"] }, mode: "full", now: NOW });
    expect(again.status).toBe("completed");
    expect(again.recordsChanged).toBe(0);
    expect(again.recordsScanned).toBe(last.vit_recordsscanned);
    expect(again.report).toEqual(stored.report);
    expect(again.report.overall.average).toBe(last.vit_overallscore);
  }, 120_000);

  it("is deterministic for a seed", async () => {
    const twin = await startEmulator(OPTIONS);
    try {
      const a = emu.history!;
      const b = twin.history!;
      expect(b.runs.map((r) => [r.on, r.overall, r.recordsScanned])).toEqual(a.runs.map((r) => [r.on, r.overall, r.recordsScanned]));
      expect(b.fixes).toEqual(a.fixes);
      expect(b.waivers).toEqual(a.waivers);
      expect(b.digests.map((d) => d.text.replaceAll(twin.orgUrl, "<org>/"))).toEqual(a.digests.map((d) => d.text.replaceAll(emu.orgUrl, "<org>/")));
    } finally {
      await twin.close();
    }
  }, 300_000);
});
