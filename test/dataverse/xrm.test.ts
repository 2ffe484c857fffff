/** The PCF context.webAPI / Xrm.WebApi adapter against a fake WebApi object. */
import { DataverseError, MissingColumnsError, UnsupportedOperationError, WriteGuardError } from "../../plugins-ts/dataverse/errors";
import type { StreamCheckpoint } from "../../plugins-ts/dataverse/gateway";
import { f } from "../../plugins-ts/dataverse/requests";
import { createXrmGateway, xrmError, type XrmWebApiLike } from "../../plugins-ts/dataverse/xrm";
import { compileFilter, testGuid, type StubRow } from "../helpers/gateway";

const PK: Record<string, string> = { contact: "contactid", vit_recordhealth: "vit_recordhealthid", systemuser: "systemuserid" };

/** What Xrm.WebApi rejects with: an error carrying `errorCode` (signed) and `message`. */
function xrmFailure(errorCode: number, message: string): Error {
  return Object.assign(new Error(message), { errorCode });
}

class FakeWebApi implements XrmWebApiLike {
  calls: string[] = [];
  failNext: Error[] = [];
  constructor(readonly tables: Record<string, StubRow[]>) {}

  private maybeFail(): void {
    const next = this.failNext.shift();
    if (next !== undefined) throw next;
  }

  retrieveRecord(entityType: string, id: string, options?: string): Promise<Record<string, unknown>> {
    this.calls.push(`retrieveRecord ${entityType} ${id} ${options ?? ""}`);
    this.maybeFail();
    const row = this.tables[entityType]?.find((r) => r[PK[entityType]] === id);
    if (!row) return Promise.reject(xrmFailure(-2147220969, `${entityType} With Id = ${id} Does Not Exist`));
    const select = /\$select=([^&]+)/.exec(options ?? "")?.[1].split(",") ?? Object.keys(row);
    return Promise.resolve({ "@odata.etag": 'W/"1"', ...Object.fromEntries(select.map((c) => [c, row[c] ?? null])) });
  }

  retrieveMultipleRecords(entityType: string, options = "", maxPageSize = 5000): Promise<{ entities: Array<Record<string, unknown>>; nextLink?: string }> {
    this.calls.push(`retrieveMultipleRecords ${entityType} ${options} ${maxPageSize}`);
    this.maybeFail();
    const params = new URLSearchParams(options.replace(/^\?/, ""));
    if (params.has("fetchXml")) return Promise.reject(xrmFailure(-2147220989, "fetchXml is not supported by this fake"));
    const pred = compileFilter(params.get("$filter"));
    const rows = (this.tables[entityType] ?? []).filter(pred);
    const skip = Number(params.get("$skiptoken") ?? 0);
    const page = rows.slice(skip, skip + maxPageSize);
    const select = params.get("$select")?.split(",");
    const entities = page.map((r) => (select ? Object.fromEntries(select.map((c) => [c, r[c] ?? null])) : { ...r }));
    if (skip + maxPageSize >= rows.length) return Promise.resolve({ entities });
    params.set("$skiptoken", String(skip + maxPageSize));
    return Promise.resolve({ entities, nextLink: `https://org.crm.dynamics.com/api/data/v9.2/${entityType}s?${params.toString()}` });
  }

  createRecord(entityType: string, data: Record<string, unknown>): Promise<{ id: string }> {
    this.calls.push(`createRecord ${entityType}`);
    this.maybeFail();
    const id = (data[PK[entityType]] as string | undefined) ?? globalThis.crypto.randomUUID();
    (this.tables[entityType] ??= []).push({ ...(data as StubRow), [PK[entityType]]: id });
    return Promise.resolve({ id });
  }

  updateRecord(entityType: string, id: string, data: Record<string, unknown>): Promise<unknown> {
    this.calls.push(`updateRecord ${entityType} ${id}`);
    this.maybeFail();
    const row = this.tables[entityType]?.find((r) => r[PK[entityType]] === id);
    if (row) Object.assign(row, data);
    else (this.tables[entityType] ??= []).push({ ...(data as StubRow), [PK[entityType]]: id });
    return Promise.resolve({ id });
  }

  deleteRecord(entityType: string, id: string): Promise<unknown> {
    this.calls.push(`deleteRecord ${entityType} ${id}`);
    this.maybeFail();
    const rows = this.tables[entityType] ?? [];
    const i = rows.findIndex((r) => r[PK[entityType]] === id);
    if (i < 0) return Promise.reject(xrmFailure(-2147220969, "Does Not Exist"));
    rows.splice(i, 1);
    return Promise.resolve({ id });
  }
}

const contacts = (n: number): StubRow[] => Array.from({ length: n }, (_, i) => ({ contactid: testGuid(i, "c"), fullname: `C ${i}`, lastname: i % 2 ? "O'Brien" : "Smith" }));

describe("createXrmGateway", () => {
  it("reads one record through retrieveRecord with $select, null when missing", async () => {
    const api = new FakeWebApi({ contact: contacts(3) });
    const gw = createXrmGateway(api);
    await expect(gw.retrieveRecord("contact", testGuid(1, "c").toUpperCase(), ["fullname"])).resolves.toEqual({ fullname: "C 1", contactid: testGuid(1, "c") });
    expect(api.calls[0]).toBe(`retrieveRecord contact ${testGuid(1, "c")} ?$select=fullname,contactid`);
    await expect(gw.retrieveRecord("contact", testGuid(9, "c"), ["fullname"])).resolves.toBeNull();
  });

  it("streams pages with an encoded filter, follows nextLink and resumes from a checkpoint", async () => {
    const api = new FakeWebApi({ contact: contacts(25) });
    const gw = createXrmGateway(api);
    const seen: string[] = [];
    let cp: StreamCheckpoint | undefined;
    for await (const page of gw.streamTable({ table: "contact", columns: ["fullname"], filter: f.eq("lastname", "O'Brien"), pageSize: 5 })) {
      seen.push(...page.rows.map((r) => String(r.contactid)));
      cp = page.checkpoint;
      if (page.pageIndex === 0) break;
    }
    expect(api.calls[0]).toBe("retrieveMultipleRecords contact ?$select=fullname,contactid&$filter=lastname%20eq%20'O''Brien'&$orderby=contactid 5");
    for await (const page of gw.streamTable({ table: "contact", columns: ["fullname"], filter: f.eq("lastname", "O'Brien"), pageSize: 5, resumeFrom: JSON.stringify(cp) })) {
      seen.push(...page.rows.map((r) => String(r.contactid)));
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
  });

  it("retries a throttled call (service-protection error code) and counts it", async () => {
    const api = new FakeWebApi({ contact: contacts(2) });
    api.failNext.push(xrmFailure(-2147015902, "Number of requests exceeded the limit"));
    const gw = createXrmGateway(api, { retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    await expect(gw.retrieveRecord("contact", testGuid(0, "c"), ["fullname"])).resolves.toMatchObject({ fullname: "C 0" });
    expect(gw.stats()).toMatchObject({ requests: 2, retries: 1, throttled: 1 });
    expect(xrmError({ errorCode: -2147015902, message: "x" }, "r").status).toBe(429);
  });

  it("writes row by row with per-item outcomes and the same guard", async () => {
    const api = new FakeWebApi({ contact: contacts(1), vit_recordhealth: [] });
    const gw = createXrmGateway(api);
    const rows = [
      { vit_table: "contact", vit_recordid: testGuid(1, "c"), vit_score: 50 },
      { vit_table: "contact", vit_recordid: testGuid(2, "c"), vit_score: 60 },
    ];
    const first = await gw.upsertMany("vit_recordhealth", rows, { alternateKey: ["vit_table", "vit_recordid"] });
    expect(first.every((o) => o.ok)).toBe(true);
    const again = await gw.upsertMany("vit_recordhealth", [{ ...rows[0], vit_score: 70 }], { alternateKey: ["vit_table", "vit_recordid"] });
    expect(again[0].ok).toBe(true);
    expect(api.tables.vit_recordhealth).toHaveLength(2);
    expect(api.tables.vit_recordhealth[0].vit_score).toBe(70);
    await expect(gw.updateMany("contact", [{ contactid: testGuid(0, "c"), fullname: "x" }])).rejects.toThrow(WriteGuardError);
    api.failNext.push(xrmFailure(-2147220891, "vit_score is out of range"));
    const created = await gw.createMany("vit_recordhealth", [{ vit_score: 1000 }, { vit_score: 1 }]);
    expect(created[0].ok).toBe(false);
    expect(created[1].ok).toBe(true);
    if (!created[0].ok) expect(created[0].error).toBeInstanceOf(DataverseError);
    const deleted = await gw.deleteMany("vit_recordhealth", [String(api.tables.vit_recordhealth[0].vit_recordhealthid), testGuid(5, "d")]);
    expect(deleted.map((d) => d.ok)).toEqual([true, true]);
  });

  it("explains what it cannot do and checks columns through getEntityMetadata", async () => {
    const api = new FakeWebApi({ contact: contacts(3), systemuser: [{ systemuserid: testGuid(1, "e"), _businessunitid_value: testGuid(2, "b"), _organizationid_value: testGuid(3, "f") }] });
    const bare = createXrmGateway(api);
    await expect(bare.checkColumns({ contact: ["fullname"] })).rejects.toThrow(UnsupportedOperationError);
    await expect(bare.whoAmI()).rejects.toThrow("pass { userId: context.userSettings.userId }");
    const attrs = new Set(["contactid", "fullname", "parentcustomerid"]);
    const gw = createXrmGateway(api, {
      userId: `{${testGuid(1, "e").toUpperCase()}}`,
      getEntityMetadata: (name) => (name === "contact" ? Promise.resolve({ EntitySetName: "contacts", Attributes: { get: (n: string) => (attrs.has(n) ? { LogicalName: n } : undefined) } }) : Promise.reject(new Error("no such table"))),
    });
    await expect(gw.checkColumns({ contact: ["fullname", "_parentcustomerid_value", "vit_foo"], nosuch: ["a"] })).rejects.toThrow(
      new MissingColumnsError(["contact.vit_foo", "nosuch (the table itself)"]),
    );
    await expect(gw.whoAmI()).resolves.toEqual({ userId: testGuid(1, "e"), businessUnitId: testGuid(2, "b"), organizationId: testGuid(3, "f") });
    // Coverage: the fake has no FetchXML, so the adapter counts by paging; the total is unknown.
    await expect(gw.coverage("contact")).resolves.toMatchObject({ readable: 3, total: null, complete: null });
  });

  it("refuses something that is not a WebApi", () => {
    expect(() => createXrmGateway({} as XrmWebApiLike)).toThrow("createXrmGateway needs context.webAPI or Xrm.WebApi");
  });
});
