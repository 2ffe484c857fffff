/**
 * An audit honours a waiver only when a real approver decided it: the attack from issue 20 (a rep
 * marks their own waiver approved, no approver) and its variants are listed as "waiver not valid"
 * and the finding counts; a governance owner's approval of a rep's request is honoured.
 */
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { runAudit, type AuditOptions } from "../../plugins-ts/audit/run";
import { WAIVER_STATUS } from "../../plugins-ts/audit/model";
import { SEPARATE_APPROVER_VARIABLE, describeInvalidWaivers } from "../../plugins-ts/audit/waivers";
import { defaultRulePack } from "../../plugins-ts/engine";
import { gatewayFor, storedHealth } from "../helpers/audit";
import { runCli } from "../helpers/cli";

const NOW = new Date("2026-11-23T12:00:00Z");
const RULE = "contact.jobtitle.required";

describe("waivers need a real approver", () => {
  let emu: EmulatorHandle;
  let contacts: { id: string; owner: string }[];
  const user = (key: string): string => emu.users.find((u) => u.key === key)!.systemuserid;
  const options = (): AuditOptions => ({ gateway: gatewayFor(emu), pack: defaultRulePack(), scope: { tables: ["contact"] }, mode: "full", now: NOW, duplicates: false });

  beforeAll(async () => {
    emu = await startEmulator({ data: "demo", size: 600, seed: 21, now: NOW, throttle: false });
    await runAudit(options());
    const reps = new Set(emu.users.filter((u) => /^rep\d$/.test(u.key)).map((u) => u.systemuserid));
    contacts = [...storedHealth(emu).values()]
      .filter((h) => h.failed.has(RULE) && reps.has(String(emu.store.get("contact", h.recordId)!._ownerid_value)))
      .slice(0, 7)
      .map((h) => ({ id: h.recordId, owner: String(emu.store.get("contact", h.recordId)!._ownerid_value) }));
    expect(contacts).toHaveLength(7);
  }, 60_000);
  afterAll(() => emu.close());

  function waive(i: number, over: Record<string, unknown>): void {
    emu.store.insert("vit_waiver", {
      vit_name: `waiver ${i}`, vit_table: "contact", vit_recordid: contacts[i].id, vit_ruleid: RULE, vit_reason: "On purpose",
      vit_waiverstatus: WAIVER_STATUS.approved, vit_expireson: "2099-01-01T00:00:00Z", statecode: 0,
      _createdby_value: contacts[i].owner, _ownerid_value: contacts[i].owner, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser",
      vit_approvedon: "2026-11-20T09:00:00Z", ...over,
    });
  }

  it("honours a governance owner's approval and lists every other approved waiver as not valid", async () => {
    waive(0, { _vit_approvedby_value: user("govowner") }); // valid
    waive(1, {}); // the attack: approved, no approver
    waive(2, { _vit_approvedby_value: contacts[2].owner }); // the owner approved their own
    waive(3, { _vit_approvedby_value: user("manager") }); // a Sales Manager is no approver
    waive(4, { _vit_approvedby_value: user("former1") }); // a disabled user
    waive(5, { _vit_approvedby_value: user("govowner"), _createdby_value: user("govowner") }); // asked and approved by one person
    waive(6, { _vit_approvedby_value: user("govowner"), vit_approvedon: null }); // no decision date
    const r = await runAudit({ ...options(), now: new Date(NOW.getTime() + 3_600_000) });
    const health = storedHealth(emu);
    const waived = contacts.map((c) => health.get(`contact|${c.id}`)!.waived.has(RULE));
    expect(waived).toEqual([true, false, false, false, false, false, false]);
    const failed = contacts.map((c) => health.get(`contact|${c.id}`)!.failed.has(RULE));
    expect(failed).toEqual([false, true, true, true, true, true, true]);
    const reasons = new Map(r.invalidWaivers!.map((w) => [w.recordId, w.reason]));
    expect(reasons.size).toBe(6);
    expect(reasons.get(contacts[1].id)).toMatch(/without an approver/);
    expect(reasons.get(contacts[2].id)).toMatch(/does not hold an approving role.*roles held: Salesperson, Vitals User/);
    expect(reasons.get(contacts[3].id)).toMatch(/Marcus Bell does not hold an approving role.*roles held: Sales Manager, Vitals Manager/);
    expect(reasons.get(contacts[4].id)).toMatch(/disabled user/);
    expect(reasons.get(contacts[5].id)).toMatch(/asked for it and approved it.*vit_WaiverRequiresSeparateApprover/);
    expect(reasons.get(contacts[6].id)).toMatch(/without a decision date/);
    expect(describeInvalidWaivers(r.invalidWaivers!)[0]).toMatch(/^waiver not valid: contact\.jobtitle\.required on contact .* the finding counts$/);
  }, 60_000);

  it("one person may ask and approve when the organisation switches the rule off", async () => {
    const def = emu.store.insert("environmentvariabledefinition", { schemaname: SEPARATE_APPROVER_VARIABLE, defaultvalue: "yes", type: 100000002 });
    emu.store.insert("environmentvariablevalue", { schemaname: SEPARATE_APPROVER_VARIABLE, value: "no", _environmentvariabledefinitionid_value: def.environmentvariabledefinitionid, statecode: 0 });
    const r = await runAudit({ ...options(), now: new Date(NOW.getTime() + 2 * 3_600_000) });
    expect(storedHealth(emu).get(`contact|${contacts[5].id}`)!.waived.has(RULE)).toBe(true);
    expect(r.invalidWaivers!.map((w) => w.recordId)).not.toContain(contacts[5].id);
    expect(r.invalidWaivers).toHaveLength(5);
  }, 60_000);

  it("the CLI summary lists the waivers that are not valid", async () => {
    const res = await runCli(["audit", "--url", emu.orgUrl, "--token", emu.adminToken, "--tables", "contact", "--now", new Date(NOW.getTime() + 3 * 3_600_000).toISOString(), "--no-progress"]);
    expect(res.stdout).toMatch(/waiver not valid: contact\.jobtitle\.required on contact \S+ — approved without an approver/);
  }, 60_000);
});

describe("bad audit flags are refused before anything is written", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ data: "empty", throttle: false });
  });
  afterAll(() => emu.close());

  it("an invalid --owner leaves no failed run in the history", async () => {
    const res = await runCli(["audit", "--url", emu.orgUrl, "--token", emu.adminToken, "--owner", "not-a-guid", "--no-progress"]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("--owner 'not-a-guid' is not a GUID; nothing was started");
    expect(emu.store.rows("vit_auditrun")).toHaveLength(0);
  }, 60_000);
});
