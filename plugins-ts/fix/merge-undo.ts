/**
 * Undoes merges, which Dataverse itself cannot: for each merge entry of the run (or of one record,
 * or of the rule `<table>.duplicate`), newest first, journaled like the apply (Undo Pending, then
 * Undone or Undo Conflict):
 *
 *   1. refused when the survivor has since been merged into another record (undo that merge first);
 *   2. the subordinate is reactivated (its state and status reason before the merge), If-Match;
 *   3. each journaled child that still points at the master is pointed back at the subordinate;
 *      one that points elsewhere now was moved by a person and is left alone (a conflict);
 *   4. each master column UpdateContent filled is restored when it still holds what the merge
 *      wrote; a column changed since is left as the person made it (a conflict).
 *
 * `merged` and `masterid` are not valid for update in Dataverse (the platform sets them during
 * Merge only), so the reactivated subordinate keeps saying it was merged into the master; the
 * entry's detail says so. Every step checks the record first, so an interrupted undo run again
 * finishes the rest without writing anything twice.
 */
import type { DataverseGateway, VersionedRow } from "../dataverse/gateway";
import type { ChildRef } from "../dataverse/merge";
import { finishRun, type FixRunResult } from "./apply";
import { readRun, updateEntries, type EntryUpdate } from "./journal";
import { mergePortOf } from "./merge-apply";
import { readMergeEntries, type MergeJournal } from "./merge-journal";
import { FIX_RUN_STATUS } from "./model";
import type { UndoOptions } from "./undo";
import { bodyOf, sameValue } from "./values";

const same = (a: unknown, b: string): boolean => typeof a === "string" && a.toLowerCase() === b.toLowerCase();

/** Why the survivor cannot be given its columns back, or null. */
function mergedAgain(e: MergeJournal, master: VersionedRow): string | null {
  // `merged` stays true on a record whose own merge was undone (read-only), so only an inactive survivor is refused
  if (master.row.statecode === 0) return null;
  return master.row.merged === true
    ? `refused: the survivor ${e.table} ${e.masterId} has since been merged into ${String(master.row._masterid_value)}; undo that merge first`
    : `refused: the survivor ${e.table} ${e.masterId} is inactive now; reactivate it (or undo what deactivated it) first`;
}

async function reactivate(g: DataverseGateway, e: MergeJournal, conflicts: string[]): Promise<void> {
  const sub = await mergePortOf(g).readFull(e.table, e.subordinateId);
  if (!sub) return void conflicts.push("the subordinate no longer exists or you cannot read it");
  if (sub.row.statecode === 0) return;
  const body = { statecode: e.subordinate.statecode ?? 0, statuscode: e.subordinate.statuscode ?? 1 };
  const [out] = await g.writeFixes!(e.table, [{ op: "update", id: e.subordinateId, data: body, etag: sub.etag }]);
  if (out && !out.ok) conflicts.push(`the subordinate could not be reactivated: ${out.error.message}${out.error.code ? ` (${out.error.code})` : ""}`);
}

async function pointBack(g: DataverseGateway, e: MergeJournal, conflicts: string[]): Promise<number> {
  let restored = 0;
  const byTable = new Map<string, ChildRef[]>();
  for (const c of e.children) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
  const subSet = await g.entitySetName(e.table);
  for (const [table, list] of byTable) {
    const props = [...new Set(list.map((c) => `_${c.column}_value`))];
    const now = await g.readVersioned!(table, [...new Set(list.map((c) => c.id))], props);
    const writes: { c: ChildRef; etag: string }[] = [];
    for (const c of list) {
      const row = now.get(c.id);
      const v = row?.row[`_${c.column}_value`];
      if (!row) conflicts.push(`${table} ${c.id} no longer exists or you cannot read it`);
      else if (same(v, e.subordinateId)) restored++;
      else if (same(v, e.masterId)) writes.push({ c, etag: row.etag });
      else conflicts.push(`${table} ${c.id}: ${c.column} now points at ${String(v ?? "nothing")}; left as it is`);
    }
    // one write per row: a row with two lookups to the subordinate gets both back at once
    const rows = new Map<string, { etag: string; data: Record<string, string> }>();
    for (const w of writes) {
      const r = rows.get(w.c.id) ?? { etag: w.etag, data: {} };
      r.data[`${w.c.navigation}@odata.bind`] = `/${subSet}(${e.subordinateId})`;
      rows.set(w.c.id, r);
    }
    const ids = [...rows.keys()];
    const outs = ids.length ? await g.writeFixes!(table, ids.map((id) => ({ op: "update", id, data: rows.get(id)!.data, etag: rows.get(id)!.etag }))) : [];
    outs.forEach((out, i) => {
      const n = writes.filter((w) => w.c.id === ids[i]).length;
      if (out.ok) restored += n;
      else conflicts.push(`${table} ${ids[i]} could not be pointed back: ${out.error.status === 412 ? "changed meanwhile" : out.error.message}`);
    });
  }
  return restored;
}

async function restoreMaster(g: DataverseGateway, e: MergeJournal, master: VersionedRow, conflicts: string[]): Promise<number> {
  const back = e.changes.filter((c) => sameValue(master.row[c.column], c.after));
  for (const c of e.changes) if (!back.includes(c) && !sameValue(master.row[c.column], c.before)) conflicts.push(`master ${c.column} is now ${JSON.stringify(master.row[c.column] ?? null)}; left as the person made it`);
  if (!back.length) return 0;
  const [out] = await g.writeFixes!(e.table, [{ op: "update", id: e.masterId, data: await bodyOf(g, back, "before"), etag: master.etag }]);
  if (out && !out.ok) {
    conflicts.push(`the master's columns could not be restored: ${out.error.status === 412 ? "changed meanwhile; undo again to retry" : out.error.message}`);
    return 0;
  }
  return back.length;
}

async function undoOne(o: UndoOptions, e: MergeJournal): Promise<EntryUpdate> {
  const g = o.gateway;
  const master = await mergePortOf(g).readFull(e.table, e.masterId);
  if (!master) return { id: e.id, outcome: "undoConflict", detail: "refused: the survivor no longer exists or you cannot read it" };
  const refused = mergedAgain(e, master);
  if (refused) return { id: e.id, outcome: "undoConflict", detail: refused };
  await updateEntries(g, [{ id: e.id, outcome: "undoPending", undoEtag: master.etag }]);
  const conflicts: string[] = [];
  await reactivate(g, e, conflicts);
  const children = await pointBack(g, e, conflicts);
  const columns = await restoreMaster(g, e, master, conflicts);
  const summary = `subordinate reactivated; ${children} of ${e.children.length} children pointed back; ${columns} master columns restored; merged and masterid stay set (Dataverse does not let a client write them)`;
  return conflicts.length
    ? { id: e.id, outcome: "undoConflict", detail: `${conflicts.join("; ")} — ${summary}`.slice(0, 4000) }
    : { id: e.id, outcome: "undone", undoneOn: o.now.toISOString(), detail: summary };
}

/** Undoes a run's merges (the whole run, one rule's, or the merges of one record, as master or subordinate). */
export async function undoMergeRun(o: UndoOptions): Promise<FixRunResult> {
  const g = o.gateway;
  mergePortOf(g);
  const run = await readRun(g, o.runId);
  if (!run) throw new Error(`there is no fix run ${o.runId} (or you cannot read it)`);
  if (run.status === "applying") throw new Error(`fix run ${o.runId} is still being applied (or was interrupted): apply its plan again to finish it, then undo`);
  const record = o.recordId?.toLowerCase();
  const selected = (await readMergeEntries(g, o.runId, ["applied", "undoPending", "undoConflict"]))
    .filter((e) => (!o.ruleId || e.ruleId === o.ruleId) && (!record || e.masterId === record || e.subordinateId === record))
    .reverse();
  const upd = await g.updateMany("vit_fixrun", [{ vit_fixrunid: o.runId, vit_status: FIX_RUN_STATUS.undoing }]);
  if (upd[0] && !upd[0].ok) throw new Error(`you may not undo fix run ${o.runId}: ${upd[0].error.message}`);
  for (const [i, e] of selected.entries()) {
    await updateEntries(g, [await undoOne(o, e)]);
    o.onProgress?.({ runId: o.runId, phase: "records", done: i + 1, total: selected.length, outcomes: {} });
  }
  return finishRun(o, o.runId, false, undefined, true);
}
