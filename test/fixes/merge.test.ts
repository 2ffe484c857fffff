/**
 * Merge with undo against the emulator: merge proposals from the matcher (the planted duplicates),
 * apply through the Merge action with the journal written first, undo restoring the subordinate,
 * every child's parent and the master's columns; an undo conflict left alone; a survivor merged
 * again refused; a user without the Merge privilege getting the platform's error.
 */
import { defaultRulePack } from "../../plugins-ts/engine";
import { applyPlan, readMergeEntries, undoRun, type FixPlan } from "../../plugins-ts/fix";
import { makeMergePlan, parsePairsCsv } from "../../plugins-ts/fix/merge-plan";
import { runIdOf } from "../../plugins-ts/fix/model";

const runIdOfPlan = (p: FixPlan): string => runIdOf(p.planId);
import type { EmulatorHandle } from "../../sandbox/emulator";
import type { Row } from "../../sandbox/emulator/store";
import { gatewayFor } from "../helpers/audit";
import { start, tokenOf } from "../helpers/emulator";

const pack = defaultRulePack();
/** Columns the platform stamps on every write, and the two Merge sets that no client may clear. */
const SYSTEM = new Set(["modifiedon", "versionnumber", "_modifiedby_value", "merged", "_masterid_value"]);
/** A record as the Web API shows it (an absent column reads as null), system columns aside. */
const strip = (r: Row | undefined): Row => Object.fromEntries(Object.entries(r ?? {}).filter(([k, v]) => !SYSTEM.has(k) && v != null));

let emu: EmulatorHandle;
let now: Date;
beforeAll(async () => {
  emu = await start({ size: 600, seed: 5 });
  now = new Date(emu.groundTruth.now);
});
afterAll(() => emu.close());

/** A plan of explicit pairs (as `vitals dedupe` writes them). */
async function planOf(table: string, pairs: [string, string][], token?: string): Promise<FixPlan> {
  const csv = ["left_id,right_id,score,match,explanation", ...pairs.map(([a, b]) => `${a},${b},0.99,match,test pair`)].join("\r\n");
  const { plan } = await makeMergePlan({ gateway: gatewayFor(emu, token), pack, table, pairs: parsePairsCsv(csv, "pairs.csv"), masterRule: "complete", now });
  return plan;
}

/** Two fresh contacts of one account; the second one has children of every kind. */
function contactsWithChildren(): { master: string; sub: string; children: { table: string; id: string; prop: string }[] } {
  const acct = emu.store.rows("account").find((a) => a.statecode === 0)!;
  const owner = acct._ownerid_value;
  const base = { _ownerid_value: owner, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser", _parentcustomerid_value: acct.accountid, "_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "account", statecode: 0, statuscode: 1 };
  const master = String(emu.store.insert("contact", { ...base, firstname: "Dana", lastname: "Whitfield", fullname: "Dana Whitfield", emailaddress1: "dana.whitfield@contoso.example", telephone1: "+1 206 555 0101", address1_city: "Seattle", address1_country: "United States", createdon: "2020-01-01T00:00:00Z" }).contactid);
  const sub = String(emu.store.insert("contact", { ...base, firstname: "Dana", lastname: "Whitfield", fullname: "Dana Whitfield", emailaddress1: "dana.whitfield@contoso.example", jobtitle: "Buyer", mobilephone: "+1 206 555 0199", createdon: "2021-01-01T00:00:00Z" }).contactid);
  const task = String(emu.store.insert("task", { subject: "Follow up", _regardingobjectid_value: sub, "_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "contact", _ownerid_value: owner, statecode: 0 }).activityid);
  const opp = String(emu.store.insert("opportunity", { name: "Dana's order", _parentcontactid_value: sub, _customerid_value: sub, "_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "contact", _ownerid_value: owner, statecode: 0 }).opportunityid);
  const child = String(emu.store.insert("contact", { ...base, lastname: "Assistant", fullname: "Assistant", _parentcustomerid_value: sub, "_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "contact" }).contactid);
  return {
    master,
    sub,
    children: [
      { table: "task", id: task, prop: "_regardingobjectid_value" },
      { table: "opportunity", id: opp, prop: "_parentcontactid_value" },
      { table: "opportunity", id: opp, prop: "_customerid_value" },
      { table: "contact", id: child, prop: "_parentcustomerid_value" },
    ],
  };
}

describe("merge proposals", () => {
  it("propose the planted duplicate contacts, with the matcher's explanation and the master rule", async () => {
    const { plan } = await makeMergePlan({ gateway: gatewayFor(emu), pack, table: "contact", masterRule: "complete", now });
    const planted = emu.groundTruth.duplicatePairs.filter((p) => p.table === "contact" && !p.otherTable);
    expect(planted.length).toBeGreaterThan(5);
    const proposed = new Set(plan.merges!.map((m) => [m.masterId, m.subordinateId].sort().join("|")));
    const found = planted.filter((p) => proposed.has([p.a, p.b].sort().join("|")));
    expect(found.length / planted.length).toBeGreaterThanOrEqual(0.9);
    for (const m of plan.merges!) {
      expect(m.why).toMatch(/master by most complete \(\d+ of \d+ columns filled against \d+\)/);
      expect(m.masterEtag).toMatch(/^W\/"\d+"$/);
      expect(m.updateContent.every((c) => c.before === null && c.after !== null)).toBe(true);
    }
    // the oldest rule picks the earlier record as master
    const { master, sub } = contactsWithChildren();
    const oldest = await makeMergePlan({ gateway: gatewayFor(emu), pack, table: "contact", pairs: [{ leftId: sub, rightId: master, probability: 1, explanation: "x" }], masterRule: "oldest", now });
    expect(oldest.plan.merges!.map((m) => [m.masterId, m.subordinateId])).toEqual([[master, sub]]);
  });

  it("refuse a pairs file without record ids and a table Dataverse does not merge", async () => {
    expect(() => parsePairsCsv("left_id,right_id,score,match,explanation\r\nrec-1,rec-2,0.9,match,x\r\n", "pairs.csv")).toThrow(/line 2: left_id 'rec-1' is not a record id/);
    await expect(makeMergePlan({ gateway: gatewayFor(emu), pack, table: "opportunity", masterRule: "complete", now })).rejects.toThrow(/opportunity records cannot be merged/);
  });
});

describe("merge and undo", () => {
  it("journals the subordinate, the master's columns and every child before merging; undo restores them all", async () => {
    const r = contactsWithChildren();
    const before = { sub: strip(emu.store.get("contact", r.sub)), master: strip(emu.store.get("contact", r.master)), children: r.children.map((c) => strip(emu.store.get(c.table, c.id))) };
    const plan = await planOf("contact", [[r.sub, r.master]]);
    expect(plan.merges).toHaveLength(1);
    expect(plan.merges![0]).toMatchObject({ masterId: r.master, subordinateId: r.sub }); // the more complete record survives
    const gw = gatewayFor(emu);
    const applied = await applyPlan({ gateway: gw, plan, pack, now });
    expect(applied.outcomes.applied).toBe(1);
    expect(emu.store.get("contact", r.sub)).toMatchObject({ statecode: 1, merged: true, _masterid_value: r.master });
    expect(emu.store.get("contact", r.master)).toMatchObject({ jobtitle: "Buyer", mobilephone: "+1 206 555 0199", telephone1: "+1 206 555 0101" });
    for (const c of r.children) expect(emu.store.get(c.table, c.id)![c.prop]).toBe(r.master);

    const [entry] = await readMergeEntries(gw, applied.runId);
    expect(entry.subordinate).toMatchObject({ contactid: r.sub, jobtitle: "Buyer", statecode: 0 });
    expect(entry.changes.map((c) => c.column).sort()).toEqual(["jobtitle", "mobilephone"]);
    expect(entry.children.map((c) => `${c.table}:${c.id}:${c.column}`).sort()).toEqual(r.children.map((c) => `${c.table}:${c.id}:${c.prop.slice(1, -6)}`).sort());

    const undone = await undoRun({ gateway: gw, runId: applied.runId, pack, now });
    expect(undone.status).toBe("undone");
    expect(strip(emu.store.get("contact", r.sub))).toEqual(before.sub);
    expect(strip(emu.store.get("contact", r.master))).toEqual(before.master);
    r.children.forEach((c, i) => expect(strip(emu.store.get(c.table, c.id))).toEqual(before.children[i]));
  });

  it("leaves what a person changed since the merge and reports it as an undo conflict", async () => {
    const r = contactsWithChildren();
    const gw = gatewayFor(emu);
    const applied = await applyPlan({ gateway: gw, plan: await planOf("contact", [[r.master, r.sub]]), pack, now, updateHealth: false });
    expect(applied.outcomes.applied).toBe(1);
    emu.store.update("contact", r.master, { jobtitle: "Head of Purchasing" });
    const other = emu.store.rows("contact").find((c) => c.statecode === 0 && c.contactid !== r.master && c.contactid !== r.sub)!;
    emu.store.update("task", r.children[0].id, { _regardingobjectid_value: other.contactid });
    const undone = await undoRun({ gateway: gw, runId: applied.runId, pack, now, updateHealth: false });
    expect(undone.outcomes.undoConflict).toBe(1);
    expect(undone.issues[0].detail).toMatch(/master jobtitle is now "Head of Purchasing"; left as the person made it/);
    expect(undone.issues[0].detail).toMatch(new RegExp(`task ${r.children[0].id}: regardingobjectid now points at ${String(other.contactid)}`));
    expect(emu.store.get("contact", r.master)).toMatchObject({ jobtitle: "Head of Purchasing", mobilephone: null });
    expect(emu.store.get("task", r.children[0].id)!._regardingobjectid_value).toBe(other.contactid);
    expect(emu.store.get("contact", r.sub)!.statecode).toBe(0);
    expect(emu.store.get(r.children[1].table, r.children[1].id)!._parentcontactid_value).toBe(r.sub);
  });

  it("refuses to undo a merge whose survivor has since been merged into another record", async () => {
    const r = contactsWithChildren();
    const third = contactsWithChildren().master;
    const gw = gatewayFor(emu);
    const first = await applyPlan({ gateway: gw, plan: await planOf("contact", [[r.master, r.sub]]), pack, now, updateHealth: false });
    const later = await planOf("contact", [[third, r.master]]);
    // a person's override of the master rule: the survivor of the first merge goes into the third contact
    later.merges![0].swap = later.merges![0].masterId === r.master;
    const second = await applyPlan({ gateway: gw, plan: later, pack, now, updateHealth: false });
    expect(second.outcomes.applied).toBe(1);
    const survivor = emu.store.get("contact", r.master)!;
    const into = survivor._masterid_value;
    const undone = await undoRun({ gateway: gw, runId: first.runId, pack, now, updateHealth: false });
    expect(undone.outcomes.undoConflict).toBe(1);
    expect(undone.issues[0].detail).toMatch(new RegExp(`refused: the survivor contact ${r.master} has since been merged into ${String(into)}; undo that merge first`));
    expect(emu.store.get("contact", r.sub)!.statecode).toBe(1);
    // undoing the later merge first makes the earlier one undoable
    expect((await undoRun({ gateway: gw, runId: second.runId, pack, now, updateHealth: false })).status).toBe("undone");
    expect((await undoRun({ gateway: gw, runId: first.runId, pack, now, updateHealth: false })).status).toBe("undone");
    expect(emu.store.get("contact", r.sub)!.statecode).toBe(0);
  });

  it("skips a pair edited since the preview; a user without the Merge privilege gets the platform's error", async () => {
    const r = contactsWithChildren();
    const plan = await planOf("contact", [[r.master, r.sub]]);
    emu.store.update("contact", r.sub, { jobtitle: "Edited by a person" });
    const skipped = await applyPlan({ gateway: gatewayFor(emu), plan, pack, now, updateHealth: false });
    expect(skipped.outcomes.skippedChanged).toBe(1);
    expect(emu.store.get("contact", r.sub)!.statecode).toBe(0);

    const s = contactsWithChildren();
    const gov = gatewayFor(emu, tokenOf(emu, "govowner"));
    const refused = await applyPlan({ gateway: gov, plan: await planOf("contact", [[s.master, s.sub]], tokenOf(emu, "govowner")), pack, now, updateHealth: false });
    expect(refused.outcomes.failed).toBe(1);
    expect(refused.issues[0]).toMatchObject({ outcome: "failed", errorCode: "0x80040220" });
    expect(refused.issues[0].detail).toMatch(/missing prvMerge privilege/);
    expect(emu.store.get("contact", s.sub)!.statecode).toBe(0);
  });

  it("resumes a run killed between the journal and the Merge, and one whose Merge reply was lost, merging each pair once", async () => {
    const a = contactsWithChildren();
    const b = contactsWithChildren();
    const plan = await planOf("contact", [[a.master, a.sub]]);
    plan.merges!.push(...(await planOf("contact", [[b.master, b.sub]])).merges!);
    const gw = gatewayFor(emu);
    const killAt = (n: number) => {
      let seen = 0;
      return ({ phase }: { phase: string }): void => {
        if (phase === "written" && ++seen === n) throw new Error("killed");
      };
    };
    const merges = (): number => emu.stats().byKind.merge ?? 0;
    const m0 = merges();
    // killed after the first pair was journaled, before its Merge
    await expect(applyPlan({ gateway: gw, plan, pack, now, updateHealth: false, afterChunk: killAt(1) })).rejects.toThrow("killed");
    expect(emu.store.get("contact", a.sub)!.statecode).toBe(0);
    expect((await readMergeEntries(gw, runIdOfPlan(plan))).map((e) => e.outcome)).toEqual(["pending"]);
    // resumed: the first pair is merged now; killed again after the second was journaled
    await expect(applyPlan({ gateway: gw, plan, pack, now, updateHealth: false, afterChunk: killAt(2) })).rejects.toThrow("killed");
    expect(emu.store.get("contact", a.sub)).toMatchObject({ statecode: 1, _masterid_value: a.master });
    // …and suppose its Merge did reach the platform, but the reply was lost
    emu.store.update("contact", b.sub, { statecode: 1, statuscode: 2, merged: true, _masterid_value: b.master });
    const resumed = await applyPlan({ gateway: gw, plan, pack, now, updateHealth: false });
    expect(resumed.resumed).toBe(true);
    expect(resumed.outcomes.applied).toBe(2);
    expect(merges() - m0).toBe(1); // one Merge for the first pair, none repeated
  });
});
