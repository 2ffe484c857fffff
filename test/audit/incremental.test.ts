/**
 * An incremental audit after 1 % of the organisation changed must leave what a full audit of the
 * changed organisation would: the same health rows (score, grade, failed and waived rules) and the
 * same aggregates. Two twin organisations (same seed) get the same edits; one is audited in full,
 * then incrementally, the other in full only after the edits. Requests and time are measured at
 * scale in bench/audit (bench/results/audit.md), not here.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { runAudit, type AuditOptions, type AuditResult } from "../../plugins-ts/audit/run";
import { defaultRulePack } from "../../plugins-ts/engine";
import type { DataverseGateway } from "../../plugins-ts/dataverse/gateway";
import { gatewayFor, storedHealth } from "../helpers/audit";

const NOW = new Date("2026-11-23T12:00:00Z");
const HOUR = 3_600_000;
const TABLES = ["account", "contact", "lead", "opportunity"];
/** What users edit, as in bench/audit/run.ts: a match column on accounts (the phone), others elsewhere. */
const EDITS: Record<string, Record<string, string>> = {
  contact: { jobtitle: "Head of Procurement" },
  account: { telephone1: "+1 425 555 0100" },
  lead: { subject: "Updated after the call" },
  opportunity: { name: "Renewal, updated" },
};

function options(emu: EmulatorHandle, over: Partial<AuditOptions>): AuditOptions {
  return { gateway: gatewayFor(emu), pack: defaultRulePack(), scope: { tables: TABLES }, mode: "full", now: NOW, ...over };
}

/** Every 100th record of each table, edited as a user would (the record's modifiedon moves). */
function changeOnePercent(emu: EmulatorHandle): number {
  let changed = 0;
  const stamp = new Date(NOW.getTime() + HOUR).toISOString();
  for (const t of TABLES) {
    const rows = [...emu.store.rows(t)].sort((a, b) => String(a[`${t}id`]).localeCompare(String(b[`${t}id`])));
    rows.forEach((r, i) => {
      if (i % 100 !== 0) return;
      emu.store.update(t, String(r[`${t}id`]), { ...EDITS[t], modifiedon: stamp });
      changed++;
    });
  }
  return changed;
}

/** What a health row says, without when or by which run it was written. */
function healthOf(emu: EmulatorHandle): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, h] of storedHealth(emu)) {
    if (!h.active) continue;
    out.set(key, JSON.stringify({ score: h.score, grade: h.grade, owner: h.ownerId, failed: [...h.failed].sort(), waived: [...h.waived].sort() }));
  }
  return out;
}

function aggregatesOf(r: AuditResult): unknown {
  const { overall, byTable, byRule } = r.report;
  return { overall, byTable, byRule: [...byRule].sort((a, b) => a.ruleId.localeCompare(b.ruleId)) };
}

/** Two twin organisations (same seed) for the tests of one describe block, started before and closed after them. */
function twinOrganisations(): { a: EmulatorHandle; b: EmulatorHandle } {
  const twins = {} as { a: EmulatorHandle; b: EmulatorHandle };
  beforeAll(async () => {
    [twins.a, twins.b] = await Promise.all([1, 2].map(() => startEmulator({ data: "demo", size: 1200, seed: 9, now: NOW, throttle: false })));
  }, 120_000);
  afterAll(async () => {
    await twins.a.close();
    await twins.b.close();
  });
  return twins;
}

describe("an incremental audit after 1 % of the records changed", () => {
  const twins = twinOrganisations();

  it("leaves the same health rows and aggregates as a full audit of the changed organisation", async () => {
    const { a: audited, b: twin } = twins;
    expect((await runAudit(options(audited, {}))).status).toBe("completed");
    const changed = changeOnePercent(audited);
    expect(changeOnePercent(twin)).toBe(changed);
    expect(changed).toBeGreaterThanOrEqual(TABLES.length * 2);
    const later = new Date(NOW.getTime() + 2 * HOUR);

    const inc = await runAudit(options(audited, { mode: "incremental", now: later }));
    const full = await runAudit(options(twin, { now: later }));
    expect(inc.mode).toBe("incremental");
    expect(inc.status).toBe("completed");
    expect(full.status).toBe("completed");
    // It re-scored only what changed (and what was due), not the organisation.
    expect(inc.recordsScanned).toBeLessThan(full.recordsScanned / 10);

    const a = healthOf(audited);
    const b = healthOf(twin);
    expect(a.size).toBe(b.size);
    const differing = [...b].filter(([key, v]) => a.get(key) !== v).map(([key, v]) => `${key}: incremental ${a.get(key) ?? "none"}, full ${v}`);
    expect(differing).toEqual([]);
    expect(aggregatesOf(inc)).toEqual(aggregatesOf(full));
  }, 600_000);
});

describe("an incremental run, its tables side by side, killed mid-way", () => {
  const twins = twinOrganisations();

  it("resumes where it stopped and leaves what an uninterrupted incremental run leaves", async () => {
    const { a: killedOrg, b: twin } = twins;
    for (const emu of [killedOrg, twin]) {
      expect((await runAudit(options(emu, {}))).status).toBe("completed");
      changeOnePercent(emu);
    }
    const later = new Date(NOW.getTime() + 2 * HOUR);
    // Small pages: several per table, so the kill lands after the first table's streams were taken
    // and before the later tables' (started side by side) were read to the end.
    let pages = 0;
    const killed = runAudit(options(killedOrg, { mode: "incremental", now: later, pageSize: 2, afterPage: () => {
      if (++pages === 5) throw new Error("process killed");
    } }));
    await expect(killed).rejects.toThrow("process killed");
    const resumed = await runAudit(options(killedOrg, { mode: "incremental", now: later, pageSize: 2, resume: "latest" }));
    const uninterrupted = await runAudit(options(twin, { mode: "incremental", now: later, pageSize: 2 }));
    expect(resumed.resumed).toBe(true);
    expect(resumed.status).toBe("completed");
    expect(uninterrupted.status).toBe("completed");
    expect(resumed.recordsScanned).toBe(uninterrupted.recordsScanned);

    const a = healthOf(killedOrg);
    const b = healthOf(twin);
    expect(a.size).toBe(b.size);
    expect([...b].filter(([key, v]) => a.get(key) !== v).map(([key]) => key)).toEqual([]);
    expect(aggregatesOf(resumed)).toEqual(aggregatesOf(uninterrupted));
  }, 600_000);
});

describe("a small incremental run, every table in one step, whose health-row writes are lost", () => {
  const twins = twinOrganisations();

  it("is resumed to what an uninterrupted run leaves, counting nothing twice", async () => {
    const { a: failedOrg, b: twin } = twins;
    for (const emu of [failedOrg, twin]) {
      expect((await runAudit(options(emu, {}))).status).toBe("completed");
      changeOnePercent(emu);
    }
    const later = new Date(NOW.getTime() + 2 * HOUR);
    // The connection drops when the health rows are written, after the step's checkpoint was saved
    // (the checkpoint goes first in the $batch that carries the upserts: writeFirst).
    const gateway = gatewayFor(failedOrg);
    const lost = (): Promise<never> => Promise.reject(new Error("connection lost"));
    const writeFirst: DataverseGateway["writeFirst"] = async (first, then) => {
      if (!("upsert" in then) || then.upsert.table !== "vit_recordhealth") return gateway.writeFirst(first, then);
      await gateway.writeFirst(first, { stream: { table: "vit_auditrun", columns: ["vit_auditrunid"], pageSize: 1 } });
      return lost();
    };
    const dropping = new Proxy(gateway, {
      get: (target, prop, receiver): unknown => (prop === "upsertMany" ? lost : prop === "writeFirst" ? writeFirst : Reflect.get(target, prop, receiver)),
    });
    await expect(runAudit(options(failedOrg, { gateway: dropping, mode: "incremental", now: later }))).rejects.toThrow("connection lost");
    // (the run row stays as the checkpoint left it: the failed run's own last version of it is older)
    const failedRun = [...failedOrg.store.rows("vit_auditrun")].find((r) => typeof r.vit_checkpoint === "string" && r.vit_checkpoint.includes('"together":{'));
    const saved = JSON.parse(String(failedRun?.vit_checkpoint)) as { checkpoint: { together?: Record<string, string[]> | null; tableIndex: number } };
    expect(Object.keys(saved.checkpoint.together ?? {}).sort()).toEqual([...TABLES].sort());
    expect(saved.checkpoint.tableIndex).toBe(TABLES.length);

    const resumed = await runAudit(options(failedOrg, { mode: "incremental", now: later, resume: "latest" }));
    const uninterrupted = await runAudit(options(twin, { mode: "incremental", now: later }));
    expect(resumed.resumed).toBe(true);
    expect(resumed.status).toBe("completed");
    expect(uninterrupted.status).toBe("completed");
    expect(resumed.recordsScanned).toBe(uninterrupted.recordsScanned);
    expect(resumed.recordsChanged).toBe(uninterrupted.recordsChanged);

    const a = healthOf(failedOrg);
    const b = healthOf(twin);
    expect(a.size).toBe(b.size);
    expect([...b].filter(([key, v]) => a.get(key) !== v).map(([key]) => key)).toEqual([]);
    expect(aggregatesOf(resumed)).toEqual(aggregatesOf(uninterrupted));
  }, 600_000);
});
