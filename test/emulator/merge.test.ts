/**
 * The emulator's Merge action, as "Merge table rows" documents it: target and subordinate of one
 * table, UpdateContent on the target, children re-parented, the subordinate deactivated with
 * merged/masterid, and the documented errors (inactive, identical, other tables, parenting checks,
 * missing prvMerge, no write access).
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { MERGE_CODES } from "../../sandbox/emulator/merge";
import { api, start, tokenOf, userOf, type Api } from "../helpers/emulator";

type Err = { error: { code: string; message: string } };
const ref = (table: string, id: string): Record<string, string> => ({ "@odata.type": `Microsoft.Dynamics.CRM.${table}`, [`${table}id`]: id });

describe("emulator: Merge", () => {
  let emu: EmulatorHandle;
  let a: Api;
  beforeAll(async () => {
    emu = await start({ size: 300, seed: 11 });
    a = api(emu);
  });
  afterAll(() => emu.close());

  /** Two fresh active accounts; the subordinate with a contact, an opportunity and a task under it. */
  async function accounts(ownerToken?: string): Promise<{ master: string; sub: string; contact: string; opp: string; task: string }> {
    const as = ownerToken ? api(emu, ownerToken) : a;
    const id = async (path: string, body: unknown): Promise<string> => {
      const res = await as.post(path, body);
      if (res.status !== 204) throw new Error(`POST ${path} → ${res.status} ${res.text}`);
      return /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("OData-EntityId") ?? "")![1];
    };
    const master = await id("accounts", { name: "Contoso Ltd", telephone1: "+1 425 555 0100" });
    const sub = await id("accounts", { name: "Contoso Limited", websiteurl: "https://contoso.example", numberofemployees: 120 });
    const contact = await id("contacts", { lastname: "Adams", "parentcustomerid_account@odata.bind": `/accounts(${sub})` });
    const opp = await id("opportunities", { name: "Renewal", "parentaccountid@odata.bind": `/accounts(${sub})`, "customerid_account@odata.bind": `/accounts(${sub})` });
    const task = await id("tasks", { subject: "Call back", "regardingobjectid_account_task@odata.bind": `/accounts(${sub})` });
    return { master, sub, contact, opp, task };
  }

  it("copies UpdateContent to the target, re-parents the children and deactivates the subordinate", async () => {
    const r = await accounts();
    const versionBefore = emu.store.get("account", r.master)!.versionnumber as number;
    const res = await a.post("Merge", { Target: ref("account", r.master), Subordinate: ref("account", r.sub), UpdateContent: { "@odata.type": "Microsoft.Dynamics.CRM.account", websiteurl: "https://contoso.example" }, PerformParentingChecks: false });
    expect(res.status).toBe(204);
    const master = emu.store.get("account", r.master)!;
    expect(master.websiteurl).toBe("https://contoso.example");
    expect(master.numberofemployees ?? null).toBeNull(); // only what UpdateContent names is copied
    expect(master.versionnumber as number).toBeGreaterThan(versionBefore);
    const sub = emu.store.get("account", r.sub)!;
    expect(sub).toMatchObject({ statecode: 1, statuscode: 2, merged: true, _masterid_value: r.master });
    expect(emu.store.get("contact", r.contact)!._parentcustomerid_value).toBe(r.master);
    expect(emu.store.get("opportunity", r.opp)).toMatchObject({ _parentaccountid_value: r.master, _customerid_value: r.master });
    expect(emu.store.get("task", r.task)!._regardingobjectid_value).toBe(r.master);
    // what the platform reports: merged and masterid through the Web API, and read-only to clients
    const read = await a.get(`accounts(${r.sub})?$select=merged,_masterid_value,statecode`);
    expect(read.body).toMatchObject({ merged: true, _masterid_value: r.master, statecode: 1 });
    await a.patch(`accounts(${r.sub})`, { merged: false });
    expect(emu.store.get("account", r.sub)!.merged).toBe(true);

    // merging into or from an inactive record is refused with MergeEntityNotActiveError
    const again = await a.post<Err>("Merge", { Target: ref("account", r.master), Subordinate: ref("account", r.sub), PerformParentingChecks: false });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe(MERGE_CODES.notActive);
    expect(again.body.error.message).toMatch(/inactive.*subordinate/);
  });

  it("refuses identical records, other tables, mixed tables, unknown columns and missing parameters", async () => {
    const r = await accounts();
    const same = await a.post<Err>("Merge", { Target: ref("account", r.master), Subordinate: ref("account", r.master), PerformParentingChecks: false });
    expect([same.status, same.body.error.code]).toEqual([400, MERGE_CODES.identical]);
    const opp = await a.post<Err>("Merge", { Target: ref("opportunity", r.opp), Subordinate: ref("opportunity", r.opp), PerformParentingChecks: false });
    expect([opp.status, opp.body.error.code]).toEqual([400, "0x80040800"]);
    expect(opp.body.error.message).toMatch(/does not support entities of type 'opportunity'/);
    const mixed = await a.post<Err>("Merge", { Target: ref("account", r.master), Subordinate: ref("contact", r.contact), PerformParentingChecks: false });
    expect(mixed.body.error.message).toMatch(/same table/);
    const bad = await a.post<Err>("Merge", { Target: ref("account", r.master), Subordinate: ref("account", r.sub), UpdateContent: { nosuch: 1 }, PerformParentingChecks: false });
    expect(bad.body.error.message).toMatch(/'nosuch' does not exist/);
    const noChecks = await a.post<Err>("Merge", { Target: ref("account", r.master), Subordinate: ref("account", r.sub) });
    expect(noChecks.body.error.message).toMatch(/PerformParentingChecks/);
    const missing = await a.post<Err>("Merge", { Subordinate: ref("account", r.sub), PerformParentingChecks: false });
    expect(missing.body.error.message).toMatch(/'Target' is required/);
    // nothing was merged by any of these
    expect(emu.store.get("account", r.sub)!.statecode).toBe(0);
    expect(emu.store.get("contact", r.contact)!._parentcustomerid_value).toBe(r.sub);
  });

  it("PerformParentingChecks refuses contacts of different accounts; false merges them", async () => {
    const r1 = await accounts();
    const r2 = await accounts();
    const c2 = emu.store.rows("contact").find((c) => c._parentcustomerid_value === r2.sub)!;
    const checked = await a.post<Err>("Merge", { Target: ref("contact", r1.contact), Subordinate: ref("contact", String(c2.contactid)), PerformParentingChecks: true });
    expect([checked.status, checked.body.error.code]).toEqual([400, MERGE_CODES.differentlyParented]);
    const merged = await a.post("Merge", { Target: ref("contact", r1.contact), Subordinate: ref("contact", String(c2.contactid)), PerformParentingChecks: false });
    expect(merged.status).toBe(204);
    expect(emu.store.get("contact", String(c2.contactid))).toMatchObject({ statecode: 1, merged: true, _masterid_value: r1.contact });
  });

  it("needs prvMerge and write access to both records", async () => {
    const r = await accounts();
    const body = { Target: ref("account", r.master), Subordinate: ref("account", r.sub), PerformParentingChecks: false };
    // Basic User + Vitals Governance Owner: no Merge privilege in either role
    const gov = await api(emu, tokenOf(emu, "govowner")).post<Err>("Merge", body);
    expect([gov.status, gov.body.error.code]).toEqual([403, "0x80040220"]);
    expect(gov.body.error.message).toMatch(/missing prvMerge privilege/);
    // Marketing Professional writes its own accounts but may not merge
    const owner = userOf(emu, "marketer").systemuserid;
    const mine = { master: String(emu.store.insert("account", { name: "Fabrikam", _ownerid_value: owner }).accountid), sub: String(emu.store.insert("account", { name: "Fabrikam Inc", _ownerid_value: owner }).accountid) };
    const mkt = await api(emu, tokenOf(emu, "marketer")).post<Err>("Merge", { ...body, Target: ref("account", mine.master), Subordinate: ref("account", mine.sub) });
    expect([mkt.status, mkt.body.error.code]).toEqual([403, "0x80040220"]);
    // a Salesperson holds prvMerge, but at Basic depth only for records they own
    const sales = await api(emu, tokenOf(emu, "rep1")).post<Err>("Merge", body);
    expect(sales.status).toBe(403);
    expect(sales.body.error.code).toBe("0x80048306");
    const own = await accounts(tokenOf(emu, "rep1"));
    const ok = await api(emu, tokenOf(emu, "rep1")).post("Merge", { ...body, Target: ref("account", own.master), Subordinate: ref("account", own.sub) });
    expect(ok.status).toBe(204);
    expect(emu.store.get("account", own.sub)!._masterid_value).toBe(own.master);
    expect(emu.store.get("account", r.sub)!.statecode).toBe(0);
    expect(userOf(emu, "rep1").systemuserid).toBe(emu.store.get("account", own.master)!._modifiedby_value);
  });
});
