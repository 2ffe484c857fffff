/**
 * Audits against the Dataverse emulator with the demo organisation: what a governance owner relies on.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { CLOCK_SKEW_MARGIN_MS, runAudit, type AuditOptions, type AuditResult } from "../../plugins-ts/audit/run";
import { RUN_STATUS, WAIVER_STATUS } from "../../plugins-ts/audit/model";
import { defaultRulePack } from "../../plugins-ts/engine";
import { DEFECT_RULES, EXACT_RULES, gatewayFor, storedHealth } from "../helpers/audit";

const NOW = new Date("2026-11-23T12:00:00Z");
const TABLES = ["account", "contact", "lead", "opportunity"];
const HOUR = 3_600_000;

function options(emu: EmulatorHandle, over: Partial<AuditOptions> = {}): AuditOptions {
  const gateway = over.gateway ?? gatewayFor(emu);
  return { gateway, pack: defaultRulePack(), scope: { tables: TABLES }, mode: "full", now: NOW, ...over };
}

/** The aggregates recomputed from the stored health rows, to compare with what a run reports. */
function recount(emu: EmulatorHandle): { records: number; average: number; failedByRule: Record<string, number> } {
  let n = 0;
  let sum = 0;
  const byRule: Record<string, number> = {};
  for (const h of storedHealth(emu).values()) {
    if (!h.active) continue;
    n++;
    sum += h.score ?? 0;
    for (const r of h.failed) byRule[r] = (byRule[r] ?? 0) + 1;
  }
  return { records: n, average: Math.round((sum / n) * 10) / 10, failedByRule: byRule };
}

function reported(r: AuditResult): { records: number; average: number | null; failedByRule: Record<string, number> } {
  return {
    records: r.report.overall.records,
    average: r.report.overall.average,
    failedByRule: Object.fromEntries(r.report.byRule.filter((x) => x.failed > 0).map((x) => [x.ruleId, x.failed])),
  };
}

describe("a full audit of the demo organisation", () => {
  let emu: EmulatorHandle;
  let result: AuditResult;
  beforeAll(async () => {
    emu = await startEmulator({ data: "demo", size: 1500, seed: 21, now: NOW, throttle: false });
    result = await runAudit(options(emu));
  }, 120_000);
  afterAll(() => emu.close());

  it("scores every record once and stores one health row per record", () => {
    const rows = emu.groundTruth.rows;
    const total = TABLES.reduce((s, t) => s + rows[t], 0);
    expect(result.status).toBe("completed");
    expect(result.recordsScanned).toBe(total);
    const health = storedHealth(emu);
    expect(health.size).toBe(total);
    for (const t of TABLES) expect([...health.values()].filter((h) => h.table === t)).toHaveLength(rows[t]);
  });

  it("finds every injected defect that its rule applies to", () => {
    const health = storedHealth(emu);
    const missed: string[] = [];
    for (const d of emu.groundTruth.defects) {
      const map = DEFECT_RULES[d.kind];
      if (!map) throw new Error(`no rule mapping for defect kind ${d.kind}`);
      const rules = map.rules(d.table);
      if (rules.length === 0) continue;
      const record = emu.store.get(d.table, d.id);
      if (map.openOnly?.(d.table) && record?.statecode !== 0) continue;
      const h = health.get(`${d.table}|${d.id}`);
      if (!h || !rules.some((r) => h.failed.has(r))) missed.push(`${d.kind} ${d.table} ${d.id} ${d.detail ?? ""}`);
    }
    expect(missed).toEqual([]);
  });

  it("raises no failure of an exact rule that the ground truth does not record", () => {
    const truth = new Set(emu.groundTruth.defects.map((d) => `${d.table}|${d.id}|${d.kind}`));
    const falsePositives: string[] = [];
    for (const h of storedHealth(emu).values()) {
      for (const rule of h.failed) {
        const kinds = EXACT_RULES[rule];
        if (kinds && !kinds.some((k) => truth.has(`${h.table}|${h.recordId}|${k}`))) falsePositives.push(`${rule} ${h.recordId}`);
      }
    }
    expect(falsePositives).toEqual([]);
  });

  it("gives the clean records of the demo a perfect score", () => {
    const health = storedHealth(emu);
    for (const c of emu.groundTruth.clean) {
      const h = health.get(`${c.table}|${c.id}`)!;
      expect({ id: c.id, failed: [...h.failed], score: h.score }).toEqual({ id: c.id, failed: [], score: 100 });
    }
  });

  it("reports aggregates that match the stored health rows, and records the run", () => {
    expect(reported(result)).toEqual(recount(emu));
    const run = emu.store.get("vit_auditrun", result.runId)!;
    expect(run.vit_status).toBe(RUN_STATUS.completed);
    expect(run.vit_recordsscanned).toBe(result.recordsScanned);
    expect(run.vit_overallscore).toBe(result.report.overall.average);
    expect(run._vit_runby_value).toBe(emu.users.find((u) => u.key === "admin")!.systemuserid);
    expect(String(run.vit_rulepackversion)).toMatch(/^crm-vitals-default@1\.2\.0#/);
    expect(Object.keys(result.report.byOwner).length).toBeGreaterThan(3);
    expect(Object.keys(result.report.byBusinessUnit).length).toBeGreaterThan(1);
  });

  it("health rows belong to the record's owner and link to the record", () => {
    const contact = emu.store.rows("contact")[0];
    const h = emu.store.rows("vit_recordhealth").find((x) => x.vit_recordid === contact.contactid)!;
    expect(h._ownerid_value).toBe(contact._ownerid_value);
    expect(h._vit_contactid_value).toBe(contact.contactid);
    expect(h._vit_lastauditrunid_value).toBe(result.runId);
  });

  it("reads at most one page per 5,000 records per table, plus related facts, and writes in batches", () => {
    const stats = emu.stats();
    expect(stats.throttled).toBe(0);
    expect(result.requests).toBeLessThan(120);
  });

  it("a day later with nothing edited, rewrites only the rows whose clock-dependent score changed", async () => {
    const dayLater = new Date(NOW.getTime() + 24 * HOUR);
    const flipping = emu.store.rows("vit_recordhealth").filter((h) => typeof h.vit_revisitafter === "string" && Date.parse(h.vit_revisitafter) <= dayLater.getTime()).length;
    const again = await runAudit(options(emu, { now: dayLater }));
    expect(again.recordsScanned).toBe(result.recordsScanned);
    expect(again.recordsChanged).toBe(flipping);
    expect(flipping).toBeLessThan(result.recordsScanned / 5);
  }, 120_000);

  it("never writes customers' own records", () => {
    const modified = emu.store.rows("contact").filter((c) => Date.parse(String(c.modifiedon)) > NOW.getTime());
    expect(modified).toEqual([]);
  });
});

describe("an incremental audit", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ data: "demo", size: 1200, seed: 5, now: NOW, throttle: false });
  }, 60_000);
  afterAll(() => emu.close());

  it("re-scores exactly the records changed, due for a revisit or with a changed waiver; aggregates stay exact", async () => {
    const readBefore = emu.stats().rowsRead;
    const full = await runAudit(options(emu));
    expect(full.status).toBe("completed");
    const fullRowsRead = emu.stats().rowsRead - readBefore;
    const later = new Date(NOW.getTime() + 2 * HOUR);
    // Edit three contacts (one fixed, two broken), delete one lead, waive one failing finding.
    const contacts = emu.store.rows("contact").filter((c) => c.statecode === 0).slice(0, 3);
    const stamp = new Date(NOW.getTime() + HOUR).toISOString();
    emu.store.update("contact", String(contacts[0].contactid), { emailaddress1: "fixed.address@contoso.com", modifiedon: stamp });
    emu.store.update("contact", String(contacts[1].contactid), { emailaddress1: "broken@@contoso", modifiedon: stamp });
    emu.store.update("contact", String(contacts[2].contactid), { jobtitle: null, modifiedon: stamp });
    const gone = emu.store.rows("lead")[0];
    emu.store.delete("lead", String(gone.leadid));
    const failing = [...storedHealth(emu).values()].find((h) => h.table === "account" && h.failed.has("account.industry.required"))!;
    emu.store.insert("vit_waiver", {
      vit_name: "Industry not applicable",
      vit_table: "account",
      vit_recordid: failing.recordId,
      vit_ruleid: "account.industry.required",
      vit_reason: "Holding company",
      vit_waiverstatus: WAIVER_STATUS.approved,
      vit_expireson: new Date(NOW.getTime() + 30 * 24 * HOUR).toISOString(),
      _createdby_value: emu.store.get("account", failing.recordId)!._ownerid_value,
      _vit_approvedby_value: emu.users.find((u) => u.key === "govowner")!.systemuserid,
      vit_approvedon: stamp,
      statecode: 0,
      modifiedon: stamp,
    });
    // What must be re-scored: records modified since the last run started (less the clock-skew
    // margin), records with a changed waiver, and records whose clock-dependent score flips by now.
    const since = NOW.getTime() - CLOCK_SKEW_MARGIN_MS;
    const modified = new Set(TABLES.flatMap((t) => emu.store.rows(t).filter((r) => Date.parse(String(r.modifiedon)) >= since).map((r) => String(r[`${t}id`]))));
    const waived = new Set([failing.recordId]);
    const due = new Set(
      emu.store
        .rows("vit_recordhealth")
        .filter((h) => h.statecode === 0 && typeof h.vit_revisitafter === "string" && Date.parse(h.vit_revisitafter) <= later.getTime())
        .map((h) => String(h.vit_recordid)),
    );
    const expected = new Set([...modified, ...waived, ...due]);
    expect(modified.size).toBeGreaterThanOrEqual(3);

    const readBeforeInc = emu.stats().rowsRead;
    const inc = await runAudit(options(emu, { mode: "incremental", now: later }));
    const incRowsRead = emu.stats().rowsRead - readBeforeInc;
    expect(inc.mode).toBe("incremental");
    expect(inc.status).toBe("completed");
    expect(inc.recordsScanned).toBe(expected.size);
    expect(inc.healthRowsRetired).toBe(1);
    const health = storedHealth(emu);
    expect(health.get(`contact|${String(contacts[1].contactid)}`)!.failed.has("contact.email.format")).toBe(true);
    expect(health.get(`contact|${String(contacts[0].contactid)}`)!.failed.has("contact.email.format")).toBe(false);
    expect(health.get(`account|${failing.recordId}`)!.waived.has("account.industry.required")).toBe(true);
    expect(health.get(`lead|${String(gone.leadid)}`)!.active).toBe(false);
    expect(reported(inc)).toEqual(recount(emu));
    // It does not read the organisation again. Its request count is not compared here: at 1,200
    // records both runs are dominated by the same fixed cost (metadata, waiver approvers, related
    // facts), so the request budget is measured at scale in bench/audit (bench/results/audit.md).
    expect(incRowsRead).toBeLessThan(fullRowsRead * 0.1);
  }, 120_000);

  it("runs in full when the rule pack changed", async () => {
    const pack = { ...defaultRulePack(), version: "1.0.1" };
    const r = await runAudit(options(emu, { pack, mode: "incremental", now: new Date(NOW.getTime() + 3 * HOUR) }));
    expect(r.mode).toBe("full");
    expect(r.fullBecause).toMatch(/rule pack changed/);
  }, 120_000);
});

describe("interruptions", () => {
  it("a run killed mid-way resumes where it stopped, with no duplicated and no missing rows", async () => {
    const ref = await startEmulator({ data: "demo", size: 1000, seed: 9, now: NOW, throttle: false });
    const reference = await runAudit(options(ref, { pageSize: 150 }));
    const refHealth = storedHealth(ref);
    await ref.close();

    const emu = await startEmulator({ data: "demo", size: 1000, seed: 9, now: NOW, throttle: false });
    try {
      let pages = 0;
      const killed = runAudit(
        options(emu, {
          pageSize: 150,
          afterPage: () => {
            if (++pages === 4) throw new Error("process killed");
          },
        }),
      );
      await expect(killed).rejects.toThrow("process killed");
      const interrupted = emu.store.rows("vit_auditrun")[0];
      expect(interrupted.vit_status).toBe(RUN_STATUS.failed);
      expect(storedHealth(emu).size).toBeLessThan(refHealth.size);

      const resumed = await runAudit(options(emu, { pageSize: 150, resume: "latest" }));
      expect(resumed.resumed).toBe(true);
      expect(resumed.runId).toBe(interrupted.vit_auditrunid);
      expect(resumed.recordsScanned).toBe(reference.recordsScanned);
      // Rows the killed attempt wrote after its last checkpoint count as written by the run.
      expect(resumed.recordsChanged).toBe(reference.recordsChanged);
      const health = storedHealth(emu);
      expect(health.size).toBe(refHealth.size);
      for (const [k, h] of refHealth) expect({ k, score: health.get(k)?.score, failed: [...(health.get(k)?.failed ?? [])] }).toEqual({ k, score: h.score, failed: [...h.failed] });
      expect(reported(resumed)).toEqual(reported(reference));
    } finally {
      await emu.close();
    }
  }, 180_000);

  it("stops, without overwriting, when another process took its run over (If-Match on the run row)", async () => {
    const emu = await startEmulator({ data: "demo", size: 400, seed: 9, now: NOW, throttle: false });
    try {
      let pages = 0;
      const run = runAudit(
        options(emu, {
          pageSize: 100,
          afterPage: () => {
            // Another process resumes the same run and saves its own checkpoint.
            if (++pages === 2) emu.store.update("vit_auditrun", String(emu.store.rows("vit_auditrun")[0].vit_auditrunid), { vit_recordsscanned: 7 });
          },
        }),
      );
      await expect(run).rejects.toThrow(/was changed by someone else since this process last saved it/);
      const row = emu.store.rows("vit_auditrun")[0];
      expect(row.vit_recordsscanned).toBe(7);
      expect(row.vit_status).toBe(RUN_STATUS.running);
    } finally {
      await emu.close();
    }
  }, 120_000);

  it("survives a 429 storm and a flaky network without losing or repeating rows", async () => {
    const emu = await startEmulator({ data: "demo", size: 800, seed: 3, now: NOW, throttle: false });
    try {
      emu.setFaults({ seed: 4, error503Rate: 0.05, dropRate: 0.03, throttleStorm: { every: 7, retryAfterSeconds: 0 } });
      const r = await runAudit(options(emu, { gateway: gatewayFor(emu, emu.adminToken, { maxAttempts: 12, baseDelayMs: 5, maxDelayMs: 50 }), pageSize: 200 }));
      const faults = emu.stats();
      emu.setFaults(null);
      expect(r.status).toBe("completed");
      expect(r.throttled).toBeGreaterThan(0);
      // Every 503 and dropped connection was retried, and the result says so (not only the 429s).
      // At least: a kept-alive socket the server closed as the client reused it is retried too.
      expect(faults.faults503 + faults.dropped).toBeGreaterThan(0);
      expect(r.retried).toBeGreaterThanOrEqual(faults.faults503 + faults.dropped);
      expect(emu.stats().throttled).toBeGreaterThan(0);
      const total = TABLES.reduce((s, t) => s + emu.groundTruth.rows[t], 0);
      expect(r.recordsScanned).toBe(total);
      expect(storedHealth(emu).size).toBe(total);
      expect(reported(r)).toEqual(recount(emu));
    } finally {
      await emu.close();
    }
  }, 180_000);

  it("can be cancelled, and says so", async () => {
    const emu = await startEmulator({ data: "demo", size: 600, seed: 2, now: NOW, throttle: false });
    try {
      const abort = new AbortController();
      const r = await runAudit(options(emu, { pageSize: 100, signal: abort.signal, afterPage: () => abort.abort() }));
      expect(r.status).toBe("cancelled");
      expect(emu.store.get("vit_auditrun", r.runId)!.vit_status).toBe(RUN_STATUS.cancelled);
    } finally {
      await emu.close();
    }
  }, 60_000);
});

describe("coverage and waivers", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ data: "demo", size: 900, seed: 13, now: NOW, throttle: false });
  }, 60_000);
  afterAll(() => emu.close());

  it("a user with Basic read audits what they can read and says how much that is", async () => {
    // A regional governance owner reads their business unit only.
    const regional = emu.users.find((u) => u.key === "govowner_eu")!;
    const gateway = gatewayFor(emu, regional.token);
    const r = await runAudit(options(emu, { gateway, scope: { tables: ["contact"] }, privileged: gatewayFor(emu) }));
    expect(r.status).toBe("completed");
    const [c] = r.coverage;
    expect(c.table).toBe("contact");
    expect(c.total).toBe(emu.groundTruth.rows.contact);
    expect(c.readable).toBeLessThan(c.total!);
    expect(c.readable).toBeGreaterThan(0);
    expect(c.complete).toBe(false);
  }, 60_000);

  it("an approved waiver stops a finding from lowering the score until it expires", async () => {
    const admin = options(emu, { scope: { tables: ["account"] } });
    await runAudit(admin);
    const before = [...storedHealth(emu).values()].find((h) => h.table === "account" && h.failed.has("account.website.required"))!;
    emu.store.insert("vit_waiver", {
      vit_name: "No website",
      vit_table: "account",
      vit_recordid: before.recordId,
      vit_ruleid: "account.website.required",
      vit_reason: "Sole trader without a website",
      vit_waiverstatus: WAIVER_STATUS.approved,
      vit_expireson: new Date(NOW.getTime() + 24 * HOUR).toISOString(),
      // Asked for by the record's owner, approved by a governance owner (waivers.ts checks both).
      _createdby_value: emu.store.get("account", before.recordId)!._ownerid_value,
      _vit_approvedby_value: emu.users.find((u) => u.key === "govowner")!.systemuserid,
      vit_approvedon: NOW.toISOString(),
      statecode: 0,
    });
    await runAudit({ ...admin, now: new Date(NOW.getTime() + HOUR) });
    const waived = storedHealth(emu).get(`account|${before.recordId}`)!;
    expect(waived.waived.has("account.website.required")).toBe(true);
    expect(waived.failed.has("account.website.required")).toBe(false);
    expect(waived.score!).toBeGreaterThan(before.score!);
    await runAudit({ ...admin, now: new Date(NOW.getTime() + 48 * HOUR) });
    const expired = storedHealth(emu).get(`account|${before.recordId}`)!;
    expect(expired.failed.has("account.website.required")).toBe(true);
    expect(expired.waived.size).toBe(0);
  }, 120_000);
});

describe("Dataverse's own duplicate detection", () => {
  it("is read and judged in every audit: unpublished rules and tables without a published rule are reported", async () => {
    const emu = await startEmulator({ data: "demo", size: 300, seed: 17, now: NOW, throttle: false });
    try {
      const rule = emu.store.rows("duplicaterule").find((r) => r.baseentityname === "lead")!;
      emu.store.update("duplicaterule", String(rule.duplicateruleid), { statecode: 0, statuscode: 0 });
      const r = await runAudit(options(emu, { scope: { tables: ["lead", "contact"] } }));
      const codes = (r.duplicateRules ?? []).map((d) => `${d.table}:${d.code}`);
      expect(codes).toEqual(expect.arrayContaining(["lead:rule-unpublished", "lead:no-published-rule"]));
      const stored = JSON.parse(String(emu.store.get("vit_auditrun", r.runId)!.vit_aggregates)) as { duplicateRules: unknown[] };
      expect(stored.duplicateRules).toEqual(r.duplicateRules);
    } finally {
      await emu.close();
    }
  }, 60_000);
});
