import type { EmulatorHandle } from "../../sandbox/emulator";
import { api, readAll, start, type Api } from "../helpers/emulator";
import { str } from "../../sandbox/emulator/values";

const ANN = 'odata.include-annotations="*"';

describe("emulator: OData queries", () => {
  let emu: EmulatorHandle;
  let a: Api;
  beforeAll(async () => {
    emu = await start({ size: 1500, seed: 11, now: new Date("2026-06-01T00:00:00Z") });
    a = api(emu);
  });
  afterAll(() => emu.close());

  describe("paging over 12,345 rows", () => {
    const N = 12_345;
    let ids: string[];
    beforeAll(() => {
      ids = [];
      for (let i = 0; i < N; i++) {
        const r = emu.store.insert("vit_auditrun", { vit_name: `run ${i}`, vit_recordsscanned: i % 97, statecode: 0, statuscode: 1 });
        ids.push(r.vit_auditrunid as string);
      }
    });

    it("returns each row exactly once with maxpagesize and @odata.nextLink", async () => {
      const { rows, pages } = await readAll(a, "vit_auditruns?$select=vit_name", { Prefer: "odata.maxpagesize=1000" });
      expect(pages).toBe(Math.ceil(N / 1000));
      const seen = rows.map((r) => r.vit_auditrunid as string);
      expect(new Set(seen).size).toBe(N);
      expect(seen.sort()).toEqual([...ids].sort());
      expect(Object.keys(rows[0]).sort()).toEqual(["@odata.etag", "vit_auditrunid", "vit_name"]);
    });

    it("pages at 5,000 by default and caps maxpagesize at 5,000", async () => {
      const first = await a.get("vit_auditruns?$select=vit_name", { Prefer: "odata.maxpagesize=9000" });
      expect((first.body.value as unknown[]).length).toBe(5000);
      expect(first.headers.get("preference-applied")).toContain("odata.maxpagesize=5000");
      const plain = await a.get("vit_auditruns?$select=vit_name");
      expect((plain.body.value as unknown[]).length).toBe(5000);
    });

    it("stays exact when rows are inserted and deleted between pages (key-ordered skiptoken)", async () => {
      const h = { Prefer: "odata.maxpagesize=2000" };
      const p1 = await a.get("vit_auditruns?$select=vit_name&$orderby=vit_recordsscanned desc", h);
      const got = (p1.body.value as Record<string, unknown>[]).map((r) => r.vit_auditrunid as string);
      const gotSet = new Set(got);
      // delete a row not yet read, insert new rows
      const notYet = ids.find((id) => !gotSet.has(id))!;
      emu.store.delete("vit_auditrun", notYet);
      emu.store.insert("vit_auditrun", { vit_name: "late", vit_recordsscanned: 0 });
      let next = p1.body["@odata.nextLink"] as string;
      while (next) {
        const p = await a.get(next, h);
        for (const r of p.body.value as Record<string, unknown>[]) got.push(r.vit_auditrunid as string);
        next = p.body["@odata.nextLink"] as string;
      }
      const all = new Set(got);
      expect(all.size).toBe(got.length); // nothing twice
      expect(ids.filter((id) => id !== notYet && !all.has(id))).toEqual([]); // nothing lost
      expect(got).not.toContain(notYet);
      emu.store.insert("vit_auditrun", { vit_auditrunid: notYet, vit_name: "restored" });
    });

    it("$top limits without paging, $count caps at 5,000", async () => {
      // "Count rows using OData": the totalrecordcount annotations come only when the Prefer header asks for them.
      const plain = await a.get("vit_auditruns?$top=7&$count=true", { Prefer: "odata.maxpagesize=3" });
      expect(plain.body["@odata.count"]).toBe(5000);
      expect(plain.body).not.toHaveProperty(["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"]);
      const top = await a.get("vit_auditruns?$top=7&$count=true", { Prefer: 'odata.maxpagesize=3,odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"' });
      expect((top.body.value as unknown[]).length).toBe(3);
      expect(top.body["@odata.count"]).toBe(5000);
      expect(top.body["@Microsoft.Dynamics.CRM.totalrecordcount"]).toBe(5000);
      expect(top.body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"]).toBe(true);
      const all = await readAll(a, "vit_auditruns?$top=7", { Prefer: "odata.maxpagesize=3" });
      expect(all.rows).toHaveLength(7);
      const count = await a.get("vit_auditruns/$count");
      expect(count.text).toBe("5000");
    });

    it("rejects $skip and a tampered $skiptoken", async () => {
      expect((await a.get("vit_auditruns?$skip=10")).status).toBe(400);
      const bad = await a.get("vit_auditruns?$skiptoken=not-a-token");
      expect(bad.status).toBe(400);
      expect((bad.body as { error: { message: string } }).error.message).toMatch(/skiptoken/);
    });
  });

  it("filters with comparison, and/or/not, null, string functions and lookups", async () => {
    const accounts = emu.store.rows("account");
    const acct = accounts.find((r) => emu.store.rows("contact").some((c) => c._parentcustomerid_value === r.accountid))!;
    const q = `contacts?$select=fullname,_parentcustomerid_value&$filter=_parentcustomerid_value eq ${String(acct.accountid)} and (statecode eq 0 or statecode eq 1) and not (emailaddress1 eq null)`;
    const res = await readAll(a, q);
    const expected = emu.store.rows("contact").filter((c) => c._parentcustomerid_value === acct.accountid && c.emailaddress1 != null);
    expect(res.rows.map((r) => r.contactid).sort()).toEqual(expected.map((c) => c.contactid).sort());

    const byName = await readAll(a, "contacts?$select=lastname&$filter=startswith(lastname,'b') and contains(fullname,'a')");
    const exp2 = emu.store.rows("contact").filter((c) => /^b/i.test(String(c.lastname)) && /a/i.test(String(c.fullname)));
    expect(byName.rows).toHaveLength(exp2.length);
    const counted = await a.get("contacts/$count?$filter=startswith(lastname,'b')");
    expect(Number(counted.text)).toBe(emu.store.rows("contact").filter((c) => /^b/i.test(String(c.lastname))).length);
    const ends = await readAll(a, "accounts?$select=name&$filter=endswith(name,'GmbH')");
    expect(ends.rows.length).toBe(emu.store.rows("account").filter((r) => String(r.name).toLowerCase().endsWith("gmbh")).length);

    const nulls = await readAll(a, "accounts?$select=name&$filter=websiteurl eq null");
    expect(nulls.rows.length).toBe(emu.store.rows("account").filter((r) => r.websiteurl == null).length);
    const nums = await readAll(a, "opportunities?$select=name&$filter=estimatedvalue ge 100000 and estimatedvalue lt 200000");
    expect(nums.rows.length).toBe(emu.store.rows("opportunity").filter((r) => (r.estimatedvalue as number) >= 100000 && (r.estimatedvalue as number) < 200000).length);
    const dates = await readAll(a, "opportunities?$select=name&$filter=estimatedclosedate lt 2026-06-01 and statecode eq 0");
    expect(dates.rows.length).toBe(emu.store.rows("opportunity").filter((r) => r.statecode === 0 && r.estimatedclosedate != null && str(r.estimatedclosedate) < "2026-06-01").length);
  });

  it("supports Microsoft.Dynamics.CRM date functions and In", async () => {
    const day = 86_400_000;
    const old = await readAll(a, "accounts?$select=modifiedon&$filter=Microsoft.Dynamics.CRM.OlderThanXDays(PropertyName='modifiedon',PropertyValue=365)");
    const cutoff = Math.floor(Date.now() / day) * day - 365 * day;
    expect(old.rows.length).toBe(emu.store.rows("account").filter((r) => Date.parse(String(r.modifiedon)) < cutoff).length);
    expect(old.rows.length).toBeGreaterThan(0);
    const recent = await readAll(a, "tasks?$select=scheduledend&$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=30)");
    for (const r of recent.rows) expect(Date.parse(String((emu.store.get("task", r.activityid as string)!).createdon))).toBeGreaterThanOrEqual(Math.floor(Date.now() / day) * day - 30 * day);
    const before = await readAll(a, "opportunities?$select=estimatedclosedate&$filter=Microsoft.Dynamics.CRM.OnOrBefore(PropertyName='estimatedclosedate',PropertyValue='2026-01-31')");
    for (const r of before.rows) expect(String(r.estimatedclosedate) <= "2026-01-31").toBe(true);
    const inList = await readAll(a, "opportunities?$select=salesstage&$filter=Microsoft.Dynamics.CRM.In(PropertyName='salesstage',PropertyValues=['1','2'])");
    expect(inList.rows.length).toBe(emu.store.rows("opportunity").filter((r) => r.salesstage === 1 || r.salesstage === 2).length);
  });

  it("answers bad query syntax with 400 naming the problem", async () => {
    const cases: [string, RegExp][] = [
      ["accounts?$filter=name eq", /expected a property or a literal/],
      ["accounts?$filter=nosuchcolumn eq 1", /Could not find a property named 'nosuchcolumn'/],
      ["accounts?$select=name,bogus", /property named 'bogus'/],
      ["accounts?$orderby=name sideways", /\$orderby/],
      ["accounts?$filter=name eq 'unterminated", /unterminated string/],
      ["accounts?$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='name',PropertyValue=3)", /not a date/],
      // Collection-valued navigation properties expand now, as in Dataverse ("Join tables using OData"); an unknown one is a 400.
      ["accounts?$expand=nosuch_relationship", /Could not find a property named 'nosuch_relationship'.*contact_customer_accounts/],
      ["nosuchset", /Resource not found for the segment 'nosuchset'/],
    ];
    for (const [q, msg] of cases) {
      const res = await a.get<{ error: { code: string; message: string } }>(q);
      expect(res.status).toBe(q === "nosuchset" ? 404 : 400);
      expect(res.body.error.code).toMatch(/^0x/);
      expect(res.body.error.message).toMatch(msg);
    }
  });

  it("orders by several columns, asc and desc", async () => {
    const { rows } = await readAll(a, "opportunities?$select=salesstage,estimatedvalue&$orderby=salesstage desc,estimatedvalue asc", { Prefer: "odata.maxpagesize=100" });
    for (let i = 1; i < rows.length; i++) {
      const p = rows[i - 1];
      const c = rows[i];
      const ps = p.salesstage as number;
      const cs = c.salesstage as number;
      expect(ps >= cs).toBe(true);
      if (ps === cs && p.estimatedvalue !== null && c.estimatedvalue !== null) expect((p.estimatedvalue as number) <= (c.estimatedvalue as number)).toBe(true);
    }
    expect(rows).toHaveLength(emu.store.count("opportunity"));
  });

  it("expands single-valued navigation properties with nested $select", async () => {
    const res = await a.get<{ value: Record<string, unknown>[] }>("opportunities?$select=name,_parentaccountid_value&$expand=parentaccountid($select=name,websiteurl),ownerid($select=fullname)&$top=5");
    for (const r of res.body.value) {
      const acct = r.parentaccountid as Record<string, unknown>;
      expect(acct.accountid).toBe(r._parentaccountid_value);
      expect(Object.keys(acct).sort()).toEqual(["@odata.etag", "accountid", "name", "websiteurl"]);
      expect(acct.name).toBe(emu.store.get("account", acct.accountid as string)!.name);
      expect(r.ownerid).toBeDefined();
    }
  });

  it("returns formatted values and lookup annotations when asked, and says so in Preference-Applied", async () => {
    const opp = emu.store.rows("opportunity").find((r) => r.estimatedvalue != null && r.estimatedclosedate != null)!;
    const res = await a.get(`opportunities(${String(opp.opportunityid)})?$select=estimatedvalue,salesstage,estimatedclosedate,_parentaccountid_value,_ownerid_value,decisionmaker`, { Prefer: ANN });
    expect(res.headers.get("preference-applied")).toBe(ANN);
    const b = res.body;
    expect(b["salesstage@OData.Community.Display.V1.FormattedValue"]).toBe(["Qualify", "Develop", "Propose", "Close"][opp.salesstage as number]);
    expect(b["estimatedvalue@OData.Community.Display.V1.FormattedValue"]).toMatch(/^\$[\d,]+\.00$/);
    expect(b["_parentaccountid_value@OData.Community.Display.V1.FormattedValue"]).toBe(emu.store.get("account", opp._parentaccountid_value as string)!.name);
    expect(b["_parentaccountid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]).toBe("account");
    expect(b["_parentaccountid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"]).toBe("parentaccountid");
    expect(["systemuser", "team"]).toContain(b["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]);
    expect(b["estimatedclosedate@OData.Community.Display.V1.FormattedValue"]).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4}$/);
    const only = await a.get(`opportunities(${String(opp.opportunityid)})?$select=salesstage,_parentaccountid_value`, { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"' });
    expect(only.body["salesstage@OData.Community.Display.V1.FormattedValue"]).toBeUndefined();
    expect(only.body["_parentaccountid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]).toBe("account");
    const none = await a.get(`opportunities(${String(opp.opportunityid)})?$select=salesstage`);
    expect(Object.keys(none.body).filter((k) => k.includes("FormattedValue"))).toEqual([]);
    expect(none.body["@odata.etag"]).toBe(`W/"${String(emu.store.get("opportunity", opp.opportunityid as string)!.versionnumber)}"`);
  });

  it("aggregates with $apply groupby/aggregate", async () => {
    const res = await a.get<{ value: { statecode: number; n: number; total: number | null }[] }>("opportunities?$apply=groupby((statecode),aggregate($count as n,estimatedvalue with sum as total))");
    const rows = emu.store.rows("opportunity");
    for (const g of res.body.value) {
      const mine = rows.filter((r) => r.statecode === g.statecode);
      expect(g.n).toBe(mine.length);
      expect(g.total).toBe(mine.reduce((s, r) => s + ((r.estimatedvalue as number | null) ?? 0), 0));
    }
    const agg = await a.get<{ value: { c: number }[] }>("accounts?$apply=filter(statecode eq 0)/aggregate($count as c)");
    expect(agg.body.value[0].c).toBe(rows.length === 0 ? 0 : emu.store.rows("account").filter((r) => r.statecode === 0).length);
  });

  it("answers WhoAmI, EntityDefinitions and 404 for missing rows", async () => {
    const who = await a.get("WhoAmI");
    expect(who.body.UserId).toBe(emu.users[0].systemuserid);
    expect(who.body.BusinessUnitId).toBe(emu.users[0].businessunitid);
    const def = await a.get<{ LogicalName: string; EntitySetName: string; PrimaryIdAttribute: string; Attributes: Record<string, unknown>[] }>(
      "EntityDefinitions(LogicalName='opportunity')?$select=LogicalName,EntitySetName,PrimaryIdAttribute&$expand=Attributes($select=LogicalName,AttributeType,AttributeTypeName,IsValidForRead)",
    );
    expect(def.body.EntitySetName).toBe("opportunities");
    expect(def.body.PrimaryIdAttribute).toBe("opportunityid");
    const names = def.body.Attributes.map((x) => x.LogicalName);
    for (const c of ["estimatedclosedate", "customerneed", "proposedsolution", "salesstage", "parentaccountid", "customerid", "ownerid"]) expect(names).toContain(c);
    const ecd = def.body.Attributes.find((x) => x.LogicalName === "estimatedclosedate")!;
    expect(ecd).toMatchObject({ AttributeType: "DateTime", AttributeTypeName: { Value: "DateTimeType" }, IsValidForRead: true });
    const keys = await a.get<{ Keys: { KeyAttributes: string[] }[] }>("EntityDefinitions(LogicalName='vit_recordhealth')?$select=LogicalName&$expand=Keys");
    expect(keys.body.Keys[0].KeyAttributes).toEqual(["vit_table", "vit_recordid"]);
    const missing = await a.get<{ error: { code: string } }>("accounts(00000000-0000-0000-0000-000000000001)");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("0x80040217");
  });
});
