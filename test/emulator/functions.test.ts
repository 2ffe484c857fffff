/**
 * Functions clients call (Web API Function Reference), with parameters as literals and as aliases,
 * and a clear 404 for the ones the emulator doesn't implement.
 */
import type { EmulatorHandle } from "../../sandbox/emulator";
import { api, start, tokenOf, userOf, type Api } from "../helpers/emulator";

type Err = { error: { code: string; message: string } };

describe("emulator: functions", () => {
  let emu: EmulatorHandle;
  let a: Api;
  beforeAll(async () => {
    emu = await start({ size: 300, seed: 9 });
    a = api(emu);
  });
  afterAll(() => emu.close());

  it("RetrieveTotalRecordCount counts each table", async () => {
    const res = await a.get(`RetrieveTotalRecordCount(EntityNames=@p1)?@p1=${encodeURIComponent('["account","contact"]')}`);
    expect(res.status).toBe(200);
    expect(res.body["@odata.context"]).toMatch(/#Microsoft\.Dynamics\.CRM\.RetrieveTotalRecordCountResponse$/);
    expect(res.body.EntityRecordCountCollection).toEqual({ Count: 2, IsReadOnly: false, Keys: ["account", "contact"], Values: [emu.store.count("account"), emu.store.count("contact")] });
    const bad = await a.get<Err>(`RetrieveTotalRecordCount(EntityNames=${encodeURIComponent('["nosuch"]')})`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/'nosuch' is not a table/);
  });

  it("RetrieveCurrentOrganization describes the organisation and its endpoints", async () => {
    const res = await a.get("RetrieveCurrentOrganization(AccessType=@p1)?@p1=Microsoft.Dynamics.CRM.EndpointAccessType'Default'");
    expect(res.status).toBe(200);
    const detail = res.body.Detail as Record<string, unknown>;
    const who = await a.get("WhoAmI");
    expect(detail.OrganizationId).toBe(who.body.OrganizationId);
    expect((detail.Endpoints as { Keys: string[] }).Keys).toEqual(["WebApplication", "OrganizationService", "OrganizationDataService"]);
  });

  it("InitializeFrom prepares a related record from a source record", async () => {
    const acct = emu.store.rows("account").find((r) => r.address1_city)!;
    const res = await a.get(`InitializeFrom(EntityMoniker=@p1,TargetEntityName=@p2,TargetFieldType=@p3)?@p1=${encodeURIComponent(`{'@odata.id':'accounts(${String(acct.accountid)})'}`)}&@p2='contact'&@p3=Microsoft.Dynamics.CRM.TargetFieldType'ValidForCreate'`);
    expect(res.status).toBe(200);
    expect(res.body["@odata.type"]).toBe("#Microsoft.Dynamics.CRM.contact");
    expect(res.body["parentcustomerid_account@odata.bind"]).toBe(`accounts(${String(acct.accountid)})`);
    expect(res.body.address1_city).toBe(acct.address1_city);
    // the prepared body creates the contact as it is
    const { "@odata.context": _c, "@odata.type": _t, ...body } = res.body;
    const created = await a.post("contacts", { ...body, lastname: "Initialized" });
    expect(created.status).toBe(204);
  });

  it("FormatAddress writes the lines of an address", async () => {
    const res = await a.get("FormatAddress(Line1=@p1,City=@p2,StateOrProvince=@p3,PostalCode=@p4,Country=@p5)?@p1='123 Maple St.'&@p2='Seattle'&@p3='WA'&@p4='98007'&@p5='USA'");
    expect(res.status).toBe(200);
    expect(res.body.Address).toBe("123 Maple St.\r\nSeattle, WA 98007\r\nUSA");
  });

  it("RetrievePrincipalAccess (bound to systemuser) tells a user's rights on a record", async () => {
    const rep = userOf(emu, "rep1");
    const own = emu.store.rows("contact").find((r) => r._ownerid_value === rep.systemuserid)!;
    const other = emu.store.rows("contact").find((r) => r._ownerid_value !== rep.systemuserid && !emu.store.rows("team").some((t) => t.teamid === r._ownerid_value))!;
    const ask = (c: Record<string, unknown>): Promise<{ body: Record<string, unknown> }> =>
      a.get(`systemusers(${rep.systemuserid})/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t=${encodeURIComponent(`{'@odata.id':'contacts(${String(c.contactid)})'}`)}`);
    expect((await ask(own)).body.AccessRights).toBe("ReadAccess, WriteAccess, DeleteAccess");
    expect((await ask(other)).body.AccessRights).toBe("None");
  });

  it("answers a function or action it doesn't implement with 404 'not supported', not a key error", async () => {
    const unbound = await a.get<Err>("RetrieveVersion()");
    expect(unbound.status).toBe(404);
    expect(unbound.body.error.message).toMatch(/'RetrieveVersion'.*not supported by the emulator/);
    const id = String(emu.store.rows("account")[0].accountid);
    const bound = await a.get<Err>(`accounts(${id})/Microsoft.Dynamics.CRM.CalculateRollupField()`);
    expect(bound.status).toBe(404);
    expect(bound.body.error.message).toMatch(/not supported by the emulator/);
    const action = await api(emu, tokenOf(emu, "rep1")).post<Err>("RetrieveTotalRecordCount(EntityNames=['account'])", {});
    expect(action.status).toBe(404);
  });
});
