import type { EmulatorHandle } from "../../sandbox/emulator";
import { api, readAll, start, type Api, type ApiResponse } from "../helpers/emulator";

const fx = (xml: string): string => `?fetchXml=${encodeURIComponent(xml)}`;
type Err = { error: { code: string; message: string } };

describe("emulator: FetchXML and change tracking", () => {
  let emu: EmulatorHandle;
  let a: Api;
  beforeAll(async () => {
    emu = await start({ size: 1000, seed: 21 });
    a = api(emu);
  });
  afterAll(() => emu.close());

  it("runs attributes, filters, orders and an inner link-entity", async () => {
    const xml = `<fetch top="50"><entity name="contact"><attribute name="fullname"/><attribute name="emailaddress1"/>
      <filter type="and"><condition attribute="statecode" operator="eq" value="0"/><condition attribute="emailaddress1" operator="not-null"/></filter>
      <order attribute="fullname"/>
      <link-entity name="account" from="accountid" to="parentcustomerid" alias="a" link-type="inner"><attribute name="name"/>
        <filter><condition attribute="address1_country" operator="eq" value="United States"/></filter></link-entity></entity></fetch>`;
    const res = await a.get<{ value: Record<string, unknown>[] }>(`contacts${fx(xml)}`);
    expect(res.status).toBe(200);
    expect(res.body.value.length).toBeGreaterThan(0);
    expect(res.body.value.length).toBeLessThanOrEqual(50);
    for (const r of res.body.value) {
      const c = emu.store.get("contact", r.contactid as string)!;
      const acct = emu.store.get("account", c._parentcustomerid_value as string)!;
      expect(r["a.name"]).toBe(acct.name);
      expect(acct.address1_country).toBe("United States");
      expect(r.emailaddress1).not.toBeNull();
    }
    const names = res.body.value.map((r) => String(r.fullname).toLowerCase());
    expect([...names].sort()).toEqual(names);
  });

  it("keeps unmatched rows with an outer link-entity, and supports in / like / date operators", async () => {
    const outer = `<fetch><entity name="contact"><attribute name="fullname"/><link-entity name="account" from="accountid" to="parentcustomerid" alias="acc" link-type="outer"><attribute name="name"/></link-entity></entity></fetch>`;
    const all = await a.get<{ value: Record<string, unknown>[] }>(`contacts${fx(outer)}`);
    expect(all.body.value).toHaveLength(Math.min(5000, emu.store.count("contact")));
    expect(all.body.value.some((r) => r["acc.name"] === null)).toBe(true);
    const total = await a.get(`contacts${fx(`<fetch count="10" returntotalrecordcount="true"><entity name="contact"><attribute name="fullname"/></entity></fetch>`)}`);
    expect((total.body.value as unknown[]).length).toBe(10);
    expect(total.body["@Microsoft.Dynamics.CRM.totalrecordcount"]).toBe(emu.store.count("contact"));
    expect(total.body["@Microsoft.Dynamics.CRM.morerecords"]).toBe(true);
    const inXml = `<fetch><entity name="opportunity"><attribute name="name"/><filter><condition attribute="salesstage" operator="in"><value>0</value><value>3</value></condition>
      <condition attribute="name" operator="like" value="%Renewal%"/><condition attribute="createdon" operator="older-than-x-days" value="1"/></filter></entity></fetch>`;
    const got = await a.get<{ value: Record<string, unknown>[] }>(`opportunities${fx(inXml)}`);
    const exp = emu.store.rows("opportunity").filter((r) => [0, 3].includes(r.salesstage as number) && String(r.name).includes("Renewal"));
    expect(got.body.value).toHaveLength(exp.length);
  });

  it("aggregates with count, sum, avg and groupby", async () => {
    const xml = `<fetch aggregate="true"><entity name="opportunity"><attribute name="salesstage" groupby="true" alias="stage"/>
      <attribute name="opportunityid" aggregate="count" alias="n"/><attribute name="estimatedvalue" aggregate="sum" alias="total"/>
      <attribute name="estimatedvalue" aggregate="avg" alias="avg"/><attribute name="estimatedclosedate" aggregate="countcolumn" alias="withdate"/>
      <order alias="stage"/></entity></fetch>`;
    const res = await a.get<{ value: { stage: number; n: number; total: number; avg: number; withdate: number }[] }>(`opportunities${fx(xml)}`);
    expect(res.body.value.map((g) => g.stage)).toEqual([0, 1, 2, 3]);
    for (const g of res.body.value) {
      const rows = emu.store.rows("opportunity").filter((r) => r.salesstage === g.stage);
      const values = rows.map((r) => r.estimatedvalue).filter((v): v is number => typeof v === "number");
      expect(g.n).toBe(rows.length);
      expect(g.total).toBe(values.reduce((s, v) => s + v, 0));
      expect(g.avg).toBeCloseTo(g.total / values.length, 6);
      expect(g.withdate).toBe(rows.filter((r) => r.estimatedclosedate != null).length);
    }
  });

  it("aggregates activities per regarding record for an in-list, and sees later writes", async () => {
    const opps = emu.store.rows("opportunity").slice(0, 40).map((o) => o.opportunityid as string);
    const xml = (ids: string[]): string => `<fetch aggregate="true"><entity name="activitypointer">
      <attribute name="regardingobjectid" groupby="true" alias="rid"/><attribute name="actualend" aggregate="max" alias="last"/><attribute name="activityid" aggregate="count" alias="n"/>
      <filter><condition attribute="statecode" operator="eq" value="1"/><condition attribute="regardingobjectid" operator="in">${ids.map((i) => `<value>${i}</value>`).join("")}</condition></filter></entity></fetch>`;
    const expected = (): Map<string, { n: number; last: string }> => {
      const m = new Map<string, { n: number; last: string }>();
      for (const x of emu.store.rows("activitypointer")) {
        if (x.statecode !== 1 || !opps.includes(x._regardingobjectid_value as string)) continue;
        const e = m.get(x._regardingobjectid_value as string) ?? { n: 0, last: "" };
        e.n++;
        if (String(x.actualend) > e.last) e.last = String(x.actualend);
        m.set(x._regardingobjectid_value as string, e);
      }
      return m;
    };
    const check = async (): Promise<void> => {
      const res = await a.get<{ value: { rid: string; n: number; last: string }[] }>(`activitypointers${fx(xml(opps))}`);
      const exp = expected();
      expect(res.body.value).toHaveLength(exp.size);
      for (const g of res.body.value) expect({ n: g.n, last: g.last }).toEqual(exp.get(g.rid));
    };
    await check();
    const before = expected().get(opps[0])?.n ?? 0;
    const created = await a.post("phonecalls", { subject: "late call", statecode: 1, actualend: "2026-01-01T00:00:00Z", [`regardingobjectid_opportunity_phonecall@odata.bind`]: `/opportunities(${opps[0]})` });
    expect(created.status).toBe(204);
    expect(expected().get(opps[0])!.n).toBe(before + 1);
    await check();
  });

  it("fails aggregates over more than 50,000 rows with 0x8004E023", async () => {
    for (let i = 0; i < 50_001; i++) emu.store.insert("vit_waiver", { vit_name: `w${i}`, vit_table: "contact", vit_recordid: String(i), vit_ruleid: "r", statecode: 0, statuscode: 1 });
    // The inserts block the event loop for seconds on a busy machine: let the idle keep-alive socket
    // close on both sides first, so the next request doesn't race its timeout (ECONNRESET).
    await new Promise((r) => setTimeout(r, 100));
    const xml = `<fetch aggregate="true"><entity name="vit_waiver"><attribute name="vit_waiverid" aggregate="count" alias="n"/></entity></fetch>`;
    const res = await a.get<Err>(`vit_waivers${fx(xml)}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("0x8004E023");
    expect(res.body.error.message).toMatch(/AggregateQueryRecordLimit/);
    const filtered = `<fetch aggregate="true"><entity name="vit_waiver"><attribute name="vit_waiverid" aggregate="count" alias="n"/><filter><condition attribute="vit_recordid" operator="like" value="1%"/></filter></entity></fetch>`;
    const ok = await a.get<{ value: { n: number }[] }>(`vit_waivers${fx(filtered)}`);
    expect(ok.status).toBe(200);
    expect(ok.body.value[0].n).toBe(emu.store.rows("vit_waiver").filter((r) => String(r.vit_recordid).startsWith("1")).length);
    const apply = await a.get<Err>("vit_waivers?$apply=aggregate($count as n)");
    expect(apply.body.error.code).toBe("0x8004E023");
  });

  it("answers bad FetchXML with 400", async () => {
    for (const [xml, msg] of [
      ["<fetch><entity name='contact'><attribute name='nosuch'/></entity></fetch>", /doesn't contain attribute with Name = 'nosuch'/],
      ["<fetch><entity name='account'/></fetch>", /does not match the entity set/],
      ["<fetch><entity name='contact'><filter><condition attribute='statecode' operator='frobnicate' value='1'/></filter></entity></fetch>", /not supported/],
      ["<fetch", /not well-formed|root element/],
    ] as const) {
      const res = await a.get<Err>(`contacts${fx(xml)}`);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(msg);
    }
  });

  it("tracks changes: initial sync gives a deltaLink; the delta has changed rows and $deletedEntity rows", async () => {
    const { rows } = await readAll(a, "leads?$select=fullname,emailaddress1", { Prefer: "odata.track-changes,odata.maxpagesize=100" });
    expect(rows).toHaveLength(emu.store.count("lead"));
    let next: string | undefined = "leads?$select=fullname,emailaddress1";
    let deltaLink = "";
    while (next) {
      const page = await a.get(next, { Prefer: "odata.track-changes,odata.maxpagesize=100" });
      next = page.body["@odata.nextLink"] as string | undefined;
      if (!next) deltaLink = page.body["@odata.deltaLink"] as string;
      else expect(page.body["@odata.deltaLink"]).toBeUndefined();
    }
    expect(deltaLink).toMatch(/\$deltatoken=/);
    const [l1, l2, l3] = emu.store.rows("lead");
    await a.patch(`leads(${String(l1.leadid)})`, { jobtitle: "CTO" });
    await a.del(`leads(${String(l2.leadid)})`);
    const created = await a.post("leads", { firstname: "New", lastname: "Lead" });
    const newId = /\(([^)]+)\)/.exec(created.headers.get("odata-entityid")!)![1];
    const delta = await a.get<{ value: Record<string, unknown>[]; "@odata.deltaLink": string; "@odata.context": string }>(deltaLink);
    expect(delta.status).toBe(200);
    expect(delta.body["@odata.context"]).toMatch(/\$delta$/);
    const changed = delta.body.value.filter((v) => v.leadid).map((v) => v.leadid);
    expect(changed.sort()).toEqual([String(l1.leadid), newId].sort());
    const deleted = delta.body.value.filter((v) => String(v["@odata.context"]).endsWith("$deletedEntity"));
    expect(deleted).toEqual([{ "@odata.context": expect.stringMatching(/leads\/\$deletedEntity$/) as unknown, id: String(l2.leadid), reason: "deleted" }]);
    expect(delta.body.value.some((v) => v.leadid === l3.leadid)).toBe(false);
    const empty = await a.get<{ value: unknown[] }>(delta.body["@odata.deltaLink"]);
    expect(empty.body.value).toEqual([]);
    // a larger delta is paged with maxpagesize, and the last page carries the next deltaLink
    const leads = emu.store.rows("lead").slice(10, 17);
    for (const l of leads) await a.patch(`leads(${String(l.leadid)})`, { jobtitle: "Buyer" });
    for (const l of emu.store.rows("lead").slice(20, 22)) await a.del(`leads(${String(l.leadid)})`);
    const seen: Record<string, unknown>[] = [];
    let link: string | undefined = delta.body["@odata.deltaLink"];
    let pages = 0;
    let finalDelta = "";
    while (link) {
      type DeltaPage = { value: Record<string, unknown>[]; "@odata.nextLink"?: string; "@odata.deltaLink"?: string };
      const page: ApiResponse<DeltaPage> = await a.get<DeltaPage>(link, { Prefer: "odata.maxpagesize=3" });
      pages++;
      seen.push(...page.body.value);
      link = page.body["@odata.nextLink"];
      if (!link) finalDelta = page.body["@odata.deltaLink"]!;
      else expect(page.body["@odata.deltaLink"]).toBeUndefined();
    }
    expect(pages).toBe(3);
    expect(seen.filter((v) => v.leadid).map((v) => v.leadid).sort()).toEqual(leads.map((l) => l.leadid).sort());
    expect(seen.filter((v) => v.reason === "deleted")).toHaveLength(2);
    expect((await a.get<{ value: unknown[] }>(finalDelta)).body.value).toEqual([]);
    const bad = await a.get("leads?$select=fullname&$filter=statecode eq 0", { Prefer: "odata.track-changes" });
    expect(bad.status).toBe(400);
  });
});
