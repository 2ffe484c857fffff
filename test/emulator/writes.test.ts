import { DynamicsWebApi } from "dynamics-web-api";
import type { EmulatorHandle } from "../../sandbox/emulator";
import { api, start, tokenOf, type Api } from "../helpers/emulator";
import { batchBody, changeSet, httpPart } from "../helpers/batch";

type Err = { error: { code: string; message: string } };


describe("emulator: create, update, delete, upsert and $batch", () => {
  let emu: EmulatorHandle;
  let a: Api;
  beforeAll(async () => {
    emu = await start({ size: 300, seed: 5 });
    a = api(emu);
  });
  afterAll(() => emu.close());

  it("creates with 204 + OData-EntityId, or 201 with return=representation; binds lookups", async () => {
    const acct = emu.store.rows("account")[0];
    const res = await a.post("contacts", { firstname: "Ada", lastname: "Lovelace", emailaddress1: "ada@example.org", "parentcustomerid_account@odata.bind": `/accounts(${String(acct.accountid)})` });
    expect(res.status).toBe(204);
    const entityId = res.headers.get("odata-entityid")!;
    const id = /\(([0-9a-f-]{36})\)$/.exec(entityId)![1];
    const stored = emu.store.get("contact", id)!;
    expect(stored).toMatchObject({ fullname: "Ada Lovelace", _parentcustomerid_value: acct.accountid, _ownerid_value: emu.users[0].systemuserid, statecode: 0 });
    const rep = await a.post("tasks?$select=subject,scheduledend", { subject: "Call Ada", scheduledend: "2030-01-02T10:00:00.000Z", "regardingobjectid_contact_task@odata.bind": `/contacts(${id})` }, { Prefer: "return=representation" });
    expect(rep.status).toBe(201);
    expect(rep.body).toMatchObject({ subject: "Call Ada", scheduledend: "2030-01-02T10:00:00Z" });
    const task = emu.store.get("activitypointer", rep.body.activityid as string)!;
    expect(task).toMatchObject({ activitytypecode: "task", _regardingobjectid_value: id, "_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "contact" });
  });

  it("rejects bad writes with a clear 400", async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: "x", nosuch: 1 }, /property 'nosuch' does not exist/],
      [{ name: 42 }, /Cannot convert the literal '42' to the expected type 'Edm.String' of the property 'name'/],
      // Dataverse: 0x8004431a "The value … is outside the valid range" (see the validate.ts header).
      [{ name: "x", industrycode: 999 }, /The value 999 of 'industrycode' on record of type 'account' is outside the valid range/],
      [{ name: "x", _parentaccountid_value: "00000000-0000-0000-0000-000000000000" }, /Use 'parentaccountid@odata.bind'/],
      [{ name: "x", "parentaccountid@odata.bind": "/contacts(00000000-0000-0000-0000-000000000000)" }, /Does Not Exist|expects 'account'/],
      // Dataverse names the table too (Execute batch operations, "Handling errors": 0x80044331).
      [{ name: "y".repeat(161) }, /The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'/],
    ];
    for (const [body, msg] of cases) {
      const res = await a.post<Err>("accounts", body);
      expect([400, 404]).toContain(res.status);
      expect(res.body.error.message).toMatch(msg);
    }
    const bad = await a.raw("POST", "accounts", "{not json", { "Content-Type": "application/json" });
    expect(bad.status).toBe(400);
  });

  it("updates with PATCH, honours If-Match etags, deletes", async () => {
    const acct = emu.store.rows("account")[1];
    const id = String(acct.accountid);
    const before = await a.get(`accounts(${id})?$select=name`);
    const etag = before.body["@odata.etag"] as string;
    const upd = await a.patch(`accounts(${id})`, { name: "Renamed Ltd" }, { "If-Match": etag });
    expect(upd.status).toBe(204);
    expect(emu.store.get("account", id)!.name).toBe("Renamed Ltd");
    const stale = await a.patch<Err>(`accounts(${id})`, { name: "Again" }, { "If-Match": etag });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe("0x80060882");
    const gone = await a.patch<Err>("accounts(00000000-0000-0000-0000-0000000000aa)", { name: "x" }, { "If-Match": "*" });
    expect(gone.status).toBe(404);
    expect(emu.store.get("account", "00000000-0000-0000-0000-0000000000aa")).toBeUndefined();
    const del = await a.del(`accounts(${id})`);
    expect(del.status).toBe(204);
    expect((await a.get(`accounts(${id})`)).status).toBe(404);
    expect((await a.del(`accounts(${id})`)).status).toBe(404);
  });

  it("upserts vit_recordhealth by alternate key, with If-Match: * (update only) and If-None-Match: * (create only)", async () => {
    const contact = emu.store.rows("contact")[0];
    const cid = String(contact.contactid);
    const key = `vit_recordhealths(vit_table='contact',vit_recordid='${cid}')`;
    // vit_grade is the solution's global choice (C = 105420002); custom lookups bind by their schema name.
    const body = { vit_score: 72, vit_grade: 105420002, vit_findingcount: 3, vit_findings: "[]", "vit_ContactId@odata.bind": `/contacts(${cid})` };
    const updOnly = await a.patch<Err>(key, body, { "If-Match": "*" });
    expect(updOnly.status).toBe(404);
    const created = await a.patch(key, body, { Prefer: "return=representation" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ vit_table: "contact", vit_recordid: cid, vit_score: 72, _vit_contactid_value: cid });
    const again = await a.patch(key, { vit_score: 80 });
    expect(again.status).toBe(204);
    const rows = emu.store.rows("vit_recordhealth").filter((r) => r.vit_recordid === cid);
    expect(rows).toHaveLength(1);
    expect(rows[0].vit_score).toBe(80);
    const createOnly = await a.patch<Err>(key, { vit_score: 1 }, { "If-None-Match": "*" });
    expect(createOnly.status).toBe(412);
    expect(createOnly.body.error.code).toBe("0x80040237");
    const bare = await a.get(`vit_recordhealths(vit_table='contact',vit_recordid=${cid})?$select=vit_score`);
    expect(bare.body.vit_score).toBe(80);
    const wrongKey = await a.patch<Err>(`vit_recordhealths(vit_table='contact')`, { vit_score: 1 });
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.body.error.message).toMatch(/alternate keys: \(vit_table, vit_recordid\)/);
  });

  it("$batch: change sets are atomic, Content-ID references work, a failure stops the batch", async () => {
    const before = emu.store.count("account");
    const body = batchBody("batch_1", [
      changeSet("changeset_1", [
        httpPart("POST", `${emu.baseUrl}accounts`, { name: "Batch One" }, "1"),
        httpPart("POST", `${emu.baseUrl}contacts`, { lastname: "Ref", "parentcustomerid_account@odata.bind": "$1" }, "2"),
      ]),
      changeSet("changeset_2", [
        httpPart("POST", `${emu.baseUrl}accounts`, { name: "Rolled back" }, "1"),
        httpPart("POST", `${emu.baseUrl}accounts`, { name: "bad", industrycode: 12345 }, "2"),
      ]),
      httpPart("GET", `${emu.baseUrl}accounts?$select=name&$top=1`),
    ]);
    const res = await a.raw("POST", "$batch", body, { "Content-Type": "multipart/mixed; boundary=batch_1" });
    // "Execute batch operations using the Web API", Handling errors: without continue-on-error the
    // batch answers the status of the first failing request (the documented example: 400 BadRequest).
    expect(res.status).toBe(400);
    const text = res.text;
    expect(text).toMatch(/"code":"0x8004431a"/);
    expect(text.match(/HTTP\/1\.1 204/g)).toHaveLength(2);
    expect(text).toMatch(/HTTP\/1\.1 400/);
    expect(text).not.toMatch(/HTTP\/1\.1 200/); // stopped before the GET
    expect(emu.store.count("account")).toBe(before + 1);
    expect(emu.store.rows("account").some((r) => r.name === "Rolled back")).toBe(false);
    const one = emu.store.rows("account").find((r) => r.name === "Batch One")!;
    expect(emu.store.rows("contact").find((c) => c.lastname === "Ref")!._parentcustomerid_value).toBe(one.accountid);
  });

  it("$batch with Prefer: odata.continue-on-error runs every part", async () => {
    const body = batchBody("b2", [
      httpPart("POST", "/api/data/v9.2/accounts", { name: 1 }),
      httpPart("POST", "/api/data/v9.2/accounts", { name: "After failure" }),
      httpPart("GET", "/api/data/v9.2/WhoAmI"),
    ]);
    const res = await a.raw("POST", "$batch", body, { "Content-Type": "multipart/mixed; boundary=b2", Prefer: "odata.continue-on-error" });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/HTTP\/1\.1 400/);
    expect(res.text).toMatch(/HTTP\/1\.1 204/);
    expect(res.text).toMatch(/WhoAmIResponse/);
    expect(emu.store.rows("account").some((r) => r.name === "After failure")).toBe(true);
  });

  it("$batch refuses more than 1,000 requests", async () => {
    const parts = Array.from({ length: 1001 }, () => httpPart("GET", "/api/data/v9.2/WhoAmI"));
    const res = await a.raw("POST", "$batch", batchBody("b3", parts), { "Content-Type": "multipart/mixed; boundary=b3" });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/maximum number of '1000'/);
    const ok = await a.raw("POST", "$batch", batchBody("b4", parts.slice(0, 1000)), { "Content-Type": "multipart/mixed; boundary=b4" });
    expect(ok.status).toBe(200);
    expect(emu.stats().batchItems).toBeGreaterThanOrEqual(1000);
  });

  it("works with dynamics-web-api (retrieveMultiple paging, upsert, executeBatch)", async () => {
    const client = new DynamicsWebApi({ serverUrl: emu.orgUrl.replace(/\/$/, ""), dataApi: { version: "9.2" }, onTokenRefresh: () => Promise.resolve(emu.adminToken) });
    const all = await client.retrieveAll<Record<string, unknown>>({ collection: "contacts", select: ["fullname"], maxPageSize: 100 });
    expect(all.value).toHaveLength(emu.store.count("contact"));
    const contact = emu.store.rows("contact")[2];
    await client.upsert({ collection: "vit_recordhealths", key: `vit_table='contact',vit_recordid='${String(contact.contactid)}'`, data: { vit_score: 55 } });
    expect(emu.store.findByKey("vit_recordhealth", { vit_table: "contact", vit_recordid: contact.contactid })!.vit_score).toBe(55);
    client.startBatch();
    void client.create({ collection: "accounts", data: { name: "DWA batch 1" } });
    void client.create({ collection: "accounts", data: { name: "DWA batch 2" } });
    const results = await client.executeBatch();
    expect(results).toHaveLength(2);
    expect(emu.store.rows("account").filter((r) => String(r.name).startsWith("DWA batch"))).toHaveLength(2);
    const rep = api(emu, tokenOf(emu, "rep1"));
    expect((await rep.get("WhoAmI")).status).toBe(200);
  });
});
