/**
 * Fix plans against the emulator: plan → apply → undo, with the journal, ETags, a record edited
 * between preview and apply, a run killed mid-apply, an undo conflict and a user without the role.
 */
import { defaultRulePack } from "../../plugins-ts/engine";
import { applyPlan, FixApprovalError, makePlan, readEntries, undoRun, type FixPlan } from "../../plugins-ts/fix";
import type { EmulatorHandle } from "../../sandbox/emulator";
import type { Row } from "../../sandbox/emulator/store";
import { gatewayFor, storedHealth } from "../helpers/audit";
import { start, tokenOf, userOf } from "../helpers/emulator";

const pack = defaultRulePack();
const SYSTEM = new Set(["modifiedon", "versionnumber", "_modifiedby_value", "modifiedby"]);
const strip = (r: Row | undefined): Row => Object.fromEntries(Object.entries(r ?? {}).filter(([k]) => !SYSTEM.has(k)));

let emu: EmulatorHandle;
let now: Date;
beforeAll(async () => {
  emu = await start({ size: 800, seed: 7 });
  now = new Date(emu.groundTruth.now);
});
afterAll(() => emu.close());

async function plan(tables: string[], rules?: string[]): Promise<FixPlan> {
  const admin = userOf(emu, "admin");
  return makePlan({ gateway: gatewayFor(emu), pack, tables, rules, now, newOwner: { id: admin.systemuserid, table: "systemuser" } });
}

describe("a fix plan on the demo organisation", () => {
  let p: FixPlan;
  beforeAll(async () => {
    p = await plan(["contact", "account", "lead"]);
  });

  it("proposes a fix for every planted casing defect and placeholder e-mail it can fix", () => {
    const keys = new Set(p.entries.map((e) => `${e.table}:${e.recordId}`));
    const casing = emu.groundTruth.defects.filter((d) => (d.kind === "allCapsName" || d.kind === "lowercaseName") && d.table !== "opportunity");
    const email = emu.groundTruth.defects.filter((d) => d.kind === "placeholderEmail" && d.table === "contact");
    expect(casing.length).toBeGreaterThan(10);
    expect(email.length).toBeGreaterThan(3);
    for (const d of [...casing, ...email]) expect(keys).toContain(`${d.table}:${d.id}`);
    const cleared = p.entries.filter((e) => e.repair === "clearPlaceholder").flatMap((e) => e.changes.map((c) => `${e.table}:${e.recordId}:${c.column}`));
    for (const d of email) expect(cleared).toContain(`contact:${d.id}:emailaddress1`);
    // required columns are never cleared, and every update carries the record's ETag from the preview
    expect(p.entries.filter((e) => e.repair === "clearPlaceholder").flatMap((e) => e.changes.map((c) => c.column))).not.toContain("lastname");
    expect(p.entries.every((e) => /^W\/"\d+"$/.test(e.etag))).toBe(true);
  });

  it("proposes the disabled owners' records to the chosen user and the past close dates as tasks", async () => {
    const disabled = emu.groundTruth.defects.filter((d) => d.kind === "disabledOwner" && d.table === "contact");
    const reassigned = new Set(p.entries.filter((e) => e.repair === "reassignOwner").map((e) => e.recordId));
    const open = disabled.filter((d) => emu.store.get("contact", d.id)?.statecode === 0);
    for (const d of open) expect(reassigned).toContain(d.id);
    const opp = await plan(["opportunity"], ["opportunity.closedate.not_past"]);
    const past = emu.groundTruth.defects.filter((d) => d.kind === "pastCloseDate");
    expect(opp.entries.length).toBe(past.length);
    expect(opp.entries.every((e) => e.action === "task" && e.changes.length === 0)).toBe(true);
  });
});

describe("apply and undo", () => {
  it("journals every change before writing, re-scores, skips a record edited since the preview, and undo restores exactly", async () => {
    const p = await plan(["contact"], ["contact.firstname.casing", "contact.lastname.casing", "contact.email.placeholder", "contact.phone.format"]);
    expect(p.entries.length).toBeGreaterThan(20);
    const ids = [...new Set(p.entries.map((e) => e.recordId))];
    const before = new Map(ids.map((id) => [id, strip(emu.store.get("contact", id))]));
    // someone edits one record between the preview and the apply
    const edited = p.entries.find((e) => e.repair === "nameCasing")!;
    emu.store.update("contact", edited.recordId, { jobtitle: "Edited by a person" });

    const gw = gatewayFor(emu);
    const result = await applyPlan({ gateway: gw, plan: p, pack, now });
    expect(result.status).toBe("applied");
    const editedEntries = p.entries.filter((e) => e.recordId === edited.recordId).length;
    expect(result.outcomes.skippedChanged).toBe(editedEntries);
    expect(result.outcomes.applied).toBe(p.entries.length - editedEntries);
    expect(emu.store.get("contact", edited.recordId)?.jobtitle).toBe("Edited by a person");
    expect(emu.store.get("contact", edited.recordId)?.[edited.changes[0].column]).toBe(edited.changes[0].before);

    const journal = await readEntries(gw, result.runId);
    expect(journal).toHaveLength(p.entries.length);
    for (const e of journal.filter((x) => x.outcome === "applied")) {
      const row = emu.store.get("contact", e.recordId)!;
      for (const c of e.changes) expect(row[c.column] ?? null).toBe(c.after);
      expect(e.etagAfter).toBe(`W/"${String(row.versionnumber)}"`);
    }
    expect(result.scoreAfter.contact.dimensions.validity!).toBeGreaterThan(result.scoreBefore.contact.dimensions.validity!);
    // health rows were updated: no applied casing fix leaves its rule failing
    const health = storedHealth(emu);
    for (const e of journal.filter((x) => x.outcome === "applied" && x.ruleId.endsWith(".casing"))) expect(health.get(`contact|${e.recordId}`)?.failed.has(e.ruleId)).toBe(false);

    // one fixed record is changed again by a person: its undo is a conflict and is left alone
    const touched = journal.find((e) => e.outcome === "applied" && e.changes[0].column === "firstname")!;
    emu.store.update("contact", touched.recordId, { firstname: "Person's Choice" });
    const undo = await undoRun({ gateway: gw, runId: result.runId, pack, now });
    expect(undo.status).toBe("partlyUndone");
    expect(undo.outcomes.undoConflict).toBe(1);
    expect(undo.issues.find((i) => i.outcome === "undoConflict")?.detail).toMatch(/firstname is now "Person's Choice"/);
    expect(emu.store.get("contact", touched.recordId)?.firstname).toBe("Person's Choice");
    for (const id of ids) {
      if (id === touched.recordId || id === edited.recordId) continue;
      expect(strip(emu.store.get("contact", id))).toEqual(before.get(id));
    }
  });

  it("a run killed mid-apply resumes without writing any record twice", async () => {
    const p = await plan(["account"], ["account.name.casing"]);
    expect(p.entries.length).toBeGreaterThan(4);
    const gw = gatewayFor(emu);
    await expect(
      applyPlan({ gateway: gw, plan: p, pack, now, chunkSize: 2, updateHealth: false, afterChunk: ({ chunk, phase }) => {
        if (chunk === 1 && phase === "written") throw new Error("killed");
      } }),
    ).rejects.toThrow("killed");
    const versions = new Map(p.entries.map((e) => [e.recordId, emu.store.get("account", e.recordId)?.versionnumber]));
    const writtenBeforeKill = p.entries.filter((e) => emu.store.get("account", e.recordId)?.name === e.changes[0].after).length;
    expect(writtenBeforeKill).toBe(4);
    const resumed = await applyPlan({ gateway: gw, plan: p, pack, now, updateHealth: false });
    expect(resumed.resumed).toBe(true);
    expect(resumed.outcomes.applied).toBe(p.entries.length);
    for (const e of p.entries.slice(0, 4)) expect(emu.store.get("account", e.recordId)?.versionnumber).toBe(versions.get(e.recordId));
    for (const e of p.entries) expect(emu.store.get("account", e.recordId)?.name).toBe(e.changes[0].after);
  });

  it("tasks for judgement are created for the owner and deleted by undo", async () => {
    const p = await plan(["opportunity"], ["opportunity.closedate.not_past"]);
    const gw = gatewayFor(emu);
    const r = await applyPlan({ gateway: gw, plan: p, pack, now, updateHealth: false });
    expect(r.issues).toEqual([]);
    expect(r.outcomes.applied).toBe(p.entries.length);
    const tasks = emu.store.rows("task").filter((t) => t.subject === "Update the close date of this opportunity");
    expect(tasks).toHaveLength(p.entries.length);
    const e = p.entries[0];
    const task = tasks.find((t) => t._regardingobjectid_value === e.recordId)!;
    expect(task._ownerid_value).toBe(e.task!.ownerId);
    await undoRun({ gateway: gw, runId: r.runId, pack, now, updateHealth: false });
    expect(emu.store.rows("task").filter((t) => t.subject === "Update the close date of this opportunity")).toHaveLength(0);
  });

  it("a salesperson cannot apply a bulk plan", async () => {
    const p = await plan(["lead"], ["lead.firstname.casing"]);
    const rep = gatewayFor(emu, tokenOf(emu, "rep1"));
    await expect(applyPlan({ gateway: rep, plan: p, pack, now })).rejects.toThrow(FixApprovalError);
    await expect(applyPlan({ gateway: rep, plan: p, pack, now })).rejects.toThrow(/Vitals Governance Owner/);
  });

  it("writes in the approver's own security context: records a governance owner may not write fail with the platform's code", async () => {
    const p = await plan(["lead"], ["lead.firstname.casing"]);
    const gov = gatewayFor(emu, tokenOf(emu, "govowner"));
    const r = await applyPlan({ gateway: gov, plan: p, pack, now, updateHealth: false });
    expect(r.status).toBe("failed");
    expect(r.outcomes.failed).toBe(p.entries.length);
    expect(r.issues[0]).toMatchObject({ outcome: "failed", errorCode: "0x80040220" });
    for (const e of p.entries) expect(emu.store.get("lead", e.recordId)?.firstname).toBe(e.changes[0].before);
  });

  it("can require the approver to differ from the proposer", async () => {
    const p = await plan(["lead"], ["lead.lastname.casing"]);
    await expect(applyPlan({ gateway: gatewayFor(emu), plan: p, pack, now, approverMustDiffer: true })).rejects.toThrow(/someone else must approve/);
  });
});
