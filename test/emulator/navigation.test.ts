/**
 * Related records the way Microsoft's Web API samples use them: collection-valued $expand with nested
 * options, navigation paths (with /$count and paging), $ref associate/disassociate, a single-column
 * PUT/DELETE and deep insert.
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { api, idFrom, readAll, start, tokenOf, type Api } from "../helpers/emulator";

type Err = { error: { code: string; message: string } };
type Rows = { value: Record<string, unknown>[] } & Record<string, unknown>;

describe("emulator: related records", () => {
  let emu: EmulatorHandle;
  let a: Api;
  let accountId: string;
  beforeAll(async () => {
    emu = await start({ size: 300, seed: 7 });
    a = api(emu);
    const created = await a.post("accounts", {
      name: "Deep Co",
      primarycontactid: { firstname: "Pat", lastname: "Primary" },
      contact_customer_accounts: [
        { firstname: "Ann", lastname: "Alpha", jobtitle: "Buyer" },
        { firstname: "Bob", lastname: "Beta", jobtitle: "CFO" },
        { firstname: "Cy", lastname: "Gamma", jobtitle: "Buyer" },
      ],
      Account_Tasks: [{ subject: "Call Deep Co" }, { subject: "Send proposal" }],
    });
    expect(created.status).toBe(204);
    accountId = idFrom(created.headers.get("odata-entityid"));
  });
  afterAll(() => emu.close());

  it("creates related records in one POST (deep insert), bound both ways", () => {
    const acct = emu.store.get("account", accountId)!;
    const primary = emu.store.get("contact", acct._primarycontactid_value as string)!;
    expect(primary.fullname).toBe("Pat Primary");
    const children = emu.store.rows("contact").filter((c) => c._parentcustomerid_value === accountId);
    expect(children.map((c) => c.lastname).sort()).toEqual(["Alpha", "Beta", "Gamma"]);
    expect(children.every((c) => c["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] === "account")).toBe(true);
    const tasks = emu.store.rows("activitypointer").filter((t) => t._regardingobjectid_value === accountId);
    expect(tasks.map((t) => [t.activitytypecode, t.subject]).sort()).toEqual([["task", "Call Deep Co"], ["task", "Send proposal"]]);
  });

  it("validates a deep insert as a whole: a bad nested record writes nothing", async () => {
    const before = emu.store.count("account") + emu.store.count("contact");
    const bad = await a.post<Err>("accounts", { name: "Half Co", contact_customer_accounts: [{ lastname: "Ok" }, { lastname: 42 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/'lastname'/);
    expect(emu.store.count("account") + emu.store.count("contact")).toBe(before);
  });

  it("expands collection-valued navigation properties with nested $select/$filter/$orderby/$top", async () => {
    const res = await a.get(`accounts(${accountId})?$select=name&$expand=contact_customer_accounts($select=fullname,jobtitle;$filter=jobtitle eq 'Buyer';$orderby=fullname desc;$top=5),Account_Tasks($select=subject)`);
    expect(res.status).toBe(200);
    const contacts = res.body.contact_customer_accounts as Record<string, unknown>[];
    expect(contacts.map((c) => c.fullname)).toEqual(["Cy Gamma", "Ann Alpha"]);
    expect((res.body.Account_Tasks as Record<string, unknown>[]).map((t) => t.subject).sort()).toEqual(["Call Deep Co", "Send proposal"]);
    const top = await a.get(`accounts(${accountId})?$select=name&$expand=contact_customer_accounts($select=fullname;$orderby=fullname;$top=1)`);
    expect((top.body.contact_customer_accounts as Record<string, unknown>[]).map((c) => c.fullname)).toEqual(["Ann Alpha"]);
  });

  it("reads a navigation path with query options, /$count and paging", async () => {
    const res = await a.get<Rows>(`accounts(${accountId})/contact_customer_accounts?$select=fullname&$orderby=fullname`);
    expect(res.status).toBe(200);
    expect(res.body.value.map((c) => c.fullname)).toEqual(["Ann Alpha", "Bob Beta", "Cy Gamma"]);
    const count = await a.get(`accounts(${accountId})/contact_customer_accounts/$count`);
    expect(count.text).toBe("3");
    const paged = await readAll(a, `accounts(${accountId})/contact_customer_accounts?$select=fullname`, { Prefer: "odata.maxpagesize=2" });
    expect(paged.pages).toBe(2);
    expect(paged.rows).toHaveLength(3);
    const tasks = await a.get<Rows>(`accounts(${accountId})/Account_Tasks?$select=subject&$filter=startswith(subject,'Call')`);
    expect(tasks.body.value.map((t) => t.subject)).toEqual(["Call Deep Co"]);
  });

  it("associates and disassociates with $ref, on collection- and single-valued navigation properties", async () => {
    const loner = (await a.post("contacts", { lastname: "Loner" })).headers.get("odata-entityid");
    const lonerId = idFrom(loner);
    expect((await a.post(`accounts(${accountId})/contact_customer_accounts/$ref`, { "@odata.id": `contacts(${lonerId})` })).status).toBe(204);
    expect(emu.store.get("contact", lonerId)!._parentcustomerid_value).toBe(accountId);
    expect((await a.del(`accounts(${accountId})/contact_customer_accounts(${lonerId})/$ref`)).status).toBe(204);
    expect(emu.store.get("contact", lonerId)!._parentcustomerid_value).toBeNull();
    expect((await a.raw("PUT", `accounts(${accountId})/primarycontactid/$ref`, JSON.stringify({ "@odata.id": `${emu.baseUrl}contacts(${lonerId})` }), { "Content-Type": "application/json" })).status).toBe(204);
    expect(emu.store.get("account", accountId)!._primarycontactid_value).toBe(lonerId);
    expect((await a.del(`accounts(${accountId})/primarycontactid/$ref`)).status).toBe(204);
    expect(emu.store.get("account", accountId)!._primarycontactid_value).toBeNull();
    const notRelated = await a.del<Err>(`accounts(${accountId})/contact_customer_accounts(${lonerId})/$ref`);
    expect(notRelated.status).toBe(404);
  });

  it("updates one column with PUT {value} and clears it with DELETE (Update and delete table rows)", async () => {
    const etag = (await a.get(`accounts(${accountId})?$select=name`)).headers.get("etag")!;
    const put = await a.raw("PUT", `accounts(${accountId})/name`, JSON.stringify({ value: "Deep Co Renamed" }), { "Content-Type": "application/json", "If-Match": etag });
    expect(put.status).toBe(204);
    expect(emu.store.get("account", accountId)!.name).toBe("Deep Co Renamed");
    const stale = await a.raw("PUT", `accounts(${accountId})/name`, JSON.stringify({ value: "x" }), { "Content-Type": "application/json", "If-Match": etag });
    expect(stale.status).toBe(412);
    expect((await a.raw("PUT", `accounts(${accountId})/telephone1`, JSON.stringify({ value: "+1 555 0100" }), { "Content-Type": "application/json" })).status).toBe(204);
    expect((await a.del(`accounts(${accountId})/telephone1`)).status).toBe(204);
    expect(emu.store.get("account", accountId)!.telephone1).toBeNull();
    const lookup = await a.raw("PUT", `accounts(${accountId})/parentaccountid`, JSON.stringify({ value: accountId }), { "Content-Type": "application/json" });
    expect(lookup.status).toBe(400);
    expect((lookup.body as Err).error.message).toMatch(/\$ref/);
  });

  it("keeps security on related paths: a rep can't read another owner's account's contacts", async () => {
    const rep = api(emu, tokenOf(emu, "rep1"));
    const denied = await rep.get<Err>(`accounts(${accountId})/contact_customer_accounts`);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("0x80048306");
  });
});
