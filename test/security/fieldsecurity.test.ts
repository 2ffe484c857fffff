/**
 * Column-level security in the emulator, as solution/src/fieldsecurity.json ships it: a rep can ask
 * for a waiver but cannot approve it; approvers can; a user in no profile sees the secured columns
 * as null; System Administrators always can.
 */
import { APPROVERS_PROFILE, READERS_PROFILE } from "../../sandbox/emulator/fieldsecurity";
import { BASIC_USER, SALESPERSON, SYSTEM_ADMINISTRATOR, shippedRole } from "../../sandbox/emulator/roles";
import { WAIVER_STATUS } from "../../plugins-ts/audit/model";
import { api, type Api } from "../helpers/emulator";
import { startWithUsers, type CustomServer } from "./server";

type Err = { error: { code: string; message: string } };

describe("column-level security on waivers", () => {
  let s: CustomServer;
  let rep: Api, approver: Api, outsider: Api, admin: Api;
  beforeAll(async () => {
    s = await startWithUsers([
      { name: "admin", roles: [SYSTEM_ADMINISTRATOR] },
      { name: "approver", roles: [BASIC_USER, shippedRole("Vitals Governance Owner")], profiles: [APPROVERS_PROFILE] },
      { name: "outsider", roles: [BASIC_USER, shippedRole("Vitals Governance Owner")] },
      { name: "rep", roles: [SALESPERSON, shippedRole("Vitals User")], profiles: [READERS_PROFILE] },
    ]);
    const client = (n: string): Api => api(s.emu, s.users.get(n)!.token);
    [rep, approver, outsider, admin] = [client("rep"), client("approver"), client("outsider"), client("admin")];
  });
  afterAll(() => s.close());

  const ask = { vit_name: "No title", vit_table: "contact", vit_recordid: "0f8fad5b-d9cb-469f-a165-70867728950e", vit_ruleid: "contact.jobtitle.required", vit_reason: "Board member" };

  it("a rep cannot create an approved waiver, nor approve their own, and nothing is written", async () => {
    const forged = await rep.post<Err>("vit_waivers", { ...ask, vit_waiverstatus: WAIVER_STATUS.approved, vit_expireson: "2099-01-01T00:00:00Z" });
    expect(forged.status).toBe(403);
    expect(forged.body.error.message).toMatch(/create permissions to the secured column 'vit_waiverstatus' of 'vit_waiver'.*Vitals Waiver Approvers/);
    expect(s.store.rows("vit_waiver")).toHaveLength(0);

    const asked = await rep.post("vit_waivers", ask, { Prefer: "return=representation" });
    expect(asked.status).toBe(201);
    expect(asked.body.vit_waiverstatus).not.toBe(WAIVER_STATUS.approved); // not set: requested, or empty
    const id = String(asked.body.vit_waiverid);
    const selfApproved = await rep.patch<Err>(`vit_waivers(${id})`, { vit_waiverstatus: WAIVER_STATUS.approved }, { "If-Match": "*" });
    expect(selfApproved.status).toBe(403);
    expect(selfApproved.body.error.message).toMatch(/update permissions to the secured column 'vit_waiverstatus'/);
    const selfBound = await rep.patch<Err>(`vit_waivers(${id})`, { "vit_ApprovedBy@odata.bind": `/systemusers(${s.users.get("rep")!.id})` }, { "If-Match": "*" });
    expect(selfBound.status).toBe(403);
    expect(s.store.get("vit_waiver", id)!.vit_waiverstatus ?? null).toBe(asked.body.vit_waiverstatus);
    // The reason is not secured: the rep can still change it.
    expect((await rep.patch(`vit_waivers(${id})`, { vit_reason: "Board member since 2019" }, { "If-Match": "*" })).status).toBe(204);
  });

  it("an approver decides; a reader sees the decision; a user in no profile sees null; an administrator sees all", async () => {
    const id = String(s.store.rows("vit_waiver")[0].vit_waiverid);
    const decided = await approver.patch(`vit_waivers(${id})`, { vit_waiverstatus: WAIVER_STATUS.approved, vit_expireson: "2027-01-01T00:00:00Z", "vit_ApprovedBy@odata.bind": `/systemusers(${s.users.get("approver")!.id})` }, { "If-Match": "*" });
    expect(decided.status).toBe(204);
    // The outsider holds the Governance Owner role (reads every waiver) but no column security profile.
    const noProfile = await outsider.patch<Err>(`vit_waivers(${id})`, { vit_waiverstatus: WAIVER_STATUS.rejected }, { "If-Match": "*" });
    expect(noProfile.status).toBe(403);
    const cols = "$select=vit_reason,vit_waiverstatus,_vit_approvedby_value,vit_expireson";
    const seen = (await outsider.get(`vit_waivers(${id})?${cols}`, { Prefer: 'odata.include-annotations="*"' })).body;
    expect(seen.vit_reason).toBe("Board member since 2019");
    expect([seen.vit_waiverstatus, seen._vit_approvedby_value, seen.vit_expireson]).toEqual([null, null, null]);
    expect(Object.keys(seen).filter((k) => k.startsWith("vit_waiverstatus@") || k.startsWith("_vit_approvedby_value@"))).toEqual([]);
    const listed = (await outsider.get<{ value: Record<string, unknown>[] }>(`vit_waivers?${cols}`)).body.value;
    expect(listed[0].vit_waiverstatus).toBeNull();
    const asRep = (await rep.get(`vit_waivers(${id})?${cols}`)).body;
    expect(asRep.vit_waiverstatus).toBe(WAIVER_STATUS.approved);
    expect(asRep._vit_approvedby_value).toBe(s.users.get("approver")!.id);
    const asAdmin = (await admin.get(`vit_waivers(${id})?${cols}`)).body;
    expect(asAdmin.vit_waiverstatus).toBe(WAIVER_STATUS.approved);
    expect((await admin.patch(`vit_waivers(${id})`, { vit_waiverstatus: WAIVER_STATUS.expired }, { "If-Match": "*" })).status).toBe(204);
  });
});
