/**
 * The dynamics-web-api gateway against the sandbox Dataverse emulator (sandbox/emulator): the same
 * HTTP contract a real organisation answers, with per-user security, service protection and
 * deterministic fault injection. Row expectations come from the emulator's store, read directly.
 */
import { randomUUID } from "node:crypto";
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { MissingColumnsError, WriteGuardError } from "../../plugins-ts/dataverse/errors";
import type { DataverseGateway, Row, StreamTableOptions } from "../../plugins-ts/dataverse/gateway";
import { f } from "../../plugins-ts/dataverse/requests";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";

const N = 12_345;

function gatewayFor(emu: EmulatorHandle, token: string, retry = { baseDelayMs: 1, maxDelayMs: 20, maxAttempts: 12 }): DataverseGateway {
  return createWebApiGateway({ serverUrl: emu.orgUrl, token: () => token, retry });
}

async function readIds(gw: DataverseGateway, table: string, columns: string[], pageSize?: number): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const page of gw.streamTable({ table, columns, pageSize })) rows.push(...page.rows);
  return rows;
}

const userId = (emu: EmulatorHandle, key: string): string => emu.users.find((u) => u.key === key)!.systemuserid;
const tokenOf = (emu: EmulatorHandle, key: string): string => emu.users.find((u) => u.key === key)!.token;

describe("gateway against the emulator: 12,345 rows", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ data: "empty", seed: 3, throttle: false });
    const owner = userId(emu, "admin");
    for (let i = 0; i < N; i++) {
      emu.store.insert("contact", { contactid: randomUUID(), firstname: `First${i}`, lastname: i % 97 === 0 ? "O'Brien" : `Last${i}`, fullname: `First${i} Last${i}`, _ownerid_value: owner, statecode: 0 });
    }
  });
  afterAll(() => emu.close());
  beforeEach(() => {
    emu.setFaults(null);
    emu.resetStats();
  });

  it("pages over 12,345 rows returning each row exactly once, in ⌈N/5000⌉ pages", async () => {
    const gw = gatewayFor(emu, emu.adminToken);
    const rows = await readIds(gw, "contact", ["fullname"]);
    const ids = rows.map((r) => String(r.contactid));
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    expect(new Set(ids)).toEqual(new Set(emu.store.rows("contact").map((r) => String(r.contactid))));
    expect(Object.keys(rows[0]).sort()).toEqual(["contactid", "fullname"]);
    expect(emu.stats().byKind.read).toBe(3);
    expect(emu.stats().rowsRead).toBe(N);
  });

  it("escapes O'Brien in a filter end to end", async () => {
    const gw = gatewayFor(emu, emu.adminToken);
    const rows: Row[] = [];
    for await (const p of gw.streamTable({ table: "contact", columns: ["lastname"], filter: f.eq("lastname", "O'Brien") })) rows.push(...p.rows);
    expect(rows).toHaveLength(Math.ceil(N / 97));
    expect(rows.every((r) => r.lastname === "O'Brien")).toBe(true);
  });

  it("loses and duplicates nothing through a 429 storm, random 503s and dropped connections", async () => {
    emu.setFaults({ seed: 11, error503Rate: 0.12, dropRate: 0.08, throttleStorm: { every: 10, retryAfterSeconds: 1 } });
    const throttles: number[] = [];
    const gw = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.adminToken, retry: { baseDelayMs: 1, maxDelayMs: 20, maxAttempts: 12 }, onThrottle: (e) => throttles.push(e.waitMs) });
    const rows = await readIds(gw, "contact", ["fullname"], 500);
    const ids = rows.map((r) => String(r.contactid));
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    const s = emu.stats();
    expect(s.throttled).toBeGreaterThan(0);
    expect(s.faults503).toBeGreaterThan(0);
    expect(s.dropped).toBeGreaterThan(0);
    expect(gw.stats().retries).toBe(s.throttled + s.faults503 + s.dropped);
    expect(gw.stats().throttled).toBe(s.throttled);
    // Retry-After: 1 was honoured, not shortened to the 20 ms back-off cap.
    expect(throttles.length).toBe(s.throttled);
    expect(throttles.every((w) => w === 1000)).toBe(true);
  });

  it("resumes a read from its checkpoint after an interruption without loss or repetition", async () => {
    const gw = gatewayFor(emu, emu.adminToken);
    const first: string[] = [];
    let checkpoint = "";
    for await (const page of gw.streamTable({ table: "contact", columns: ["fullname"], pageSize: 2000 })) {
      first.push(...page.rows.map((r) => String(r.contactid)));
      checkpoint = JSON.stringify(page.checkpoint);
      if (page.pageIndex === 2) break;
    }
    const rest: string[] = [];
    for await (const page of gatewayFor(emu, emu.adminToken).streamTable({ table: "contact", columns: ["fullname"], pageSize: 2000, resumeFrom: checkpoint })) {
      rest.push(...page.rows.map((r) => String(r.contactid)));
    }
    const all = [...first, ...rest];
    expect(all).toHaveLength(N);
    expect(new Set(all).size).toBe(N);
  });
});

describe("gateway against the emulator: demo organisation", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ data: "demo", size: 2000, seed: 5, throttle: false });
  });
  afterAll(() => emu.close());
  beforeEach(() => {
    emu.setFaults(null);
    emu.resetStats();
  });

  it("a user with Basic read sees only their rows and coverage reports it", async () => {
    const rep = gatewayFor(emu, tokenOf(emu, "rep1"));
    const admin = gatewayFor(emu, emu.adminToken);
    const rows = await readIds(rep, "opportunity", ["name", "_ownerid_value"]);
    const all = emu.store.rows("opportunity");
    // Basic (user-level) read: rows the user owns or a team of theirs owns.
    const mine = new Set([userId(emu, "rep1"), ...emu.store.rows("teammembership").filter((m) => m.systemuserid === userId(emu, "rep1")).map((m) => String(m.teamid))]);
    const expected = all.filter((r) => mine.has(String(r._ownerid_value)));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(all.length);
    expect(rows.every((r) => mine.has(String(r._ownerid_value)))).toBe(true);
    expect(new Set(rows.map((r) => String(r.opportunityid)))).toEqual(new Set(expected.map((r) => String(r.opportunityid))));
    const unknown = await rep.coverage("opportunity");
    expect(unknown).toMatchObject({ readable: rows.length, total: null, complete: null });
    const report = await rep.coverage("opportunity", undefined, { privileged: admin });
    expect(report).toMatchObject({ table: "opportunity", readable: rows.length, total: all.length, complete: false });
    const open = await rep.coverage("opportunity", f.eq("statecode", 0), { privileged: admin });
    expect(open.readable).toBe(expected.filter((r) => r.statecode === 0).length);
    expect(open.total).toBe(all.filter((r) => r.statecode === 0).length);
  });

  it("a user without opportunity read gets a clear error naming the request", async () => {
    const marketer = gatewayFor(emu, tokenOf(emu, "marketer"));
    await expect(readIds(marketer, "opportunity", ["name"])).rejects.toThrow(/Dataverse GET opportunities \(page 1\) failed \(HTTP 403/);
  });

  it("a missing column fails before the first read, listing every missing column", async () => {
    const gw = gatewayFor(emu, emu.adminToken);
    await expect(gw.checkColumns({ contact: ["fullname", "vit_foo", "_parentcustomerid_value"], account: ["name", "bar", "websiteurl"] })).rejects.toThrow(
      new MissingColumnsError(["contact.vit_foo", "account.bar"]),
    );
    const s = emu.stats();
    expect(s.rowsRead).toBe(0);
    expect(Object.keys(s.byKind)).toEqual(["metadata"]);
  });

  it.each([
    ["one chunk per fact", 30_000],
    ["ids split into several chunks sent in one $batch per fact", 6_000],
  ])("fetches related facts in bulk that match the organisation's data (%s)", async (_label, maxFilterChars) => {
    const gw = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.adminToken, maxFilterChars });
    const page = (await readIds(gw, "opportunity", ["name", "_ownerid_value", "_parentaccountid_value"])).slice(0, 400);
    emu.resetStats();
    const ids = page.map((r) => String(r.opportunityid));
    const facts = await gw.fetchRelatedFacts({
      table: "opportunity",
      ids,
      rows: page,
      facts: { lastActivityOn: true, nextActivityDueOn: true, stage: true, owner: true, parents: [{ lookup: "parentaccountid", table: "account", columns: ["websiteurl"] }] },
    });
    // A handful of queries for 400 records (and one metadata read per related table), never one per record.
    // (byKind also counts the requests inside a $batch; `requests` counts HTTP requests.)
    const stats = emu.stats();
    expect(stats.requests - (stats.byKind.metadata ?? 0)).toBeLessThanOrEqual(8);
    expect(stats.byKind.metadata ?? 0).toBeLessThanOrEqual(6);
    if (maxFilterChars < 10_000) expect(stats.batchItems).toBeGreaterThan(stats.byKind.batch ?? 0);

    const acts = emu.store.rows("activitypointer");
    const users = new Map(emu.store.rows("systemuser").map((u) => [String(u.systemuserid), u]));
    const accounts = new Map(emu.store.rows("account").map((a) => [String(a.accountid), a]));
    const bpf = emu.store.rows("opportunitysalesprocess");
    const stages = new Map(emu.store.rows("processstage").map((s) => [String(s.processstageid), String(s.stagename)]));
    for (const r of page) {
      const id = String(r.opportunityid);
      const mine = acts.filter((a) => a._regardingobjectid_value === id);
      const done = mine.filter((a) => a.statecode === 1 && a.actualend).map((a) => String(a.actualend)).sort();
      const open = mine.filter((a) => (a.statecode === 0 || a.statecode === 3) && a.scheduledend).map((a) => String(a.scheduledend)).sort();
      const got = facts.get(id)!;
      expect(got.lastActivityOn ?? null).toBe(done.length ? done[done.length - 1] : null);
      expect(got.nextActivityDueOn ?? null).toBe(open.length ? open[0] : null);
      const owner = users.get(String(r._ownerid_value));
      if (owner) expect(got).toMatchObject({ ownerEnabled: owner.isdisabled !== true, ownerName: owner.fullname });
      else expect(got.ownerEnabled).toBe(true); // a team
      const inst = bpf.filter((b) => b._bpf_opportunityid_value === id).sort((a, b) => Number(b.statecode === 0) - Number(a.statecode === 0))[0];
      if (inst) expect(got.stage).toEqual({ name: stages.get(String(inst._activestageid_value)), enteredOn: inst.activestagestartedon ?? null });
      else expect(got.stage).toBeNull();
      const parentId = r._parentaccountid_value;
      const parent = parentId ? accounts.get(String(parentId)) : undefined;
      if (parent) expect(got.parents!.parentaccountid).toMatchObject({ id: parentId, active: parent.statecode === 0, name: parent.name, values: { websiteurl: parent.websiteurl ?? null } });
      else expect(got.parents!.parentaccountid).toBeNull();
    }
  });

  it("upserts by alternate key in batches of at most 1000, with per-item outcomes", async () => {
    const gw = gatewayFor(emu, emu.adminToken);
    const contacts = emu.store.rows("contact").slice(0, 900);
    const rows: Row[] = [...contacts, ...contacts.slice(0, 600).map((c) => ({ ...c, contactid: randomUUID() }))].map((c, i) => ({
      vit_table: "contact",
      vit_recordid: String(c.contactid),
      vit_score: i % 101,
      vit_name: `health ${i}`,
    }));
    const out = await gw.upsertMany("vit_recordhealth", rows, { alternateKey: ["vit_table", "vit_recordid"] });
    expect(out.filter((o) => !o.ok)).toEqual([]);
    expect(emu.stats().byKind.batch).toBe(2);
    expect(emu.stats().batchItems).toBe(1500);
    expect(emu.store.rows("vit_recordhealth")).toHaveLength(1500);
    // Again with new scores: updates, no new rows; one bad value is reported against its key.
    emu.resetStats();
    const again = rows.map((r, i) => ({ ...r, vit_score: i === 7 ? "not a number" : 100 }));
    const out2 = await gw.upsertMany("vit_recordhealth", again, { alternateKey: ["vit_table", "vit_recordid"], batchSize: 400 });
    expect(emu.stats().byKind.batch).toBe(4);
    const failed = out2.filter((o) => !o.ok);
    expect(failed.map((o) => o.index)).toEqual([7]);
    const bad = failed[0];
    if (bad.ok) throw new Error("unreachable");
    expect(bad.error.status).toBe(400);
    expect(bad.error.message).toContain(`upsert vit_recordhealth vit_table='contact',vit_recordid='${String(rows[7].vit_recordid)}'`);
    expect(emu.store.rows("vit_recordhealth")).toHaveLength(1500);
    expect(emu.store.rows("vit_recordhealth").filter((r) => r.vit_score === 100)).toHaveLength(1499);
  });

  it("refuses writes to contacts without sending a request", async () => {
    const gw = gatewayFor(emu, emu.adminToken);
    await expect(gw.upsertMany("contact", [{ contactid: randomUUID(), fullname: "x" }])).rejects.toThrow(WriteGuardError);
    await expect(gw.updateMany("account", [{ accountid: randomUUID(), name: "x" }])).rejects.toThrow("never customers' own records");
    expect(emu.stats().requests).toBe(0);
  });

  it("answers whoAmI for the signed-in user", async () => {
    const me = await gatewayFor(emu, tokenOf(emu, "rep1")).whoAmI();
    expect(me.userId).toBe(userId(emu, "rep1"));
  });

  describe("writeFirst: a write, then in the same $batch what must not run before it", () => {
    const runs = (name: string, pageSize = 50): StreamTableOptions => ({ table: "vit_auditrun", columns: ["vit_name"], filter: f.eq("vit_name", name), orderBy: ["createdon asc"], pageSize });

    it("creates a row and reads after it a query that finds it, its later pages followed", async () => {
      const gw = gatewayFor(emu, emu.adminToken);
      await gw.createMany("vit_auditrun", [{ vit_name: "wf read" }, { vit_name: "wf read" }]);
      await gw.prefetchMetadata!(["vit_auditrun"]);
      emu.resetStats();
      const id = randomUUID();
      const out = await gw.writeFirst({ op: "create", table: "vit_auditrun", row: { vit_auditrunid: id, vit_name: "wf read" } }, { stream: runs("wf read", 1) });
      expect(out.first).toMatchObject({ ok: true, id });
      expect(out.first.ok && out.first.etag).toMatch(/^W\/"/);
      expect(emu.stats().requests).toBe(1);
      const pages: Row[][] = [];
      for await (const p of out.pages!) pages.push(p.rows);
      expect(pages.map((p) => p.length)).toEqual([1, 1, 1]);
      expect(pages.flat().map((r) => r.vit_auditrunid)).toContain(id);
      // The first page came with the create; the other two followed its nextLink.
      expect(emu.stats().requests).toBe(3);
      expect(emu.stats().rowsRead).toBe(3);
    });

    const health = (tag: string, n: number): Row[] => Array.from({ length: n }, (_, i) => ({ vit_table: "lead", vit_recordid: randomUUID(), vit_name: `${tag} ${i}`, vit_score: 50 }));
    const madeRun = async (gw: DataverseGateway, name: string): Promise<{ id: string; etag: string }> => {
      const [m] = await gw.createMany("vit_auditrun", [{ vit_name: name }]);
      if (!m?.ok || !m.id || !m.etag) throw new Error("setup: run row not created");
      return { id: m.id, etag: m.etag };
    };
    const storedNamed = (tag: string): number => emu.store.rows("vit_recordhealth").filter((r) => String(r.vit_name).startsWith(`${tag} `)).length;

    it("updates a row, then upserts; rows past the batch's 1,000 operations and rows after a failed one are sent after it", async () => {
      const gw = gatewayFor(emu, emu.adminToken);
      const made = await madeRun(gw, "wf update");
      await gw.prefetchMetadata!(["vit_auditrun", "vit_recordhealth"]);
      emu.resetStats();
      const rows = health("wf many", 1200);
      rows[7] = { ...rows[7], vit_score: "not a number" };
      const out = await gw.writeFirst(
        { op: "update", table: "vit_auditrun", row: { vit_auditrunid: made.id, vit_name: "wf update, saved", "@odata.etag": made.etag } },
        { upsert: { table: "vit_recordhealth", rows, opts: { alternateKey: ["vit_table", "vit_recordid"] } } },
      );
      expect(out.first.ok).toBe(true);
      expect(out.first.ok && out.first.etag).not.toBe(made.etag);
      expect(out.upserted).toHaveLength(1200);
      expect(out.upserted!.filter((o) => !o.ok).map((o) => o.index)).toEqual([7]);
      expect(storedNamed("wf many")).toBe(1199);
      // The first $batch stopped at the bad row; the rows after it and past its 1,000 operations followed.
      expect(emu.stats().byKind.batch).toBe(3);
    });

    it("upserts nothing after an update that was refused", async () => {
      const gw = gatewayFor(emu, emu.adminToken);
      const made = await madeRun(gw, "wf stale");
      await gw.updateMany("vit_auditrun", [{ vit_auditrunid: made.id, vit_name: "wf stale, changed by another process" }]);
      await gw.prefetchMetadata!(["vit_auditrun", "vit_recordhealth"]);
      emu.resetStats();
      const out = await gw.writeFirst(
        { op: "update", table: "vit_auditrun", row: { vit_auditrunid: made.id, vit_name: "wf stale, ours", "@odata.etag": made.etag } },
        { upsert: { table: "vit_recordhealth", rows: health("wf refused", 3), opts: { alternateKey: ["vit_table", "vit_recordid"] } } },
      );
      expect(!out.first.ok && out.first.error.status).toBe(412);
      expect(out.upserted).toBeNull();
      expect(storedNamed("wf refused")).toBe(0);
      expect(emu.stats().requests).toBe(1);
    });

    it("reads nothing after a create that failed", async () => {
      const gw = gatewayFor(emu, emu.adminToken);
      const id = randomUUID();
      await gw.createMany("vit_auditrun", [{ vit_auditrunid: id, vit_name: "wf twice" }]);
      emu.resetStats();
      const out = await gw.writeFirst({ op: "create", table: "vit_auditrun", row: { vit_auditrunid: id, vit_name: "wf twice, again" } }, { stream: runs("wf twice") });
      expect(out.first.ok).toBe(false);
      expect(!out.first.ok && out.first.error.status).toBe(412);
      expect(out.pages).toBeNull();
      expect(emu.stats().requests).toBe(1);
      // The batch stopped at the failed create: the read after it was not made.
      expect(emu.stats().rowsRead).toBe(0);
      expect(emu.store.rows("vit_auditrun").filter((r) => r.vit_auditrunid === id).map((r) => r.vit_name)).toEqual(["wf twice"]);
    });
  });

  it("sends whoAmI in the $batch of the reads asked with it, answering as it does alone", async () => {
    const alone = await gatewayFor(emu, tokenOf(emu, "rep1")).whoAmI();
    emu.resetStats();
    const gw = gatewayFor(emu, tokenOf(emu, "rep1"));
    await gw.prefetchMetadata!(["contact"]);
    emu.resetStats();
    const firstPage = async (): Promise<Row[]> => {
      for await (const page of gw.streamTable({ table: "contact", columns: ["fullname"], pageSize: 10 })) return page.rows;
      return [];
    };
    const [me, rows] = await Promise.all([gw.whoAmI(), firstPage()]);
    expect(me).toEqual(alone);
    expect(rows).toHaveLength(10);
    expect(emu.stats().requests).toBe(1);
    expect(emu.stats().byKind.batch).toBe(1);
  });
});
