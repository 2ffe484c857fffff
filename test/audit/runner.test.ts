/**
 * The scheduled runner and the one-audit-per-scope rule, against the emulator: what a governance
 * owner relies on when audits run by themselves.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { runDueSchedules, type RunnerOptions } from "../../plugins-ts/audit/runner";
import { runAudit, scopeKey, type AuditOptions } from "../../plugins-ts/audit/run";
import { AuditBusyError, scopesOverlap } from "../../plugins-ts/audit/exclusive";
import { RUN_STATUS, SCHEDULE_MODE } from "../../plugins-ts/audit/model";
import { defaultRulePack } from "../../plugins-ts/engine";
import type { Row } from "../../plugins-ts/dataverse/gateway";
import { gatewayFor, storedHealth } from "../helpers/audit";

const NOW = new Date("2026-11-23T12:00:00Z");
const TABLES = ["account", "contact", "lead", "opportunity"];

function runner(emu: EmulatorHandle, runnerId: string, over: Partial<RunnerOptions> = {}): RunnerOptions {
  return { gateway: gatewayFor(emu), runnerId, clock: () => NOW, loadPack: () => Promise.resolve(defaultRulePack()), audit: { pageSize: 200 }, ...over };
}

async function addSchedule(emu: EmulatorHandle, row: Row): Promise<string> {
  const [res] = await gatewayFor(emu).createMany("vit_auditschedule", [
    { vit_name: "Weekly audit", vit_scope: scopeKey({ tables: TABLES }), vit_mode: SCHEDULE_MODE.incremental, vit_everydays: 7, vit_timeofday: "06:00", vit_timezone: "Europe/Amsterdam", vit_enabled: true, ...row },
  ]);
  if (!res.ok || !res.id) throw new Error("schedule not created");
  return res.id;
}

describe("the scheduled runner", () => {
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await startEmulator({ data: "demo", size: 300, seed: 21, now: NOW, throttle: false });
  });
  afterEach(async () => {
    await emu.close();
  });

  it("two runners started together audit a due schedule once, then it is due again on its cadence", async () => {
    const id = await addSchedule(emu, { vit_nextrunon: "2026-11-23T05:00:00Z", vit_digestrecipients: "owners" });
    const digests: string[] = [];
    const sendDigest = (to: string): Promise<string> => {
      digests.push(to);
      return Promise.resolve("1 sent");
    };
    const [a, b] = await Promise.all([runDueSchedules(runner(emu, "runner-a", { sendDigest })), runDueSchedules(runner(emu, "runner-b", { sendDigest }))]);
    const all = [...a, ...b];
    expect(all.filter((o) => o.status === "completed")).toHaveLength(1);
    expect(emu.store.rows("vit_auditrun")).toHaveLength(1);
    expect(digests).toEqual(["owners"]);
    const run = emu.store.rows("vit_auditrun")[0];
    expect(run.vit_status).toBe(RUN_STATUS.completed);
    const s = emu.store.get("vit_auditschedule", id)!;
    // Due Monday 23 November 06:00 Amsterdam (05:00Z): next a week later.
    expect(s.vit_nextrunon).toBe("2026-11-30T05:00:00Z");
    expect(s._vit_lastrun_value).toBe(run.vit_auditrunid);
    expect(s.vit_claimedby).toBeNull();
    expect(String(s.vit_lastoutcome)).toMatch(/full audit completed: \d+ records scanned.*digest: 1 sent/);
    expect(storedHealth(emu).size).toBe(TABLES.reduce((n, t) => n + emu.groundTruth.rows[t], 0));

    // Not due any more: a later pass does nothing.
    expect(await runDueSchedules(runner(emu, "runner-c"))).toEqual([]);
  }, 120_000);

  it("leaves a schedule alone while another runner's lease holds, and resumes its audit once the lease ran out", async () => {
    // A runner claimed the schedule and died mid-audit: its run stopped after one page (same page size as the runner's).
    let pages = 0;
    const opts: AuditOptions = { gateway: gatewayFor(emu), pack: defaultRulePack(), scope: { tables: TABLES }, mode: "incremental", now: NOW, pageSize: 200, afterPage: () => {
      if (++pages === 1) throw new Error("process killed");
    } };
    await expect(runAudit(opts)).rejects.toThrow("process killed");
    const killed = emu.store.rows("vit_auditrun")[0];
    const id = await addSchedule(emu, { vit_nextrunon: "2026-11-23T05:00:00Z", vit_claimedby: "runner-dead", vit_claimeduntil: "2026-11-23T13:00:00Z" });

    const held = await runDueSchedules(runner(emu, "runner-b"));
    expect(held.map((o) => [o.status, o.message])).toEqual([["taken", "held by runner-dead until 2026-11-23T13:00:00Z"]]);
    expect(emu.store.rows("vit_auditrun")).toHaveLength(1);

    const later = new Date("2026-11-23T13:05:00Z");
    const [outcome] = await runDueSchedules(runner(emu, "runner-b", { clock: () => later }));
    expect(outcome).toEqual(expect.objectContaining({ status: "completed", runId: killed.vit_auditrunid }));
    expect(outcome.message).toMatch(/\(resumed\)/);
    expect(emu.store.rows("vit_auditrun")).toHaveLength(1);
    expect(storedHealth(emu).size).toBe(TABLES.reduce((n, t) => n + emu.groundTruth.rows[t], 0));
    expect(emu.store.get("vit_auditschedule", id)!.vit_claimedby).toBeNull();
  }, 120_000);

  it("keeps an edit a person made while the schedule's audit ran: their next run stands, the claim is released", async () => {
    const id = await addSchedule(emu, { vit_nextrunon: "2026-11-23T05:00:00Z" });
    let edited = false;
    const out = await runDueSchedules(
      runner(emu, "runner-a", {
        audit: {
          pageSize: 200,
          afterPage: () => {
            // "Run now" in the Governance Center while the audit is under way.
            if (!edited) emu.store.update("vit_auditschedule", id, { vit_nextrunon: "2026-11-23T13:00:00Z", vit_everydays: 1 });
            edited = true;
          },
        },
      }),
    );
    expect(edited).toBe(true);
    expect(out.map((o) => o.status)).toEqual(["completed"]);
    const s = emu.store.get("vit_auditschedule", id)!;
    expect(s.vit_nextrunon).toBe("2026-11-23T13:00:00Z");
    expect(s.vit_everydays).toBe(1);
    expect(s.vit_claimedby).toBeNull();
    expect(s.vit_claimeduntil).toBeNull();
    expect(String(s.vit_lastoutcome)).toMatch(/audit completed/);
  }, 120_000);

  it("gives new schedules their first run, and says what is wrong with one it cannot run", async () => {
    const fresh = await addSchedule(emu, { vit_cron: "30 2 * * 0", vit_timezone: "UTC" });
    const broken = await addSchedule(emu, { vit_name: "Broken", vit_cron: "0 25 * * *", vit_nextrunon: "2026-11-23T00:00:00Z" });
    const outcomes = await runDueSchedules(runner(emu, "runner-a"));
    const byId = new Map(outcomes.map((o) => [o.scheduleId, o]));
    expect(byId.get(fresh)).toEqual(expect.objectContaining({ status: "scheduled", nextRunOn: "2026-11-29T02:30:00.000Z" }));
    expect(byId.get(broken)?.status).toBe("invalid");
    expect(byId.get(broken)?.message).toMatch(/cron expression "0 25 \* \* \*".*hour/);
    expect(emu.store.get("vit_auditschedule", fresh)!.vit_nextrunon).toBe("2026-11-29T02:30:00Z");
    const b = emu.store.get("vit_auditschedule", broken)!;
    expect(b.vit_nextrunon).toBeNull();
    expect(String(b.vit_lastoutcome)).toMatch(/not run: cron expression/);
    expect(emu.store.rows("vit_auditrun")).toHaveLength(0);
  }, 60_000);
});

describe("one audit per scope at a time", () => {
  it("tells which scopes can hold the same record", () => {
    expect(scopesOverlap({ tables: ["account", "contact"] }, { tables: ["contact"] })).toBe(true);
    expect(scopesOverlap({ tables: ["account"] }, { tables: ["contact"] })).toBe(false);
    expect(scopesOverlap({ tables: ["contact"], ownerId: "A" }, { tables: ["contact"] })).toBe(true);
    expect(scopesOverlap({ tables: ["contact"], ownerId: "A" }, { tables: ["contact"], ownerId: "b" })).toBe(false);
    expect(scopesOverlap({ tables: ["contact"], ownerId: "A" }, { tables: ["contact"], teamId: "T" })).toBe(false);
    expect(scopesOverlap({ tables: ["contact"], businessUnitId: "X" }, { tables: ["contact"], ownerId: "A" })).toBe(true);
  });

  it("refuses a second audit of an overlapping scope, naming the running one; other scopes and the runner's next pass go on", async () => {
    const emu = await startEmulator({ data: "demo", size: 300, seed: 22, now: NOW, throttle: false });
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let paused!: () => void;
      const atPage = new Promise<void>((r) => (paused = r));
      const base: AuditOptions = { gateway: gatewayFor(emu), pack: defaultRulePack(), scope: { tables: ["account", "contact"] }, mode: "full", now: NOW, pageSize: 100 };
      const first = runAudit({ ...base, afterPage: async () => {
        paused();
        await gate;
      } });
      await atPage;
      const running = emu.store.rows("vit_auditrun")[0];

      const second = runAudit({ ...base, scope: { tables: ["contact", "lead"] } });
      await expect(second).rejects.toThrow(AuditBusyError);
      await expect(runAudit({ ...base, scope: { tables: ["contact"] } })).rejects.toThrow(new RegExp(`another audit of an overlapping scope is running: "Full audit .*" \\(run ${String(running.vit_auditrunid)}, tables account, contact\\)`));
      const id = await addSchedule(emu, { vit_scope: scopeKey({ tables: ["contact"] }), vit_nextrunon: "2026-11-23T05:00:00Z" });
      const [refused] = await runDueSchedules(runner(emu, "runner-a"));
      expect(refused).toEqual(expect.objectContaining({ status: "refused", nextRunOn: "2026-11-23T05:00:00.000Z" }));
      expect(emu.store.get("vit_auditschedule", id)!.vit_nextrunon).toBe("2026-11-23T05:00:00Z");

      const other = await runAudit({ ...base, scope: { tables: ["opportunity"] } });
      expect(other.status).toBe("completed");

      release();
      expect((await first).status).toBe("completed");
      const [done] = await runDueSchedules(runner(emu, "runner-a"));
      expect(done.status).toBe("completed");
      expect(emu.store.rows("vit_auditrun").filter((r) => r.vit_status === RUN_STATUS.completed)).toHaveLength(3);
    } finally {
      await emu.close();
    }
  }, 120_000);
});
