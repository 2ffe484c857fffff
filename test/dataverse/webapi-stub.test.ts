/**
 * The dynamics-web-api gateway against the scripted stub server (test/helpers/gateway.ts): exact
 * control over faults (429 with Retry-After, 503, dropped sockets before and after the work),
 * paging and $batch answers.
 */
import { DataverseError, MissingColumnsError, WriteGuardError } from "../../plugins-ts/dataverse/errors";
import type { DataverseGateway, Row, StreamCheckpoint } from "../../plugins-ts/dataverse/gateway";
import { f } from "../../plugins-ts/dataverse/requests";
import { createWebApiGateway, relativeNextLink } from "../../plugins-ts/dataverse/webapi";
import { startStubServer, testGuid, type Fault, type StubServer, type StubRow } from "../helpers/gateway";

const N = 12_345;

function contacts(n: number): StubRow[] {
  return Array.from({ length: n }, (_, i) => ({ contactid: testGuid(i, "c"), fullname: `Contact ${i}`, lastname: i % 100 === 0 ? "O'Brien" : `L${i}`, statecode: 0 }));
}

/** Deterministic pseudo-random sequence (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let stub: StubServer;
let gw: DataverseGateway;

function gateway(extra: Partial<Parameters<typeof createWebApiGateway>[0]> = {}): DataverseGateway {
  return createWebApiGateway({ serverUrl: stub.orgUrl, token: () => "test-token", retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...extra });
}

beforeEach(async () => {
  stub = await startStubServer({
    contacts: { logicalName: "contact", primaryId: "contactid", rows: contacts(N), attributes: ["contactid", "fullname", "lastname", "statecode", "parentcustomerid"] },
    accounts: { logicalName: "account", primaryId: "accountid", rows: [], attributes: ["accountid", "name", "websiteurl"] },
    vit_recordhealths: { logicalName: "vit_recordhealth", primaryId: "vit_recordhealthid", rows: [], attributes: ["vit_recordhealthid", "vit_table", "vit_recordid", "vit_score"] },
    vit_auditruns: { logicalName: "vit_auditrun", primaryId: "vit_auditrunid", rows: [] },
  });
  gw = gateway();
});

afterEach(async () => {
  await stub.close();
});

async function readAll(g: DataverseGateway, opts: Parameters<DataverseGateway["streamTable"]>[0]): Promise<{ ids: string[]; pages: number; last?: StreamCheckpoint }> {
  const ids: string[] = [];
  let pages = 0;
  let last: StreamCheckpoint | undefined;
  for await (const page of g.streamTable(opts)) {
    pages += 1;
    ids.push(...page.rows.map((r) => String(r.contactid)));
    last = page.checkpoint;
  }
  return { ids, pages, last };
}

function expectEachOnce(ids: string[], n = N): void {
  expect(ids).toHaveLength(n);
  expect(new Set(ids).size).toBe(n);
}

describe("streamTable over the stub", () => {
  it("reads 12,345 rows in ⌈N/5000⌉ pages, each row exactly once, selecting only the asked columns", async () => {
    const { ids, pages, last } = await readAll(gw, { table: "contact", columns: ["fullname"] });
    expectEachOnce(ids);
    expect(pages).toBe(3);
    expect(last).toMatchObject({ v: 1, table: "contact", pageIndex: 2, nextLink: null, rowsRead: N });
    const gets = stub.requests.filter((r) => r.url.includes("/contacts"));
    expect(gets).toHaveLength(3);
    expect(decodeURIComponent(gets[0].url)).toContain("$select=fullname,contactid");
    expect(gets.every((r) => r.prefer?.includes("odata.maxpagesize=5000"))).toBe(true);
    expect(gw.stats()).toMatchObject({ rowsRead: N, retries: 0 });
  });

  it("escapes filters end to end", async () => {
    const { ids } = await readAll(gw, { table: "contact", columns: ["lastname"], filter: f.eq("lastname", "O'Brien"), pageSize: 50 });
    expect(ids).toHaveLength(Math.ceil(N / 100));
  });

  it("loses and duplicates nothing through a 429 storm, 503s and dropped connections", async () => {
    const random = rng(42);
    const faults: Fault[] = [];
    stub.setFault((req, n) => {
      if (!req.url.includes("/contacts")) return undefined;
      const x = random();
      const fault: Fault | undefined = n % 5 === 0 ? { kind: "429", retryAfter: "0.01" } : x < 0.15 ? { kind: "503" } : x < 0.3 ? { kind: "drop" } : undefined;
      if (fault) faults.push(fault);
      return fault;
    });
    const throttles: number[] = [];
    const g = gateway({ onThrottle: (e) => throttles.push(e.waitMs), retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 20 } });
    const { ids } = await readAll(g, { table: "contact", columns: ["fullname"], pageSize: 500 });
    expectEachOnce(ids);
    const s = g.stats();
    expect(faults.some((x) => x.kind === "429") && faults.some((x) => x.kind === "503") && faults.some((x) => x.kind === "drop")).toBe(true);
    expect(s.retries).toBe(faults.length);
    expect(s.throttled).toBe(faults.filter((x) => x.kind === "429").length);
    expect(throttles.every((w) => w === 10)).toBe(true);
  });

  it("retries a page interrupted mid-table from the same nextLink", async () => {
    let dropped: string | undefined;
    stub.setFault((req) => {
      if (req.url.includes("skiptoken") && dropped === undefined) {
        dropped = req.url;
        return { kind: "drop" };
      }
      return undefined;
    });
    const { ids } = await readAll(gw, { table: "contact", columns: ["fullname"], pageSize: 5000 });
    expectEachOnce(ids);
    const i = stub.requests.findIndex((r) => r.url === dropped);
    expect(stub.requests[i + 1].url).toBe(dropped);
  });

  it("resumes from a serialised checkpoint in a new gateway without losing or repeating rows", async () => {
    const first: string[] = [];
    let checkpoint = "";
    for await (const page of gw.streamTable({ table: "contact", columns: ["fullname"], pageSize: 1000 })) {
      first.push(...page.rows.map((r) => String(r.contactid)));
      checkpoint = JSON.stringify(page.checkpoint);
      if (page.pageIndex === 3) break; // the process "dies" after the 4th page
    }
    const again = gateway();
    const { ids, last } = await readAll(again, { table: "contact", columns: ["fullname"], pageSize: 1000, resumeFrom: checkpoint });
    expectEachOnce([...first, ...ids]);
    expect(last).toMatchObject({ pageIndex: 12, rowsRead: N });
    // A finished read resumes to nothing; another query's checkpoint is refused.
    expect((await readAll(again, { table: "contact", columns: ["fullname"], pageSize: 1000, resumeFrom: last })).ids).toEqual([]);
    await expect(readAll(again, { table: "contact", columns: ["lastname"], pageSize: 1000, resumeFrom: checkpoint })).rejects.toThrow("taken for a different query");
    await expect(readAll(again, { table: "contact", columns: ["fullname"], resumeFrom: "{oops" })).rejects.toThrow("not valid checkpoint JSON");
  });

  it("makes nextLinks portable", () => {
    expect(relativeNextLink("https://org.crm.dynamics.com/api/data/v9.2/contacts?$skiptoken=x")).toBe("contacts?$skiptoken=x");
    expect(() => relativeNextLink("https://elsewhere/x?y")).toThrow("unexpected @odata.nextLink");
  });
});

describe("metadata, identity and single reads", () => {
  it("lists every missing column in one error before any data is read", async () => {
    await expect(gw.checkColumns({ contact: ["fullname", "vit_foo", "_parentcustomerid_value", "@lastActivityOn"], account: ["name", "bar"], nosuch: ["x"] })).rejects.toThrow(
      new MissingColumnsError(["contact.vit_foo", "account.bar", "nosuch (the table itself)"]),
    );
    expect(stub.requests.every((r) => r.url.includes("EntityDefinitions"))).toBe(true);
    // Cached: a second check reads no metadata again.
    const before = stub.requests.length;
    await gw.checkColumns({ contact: ["fullname"], account: ["websiteurl"] });
    expect(stub.requests.length).toBe(before);
  });

  it("answers whoAmI and retrieveRecord (null when missing)", async () => {
    await expect(gw.whoAmI()).resolves.toEqual({ userId: "11111111-1111-1111-1111-111111111111", businessUnitId: "22222222-2222-2222-2222-222222222222", organizationId: "33333333-3333-3333-3333-333333333333" });
    await expect(gw.retrieveRecord("contact", testGuid(7, "c"), ["fullname"])).resolves.toEqual({ contactid: testGuid(7, "c"), fullname: "Contact 7" });
    await expect(gw.retrieveRecord("contact", testGuid(99_999, "c"), ["fullname"])).resolves.toBeNull();
  });

  it("sends the bearer token and refuses a provider that returns none", async () => {
    const g = gateway({ token: () => "" });
    await expect(g.whoAmI()).rejects.toThrow("the token provider returned no bearer token");
  });
});

describe("related facts over the stub", () => {
  it("sends the id chunks of one fact in one $batch and repeats it when an item fails transiently", async () => {
    await stub.close();
    const users: StubRow[] = Array.from({ length: 300 }, (_, i) => ({ systemuserid: testGuid(i, "e"), isdisabled: i % 3 === 0, fullname: `User ${i}` }));
    stub = await startStubServer({ systemusers: { logicalName: "systemuser", primaryId: "systemuserid", rows: users }, teams: { logicalName: "team", primaryId: "teamid", rows: [] }, contacts: { logicalName: "contact", primaryId: "contactid", rows: [] } });
    let failed = 0;
    stub.setItemFault((method) => (method === "GET" && failed++ === 0 ? { status: 503, code: "0x80040216", message: "busy" } : undefined));
    const g = gateway({ maxFilterChars: 3000 });
    const rows = users.map((u, i) => ({ contactid: testGuid(i, "c"), _ownerid_value: String(u.systemuserid) }));
    const facts = await g.fetchRelatedFacts({ table: "contact", ids: rows.map((r) => r.contactid), rows, facts: { owner: true } });
    expect(facts.get(testGuid(3, "c"))).toEqual({ ownerEnabled: false, ownerName: "User 3" });
    expect(facts.get(testGuid(4, "c"))).toEqual({ ownerEnabled: true, ownerName: "User 4" });
    const batches = stub.requests.filter((r) => r.url.endsWith("$batch"));
    // Two attempts of the same $batch (the first had a 503 item), each with every chunk as a GET.
    expect(batches).toHaveLength(2);
    const gets = (b: string) => (b.match(/^GET /gm) ?? []).length;
    expect(gets(batches[0].body)).toBeGreaterThan(1);
    expect(gets(batches[1].body)).toBe(gets(batches[0].body));
    expect(g.stats()).toMatchObject({ retries: 1, batches: 1 });
  });
});

describe("coverage over the stub", () => {
  it("a user with Basic read sees only their rows, and coverage says so", async () => {
    await stub.close();
    const rows: StubRow[] = contacts(N).map((r, i) => ({ ...r, _ownerid_value: i % 10 === 0 ? "rep" : "other" }));
    stub = await startStubServer(
      { contacts: { logicalName: "contact", primaryId: "contactid", rows } },
      { canRead: (token, _t, row) => token === "admin" || row._ownerid_value === token },
    );
    const admin = gateway({ token: () => "admin" });
    const rep = gateway({ token: () => "rep" });
    const { ids } = await readAll(rep, { table: "contact", columns: ["fullname"] });
    expect(ids).toHaveLength(Math.ceil(N / 10));
    await expect(rep.coverage("contact")).resolves.toMatchObject({ readable: 1235, total: null, complete: null });
    const report = await rep.coverage("contact", undefined, { privileged: admin });
    expect(report).toMatchObject({ table: "contact", readable: 1235, total: N, complete: false });
    expect(report.basis).toContain("FetchXML aggregate count");
    await expect(admin.coverage("contact", undefined, { privileged: admin })).resolves.toMatchObject({ readable: N, total: N, complete: true });
    // With a filter the count is made by paging the primary key.
    const filtered = await rep.coverage("contact", f.eq("lastname", "O'Brien"));
    expect(filtered.readable).toBe(rows.filter((r) => r._ownerid_value === "rep" && r.lastname === "O'Brien").length);
    expect(filtered.basis).toContain("paging the primary key");
  });
});

describe("writes over the stub", () => {
  const health = (i: number): Row => ({ vit_table: "contact", vit_recordid: testGuid(i, "c"), vit_score: i % 100 });

  it("upserts by alternate key in batches of at most 1000 with per-item outcomes", async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => health(i));
    const out = await gw.upsertMany("vit_recordhealth", rows, { alternateKey: ["vit_table", "vit_recordid"] });
    expect(out.every((o) => o.ok)).toBe(true);
    expect(out.map((o) => o.index)).toEqual(rows.map((_, i) => i));
    expect(out[3].key).toBe(`vit_table='contact',vit_recordid='${testGuid(3, "c")}'`);
    const batches = stub.requests.filter((r) => r.url.endsWith("$batch"));
    expect(batches).toHaveLength(3);
    expect(batches.map((b) => (b.body.match(/^PATCH /gm) ?? []).length).sort()).toEqual([1000, 1000, 500]);
    expect(batches.every((b) => b.prefer?.includes("odata.continue-on-error"))).toBe(true);
    expect(stub.tables.get("vit_recordhealths")!.rows).toHaveLength(2500);
    // Upserting again updates, it does not add rows.
    await gw.upsertMany("vit_recordhealth", rows.map((r) => ({ ...r, vit_score: 1 })), { alternateKey: ["vit_table", "vit_recordid"], batchSize: 700 });
    expect(stub.tables.get("vit_recordhealths")!.rows).toHaveLength(2500);
    expect(stub.tables.get("vit_recordhealths")!.rows.every((r) => r.vit_score === 1)).toBe(true);
    expect(gw.stats().batches).toBe(3 + 4);
  });

  it("reports failed items, retries transient ones, and loses none", async () => {
    const seen = new Map<string, number>();
    stub.setItemFault((_m, path) => {
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      if (path.includes(testGuid(5, "c"))) return { status: 400, code: "0x80040203", message: "vit_score is out of range" };
      if (path.includes(testGuid(9, "c")) && n === 1) return { status: 503, code: "0x80040216", message: "busy" };
      return undefined;
    });
    const out = await gw.upsertMany("vit_recordhealth", Array.from({ length: 20 }, (_, i) => health(i)), { alternateKey: ["vit_table", "vit_recordid"] });
    const failed = out.filter((o) => !o.ok);
    expect(failed).toHaveLength(1);
    const bad = failed[0];
    expect(bad.index).toBe(5);
    if (bad.ok) throw new Error("unreachable");
    expect(bad.error).toBeInstanceOf(DataverseError);
    expect(bad.error.status).toBe(400);
    expect(bad.error.message).toContain(`upsert vit_recordhealth vit_table='contact',vit_recordid='${testGuid(5, "c")}'`);
    expect(bad.error.message).toContain("vit_score is out of range");
    expect(out[9].ok).toBe(true);
    expect(stub.tables.get("vit_recordhealths")!.rows).toHaveLength(19);
  });

  it("retries a whole batch after a dropped connection and creates nothing twice", async () => {
    let dropped = false;
    stub.setFault((req) => {
      if (req.url.endsWith("$batch") && !dropped) {
        dropped = true;
        return { kind: "dropAfter" };
      }
      return undefined;
    });
    const out = await gw.createMany("vit_auditrun", Array.from({ length: 30 }, (_, i) => ({ vit_name: `run ${i}` })));
    expect(dropped).toBe(true);
    expect(out.every((o) => o.ok && o.id)).toBe(true);
    expect(stub.tables.get("vit_auditruns")!.rows).toHaveLength(30);
    expect(new Set(out.map((o) => (o.ok ? o.id : ""))).size).toBe(30);
    expect(stub.requests.filter((r) => r.url.endsWith("$batch"))).toHaveLength(2);
  });

  it("updates and deletes by id; deleting a missing row is not an error", async () => {
    const created = await gw.createMany("vit_auditrun", [{ vit_name: "a" }, { vit_name: "b" }]);
    const ids = created.map((o) => (o.ok ? o.id! : ""));
    const upd = await gw.updateMany("vit_auditrun", [{ vit_auditrunid: ids[0], vit_name: "a2" }, { vit_auditrunid: testGuid(1, "e"), vit_name: "ghost" }]);
    expect(upd[0].ok).toBe(true);
    expect(upd[1].ok).toBe(false);
    expect(stub.tables.get("vit_auditruns")!.rows.map((r) => r.vit_name).sort()).toEqual(["a2", "b"]);
    const del = await gw.deleteMany("vit_auditrun", [...ids, testGuid(2, "e")]);
    expect(del.every((o) => o.ok)).toBe(true);
    expect(stub.tables.get("vit_auditruns")!.rows).toHaveLength(0);
  });

  it("refuses writes to customers' tables before sending anything", async () => {
    for (const table of ["contact", "account", "lead", "opportunity", "systemuser"]) {
      await expect(gw.upsertMany(table, [{ x: 1 }])).rejects.toThrow(WriteGuardError);
    }
    await expect(gw.createMany("contact", [{ fullname: "x" }])).rejects.toThrow("Refused to create rows of table 'contact'");
    await expect(gateway({ writableTables: ["contact", /.*/] }).deleteMany("contact", [testGuid(1, "c")])).rejects.toThrow(WriteGuardError);
    expect(stub.requests).toHaveLength(0);
  });

  it("validates batch size", async () => {
    await expect(gw.upsertMany("vit_recordhealth", [health(1)], { alternateKey: ["vit_table", "vit_recordid"], batchSize: 1001 })).rejects.toThrow("batchSize 1001 must be an integer from 1 to 1000");
  });
});
