/**
 * Score before and after: the records a run changed are scored again, and each one's plan-time
 * score in the scope's means is replaced by its score now. Records the run did not touch keep
 * their plan-time contribution, so the numbers say what the fixes did ("contact validity 71 → 94").
 */
import type { CompiledPack } from "../engine/score";
import type { DataverseGateway } from "../dataverse/gateway";
import type { JournalEntry } from "./journal";
import type { RecordScoreSnapshot, TableScores } from "./model";
import { replaceScores, scanScored, snapshotOf } from "./scan";

const CHANGED = new Set(["applied", "undone", "undoConflict", "undoPending"]);

export async function rescore(gateway: DataverseGateway, compiled: CompiledPack, now: Date, entries: readonly JournalEntry[], before: Record<string, TableScores>): Promise<Record<string, TableScores>> {
  const old = new Map<string, { table: string; id: string; snapshot: RecordScoreSnapshot }>();
  for (const e of entries) {
    if (!CHANGED.has(e.outcome) || e.action !== "update" || !e.score) continue;
    old.set(`${e.table}:${e.recordId}`, { table: e.table, id: e.recordId, snapshot: e.score });
  }
  const after: Record<string, TableScores> = {};
  for (const [table, scores] of Object.entries(before)) {
    const ids = [...old.values()].filter((x) => x.table === table).map((x) => x.id);
    const pairs: { old: RecordScoreSnapshot; now: RecordScoreSnapshot }[] = [];
    if (ids.length) {
      for await (const page of scanScored({ gateway, compiled, table, now, ids })) {
        page.records.forEach((r, i) => {
          const was = old.get(`${table}:${r.id}`);
          if (was) pairs.push({ old: was.snapshot, now: snapshotOf(page.scores[i]) });
        });
      }
    }
    after[table] = replaceScores(scores, pairs);
  }
  return after;
}
