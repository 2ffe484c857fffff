/**
 * Undoes a fix run — all of it, one rule's fixes or one record's — journaled like the apply:
 *
 *   entries Applied → read each record → columns that still hold what the fix wrote are to be
 *   restored: entry marked Undo Pending with the record's ETag now (intent) → record written back
 *   with If-Match = that ETag → entry Undone. A column someone changed since the fix is an Undo
 *   Conflict and is left as that person made it. A task the fix created is deleted only if nobody
 *   touched it since (If-Match = its ETag after creation).
 *
 * Killed mid-way, undo resumes: an Undo Pending entry whose record still has the intent's ETag is
 * written now; one whose record already holds the values before the fix is Undone; anything else
 * is a conflict. Nothing is written twice.
 */
import type { RulePack } from "../engine/pack/types";
import type { DataverseGateway, FixWrite, VersionedRow } from "../dataverse/gateway";
import { finishRun, type FixProgress, type FixRunResult } from "./apply";
import { readEntries, readRun, updateEntries, type EntryUpdate, type JournalEntry } from "./journal";
import { FIX_RUN_STATUS, taskIdOf } from "./model";
import { bodyOf, sameValue } from "./values";
import { isMergeRun } from "./merge-journal";
import { undoMergeRun } from "./merge-undo";

export interface UndoOptions {
  gateway: DataverseGateway;
  runId: string;
  pack: RulePack;
  now: Date;
  /** Only the fixes of this rule. */
  ruleId?: string;
  /** Only the fixes of this record. */
  recordId?: string;
  updateHealth?: boolean;
  onProgress?: (p: FixProgress) => void;
  /** Test hook: after the intent is journaled and before the records are written back. */
  afterIntent?: () => void | Promise<void>;
}

const columnsOf = (entries: readonly JournalEntry[]): string[] => [...new Set(entries.flatMap((e) => e.changes.map((c) => c.column)))];

function conflictDetail(e: JournalEntry, row: VersionedRow["row"] | undefined): string {
  if (!row) return "the record no longer exists or you cannot read it; nothing was restored";
  const moved = e.changes.filter((c) => !sameValue(row[c.column], c.after)).map((c) => `${c.column} is now ${JSON.stringify(row[c.column] ?? null)}`);
  return `changed since the fix (${moved.join("; ")}); left as the person made it`;
}

/** Undoes the update entries of one table. */
async function undoUpdates(o: UndoOptions, table: string, entries: JournalEntry[]): Promise<EntryUpdate[]> {
  const g = o.gateway;
  if (!g.readVersioned || !g.writeFixes) throw new Error("this connection cannot undo fixes; use the Web API gateway");
  const current = await g.readVersioned(table, [...new Set(entries.map((e) => e.recordId))], columnsOf(entries));
  const out: EntryUpdate[] = [];
  const intent: EntryUpdate[] = [];
  const byRecord = new Map<string, { etag: string; entries: JournalEntry[] }>();
  for (const e of entries) {
    const now = current.get(e.recordId);
    if (e.outcome === "undoPending") {
      if (now && now.etag === e.undoEtag) {
        const r = byRecord.get(e.recordId) ?? { etag: now.etag, entries: [] };
        r.entries.push(e);
        byRecord.set(e.recordId, r);
      } else if (now && e.changes.every((c) => sameValue(now.row[c.column], c.before))) {
        out.push({ id: e.id, outcome: "undone", undoneOn: o.now.toISOString() });
      } else {
        out.push({ id: e.id, outcome: "undoConflict", detail: conflictDetail(e, now?.row) });
      }
      continue;
    }
    if (!now || !e.changes.every((c) => sameValue(now.row[c.column], c.after))) {
      out.push({ id: e.id, outcome: "undoConflict", detail: conflictDetail(e, now?.row) });
      continue;
    }
    const r = byRecord.get(e.recordId) ?? { etag: now.etag, entries: [] };
    r.entries.push(e);
    byRecord.set(e.recordId, r);
    intent.push({ id: e.id, outcome: "undoPending", undoEtag: now.etag });
  }
  await updateEntries(g, intent);
  await o.afterIntent?.();
  const groups = [...byRecord.entries()];
  const writes: FixWrite[] = [];
  for (const [id, r] of groups) writes.push({ op: "update", id, data: await bodyOf(g, r.entries.flatMap((e) => e.changes), "before"), etag: r.etag });
  const results = writes.length ? await g.writeFixes(table, writes) : [];
  const changed: JournalEntry[] = [];
  results.forEach((res, i) => {
    for (const e of groups[i][1].entries) {
      if (res.ok) out.push({ id: e.id, outcome: "undone", undoneOn: o.now.toISOString(), detail: null });
      else if (res.error.status === 412) changed.push(e);
      else out.push({ id: e.id, outcome: "undoConflict", errorCode: res.error.code ?? String(res.error.status ?? ""), detail: `the undo could not be written: ${res.error.message}` });
    }
  });
  if (changed.length) {
    const seen = await g.readVersioned(table, [...new Set(changed.map((e) => e.recordId))], columnsOf(changed));
    for (const e of changed) {
      const now = seen.get(e.recordId);
      if (now && e.changes.every((c) => sameValue(now.row[c.column], c.before))) out.push({ id: e.id, outcome: "undone", undoneOn: o.now.toISOString() });
      else out.push({ id: e.id, outcome: "undoConflict", detail: conflictDetail(e, now?.row) });
    }
  }
  return out;
}

/** Deletes the tasks a run created, unless someone has worked on them since. */
async function undoTasks(o: UndoOptions, entries: JournalEntry[], taskIds: Map<string, string>): Promise<EntryUpdate[]> {
  const g = o.gateway;
  const deletable = entries.filter((e) => e.etagAfter);
  const out: EntryUpdate[] = entries.filter((e) => !e.etagAfter).map((e) => ({ id: e.id, outcome: "undoConflict" as const, detail: "the task's version after creation is unknown; delete it by hand if it is not needed" }));
  if (!deletable.length) return out;
  const results = await g.writeFixes!("task", deletable.map((e) => ({ op: "delete", id: taskIds.get(e.id)!, etag: e.etagAfter! })));
  results.forEach((r, i) => {
    const e = deletable[i];
    if (r.ok || r.error.status === 404) out.push({ id: e.id, outcome: "undone", undoneOn: o.now.toISOString() });
    else if (r.error.status === 412) out.push({ id: e.id, outcome: "undoConflict", detail: "the owner has worked on the task since; it was kept" });
    else out.push({ id: e.id, outcome: "undoConflict", errorCode: r.error.code ?? "", detail: `the task could not be deleted: ${r.error.message}` });
  });
  return out;
}

export async function undoRun(o: UndoOptions): Promise<FixRunResult> {
  const g = o.gateway;
  if (await isMergeRun(g, o.runId)) return undoMergeRun(o);
  const run = await readRun(g, o.runId);
  if (!run) throw new Error(`there is no fix run ${o.runId} (or you cannot read it)`);
  if (run.status === "applying") throw new Error(`fix run ${o.runId} is still being applied (or was interrupted): apply its plan again to finish it, then undo`);
  const all = await readEntries(g, o.runId, ["applied", "undoPending"]);
  const selected = all.filter((e) => (!o.ruleId || e.ruleId === o.ruleId) && (!o.recordId || e.recordId === o.recordId.toLowerCase()));
  const upd = await g.updateMany("vit_fixrun", [{ vit_fixrunid: o.runId, vit_status: FIX_RUN_STATUS.undoing }]);
  if (upd[0] && !upd[0].ok) throw new Error(`you may not undo fix run ${o.runId}: ${upd[0].error.message}`);
  const updates: EntryUpdate[] = [];
  const tables = [...new Set(selected.filter((e) => e.action === "update").map((e) => e.table))];
  for (const table of tables) updates.push(...(await undoUpdates(o, table, selected.filter((e) => e.action === "update" && e.table === table))));
  const tasks = selected.filter((e) => e.action === "task");
  if (tasks.length) updates.push(...(await undoTasks(o, tasks, new Map(tasks.map((e) => [e.id, taskIdOf(o.runId, e.key)])))));
  await updateEntries(g, updates);
  return finishRun(o, o.runId, false, undefined, true);
}
