/**
 * Applies an approved fix plan in the approver's own security context (the gateway's sign-in),
 * journaled before every write:
 *
 *   run row (Applying) → per chunk of records: entries written as Pending → records written with
 *   If-Match = the preview's ETag, in `$batch`es without change sets → entries completed
 *   (Applied, Skipped Changed on 412, Failed with the platform's error code) → next chunk
 *   → affected records re-scored (score before/after) and their health rows updated → run row.
 *
 * Safety: If-Match is never `*`; a 412 is never retried blindly: the record is read and, when it
 * holds exactly what the fix writes (our own write whose reply was lost), counted Applied, else
 * Skipped Changed. Applying the same plan again resumes its run: Pending entries are decided by
 * reading their records (ETag unchanged → written now; values already ours → Applied; else
 * Skipped Changed), so no record is ever written twice. Plug-ins and flows run as for any update:
 * no bypass header is sent.
 */
import type { RulePack } from "../engine/pack/types";
import type { DataverseGateway, FixWrite, FixWriteOutcome, Row, VersionedRow } from "../dataverse/gateway";
import { runAudit } from "../audit/run";
import { DataverseError } from "../dataverse/errors";
import { compilePack } from "../engine/score";
import { countOutcomes, readEntries, readRun, updateEntries, writeIntent, type EntryUpdate } from "./journal";
import { FIX_RUN_STATUS, RUN_APPROVED_BY_BIND, RUN_PROPOSED_BY_BIND, entryIdOf, runIdOf, taskIdOf, type EntryOutcome, type FixPlan, type PlanEntry, type TableScores } from "./model";
import { rescore } from "./rescore";
import { bodyOf, sameValue } from "./values";
import { checkPlan } from "./planfile";
import { applyMergePlan } from "./merge-apply";

export interface FixProgress {
  runId: string;
  phase: "journal" | "records" | "rescoring" | "done";
  done: number;
  total: number;
  outcomes: Partial<Record<EntryOutcome, number>>;
}

export interface ApplyOptions {
  gateway: DataverseGateway;
  plan: FixPlan;
  pack: RulePack;
  now: Date;
  /** Records per journal-and-write step (default 500). */
  chunkSize?: number;
  /** vit_FixApproverMustDiffer: refuse when the approver proposed the plan. */
  approverMustDiffer?: boolean;
  /** Re-run an incremental audit of the tables so health rows reflect the fixes (default true). */
  updateHealth?: boolean;
  onProgress?: (p: FixProgress) => void;
  signal?: AbortSignal;
  /** Test hook: called after each chunk is journaled and written (a kill is simulated by throwing). */
  afterChunk?: (info: { chunk: number; phase: "written" | "completed" }) => void | Promise<void>;
}

export interface FixRunResult {
  runId: string;
  status: "applied" | "completedWithIssues" | "failed" | "cancelled" | "undone" | "partlyUndone";
  resumed: boolean;
  outcomes: Record<EntryOutcome, number>;
  /** Entries skipped, failed or in conflict, with why. */
  issues: { key: string; outcome: EntryOutcome; detail: string; errorCode?: string }[];
  scoreBefore: Record<string, TableScores>;
  scoreAfter: Record<string, TableScores>;
}

export class FixApprovalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FixApprovalError";
  }
}

/** Groups entries by record, in plan order. */
function byRecord(entries: readonly PlanEntry[]): PlanEntry[][] {
  const m = new Map<string, PlanEntry[]>();
  for (const e of entries) {
    const k = e.action === "task" ? e.key : `${e.table}:${e.recordId}`;
    const list = m.get(k) ?? [];
    list.push(e);
    m.set(k, list);
  }
  return [...m.values()];
}

export async function startRun(o: ApplyOptions, runId: string, approver: string): Promise<boolean> {
  let existing;
  try {
    existing = await readRun(o.gateway, runId);
  } catch (err) {
    if (err instanceof DataverseError && err.status === 403) throw new FixApprovalError(`you may not approve a bulk fix plan: applying one needs the Vitals Governance Owner role (the platform said: ${err.message})`);
    throw err;
  }
  if (existing) {
    if (existing.status === "undone" || existing.status === "undoing" || existing.status === "partlyUndone") {
      throw new FixApprovalError(`fix run ${runId} of this plan was undone; make a new plan instead of applying this one again`);
    }
    return true;
  }
  const plan = o.plan;
  const merges = (plan.merges ?? []).filter((m) => m.include);
  const rules = [...new Set([...plan.entries.map((e) => e.ruleId), ...merges.map((m) => `${m.table}.duplicate`)])].sort();
  const created = await o.gateway.createMany("vit_fixrun", [
    {
      vit_fixrunid: runId,
      vit_name: `Fix ${plan.scope.tables.join(", ")} ${o.now.toISOString().slice(0, 16).replace("T", " ")} (${plan.entries.filter((e) => e.include).length + merges.length} fixes)`.slice(0, 200),
      vit_planid: plan.planId,
      vit_status: FIX_RUN_STATUS.applying,
      [RUN_PROPOSED_BY_BIND]: `/systemusers(${plan.proposedBy})`,
      [RUN_APPROVED_BY_BIND]: `/systemusers(${approver})`,
      vit_approvedon: o.now.toISOString(),
      vit_scope: JSON.stringify(plan.scope),
      vit_rules: rules.join(","),
      vit_scorebefore: JSON.stringify(plan.scoreBefore),
      vit_entrycount: plan.entries.filter((e) => e.include).length + merges.length,
      vit_rulepackversion: `${plan.pack.id} ${plan.pack.version}`,
    },
  ]);
  const c = created[0];
  if (c && !c.ok) {
    if (c.error.status === 403) {
      throw new FixApprovalError(`you may not approve a bulk fix plan: applying one needs the Vitals Governance Owner role (the platform said: ${c.error.message})`);
    }
    throw new Error(`the fix run could not be recorded, so nothing was changed: ${c.error.message}`);
  }
  return false;
}

/** Writes one table's record groups and decides every entry's outcome. */
async function writeGroups(o: ApplyOptions, runId: string, table: string, groups: PlanEntry[][], resumed: Set<string>): Promise<EntryUpdate[]> {
  const g = o.gateway;
  const updates: EntryUpdate[] = [];
  const isTask = groups[0]?.[0]?.action === "task";
  const target = isTask ? "task" : table;
  const recordIdOf = (grp: PlanEntry[]): string => (isTask ? taskIdOf(runId, grp[0].key) : grp[0].recordId.toLowerCase());
  // Groups journaled by an earlier attempt: decide from the record what happened.
  const earlier = groups.filter((grp) => grp.some((e) => resumed.has(e.key)));
  const current = earlier.length && g.readVersioned ? await g.readVersioned(target, earlier.map(recordIdOf), isTask ? ["subject"] : [...new Set(earlier.flatMap((grp) => grp.flatMap((e) => e.changes.map((c) => c.column))))]) : new Map<string, VersionedRow>();
  const toWrite: { grp: PlanEntry[]; write: FixWrite }[] = [];
  for (const grp of groups) {
    const id = recordIdOf(grp);
    const now = earlier.includes(grp) ? current.get(id) : undefined;
    if (earlier.includes(grp) && (isTask ? now !== undefined : now?.etag !== grp[0].etag)) {
      for (const e of grp) updates.push(decided(runId, e, now?.row, now?.etag ?? null));
      continue;
    }
    if (isTask) {
      const t = grp[0].task!;
      const data: Row = { subject: t.subject, description: t.description, [`regardingobjectid_${table}_task@odata.bind`]: `/${await g.entitySetName(table)}(${grp[0].recordId})` };
      if (t.dueOn) data.scheduledend = t.dueOn;
      if (t.ownerId) data["ownerid@odata.bind"] = `/${t.ownerTable === "team" ? "teams" : "systemusers"}(${t.ownerId})`;
      toWrite.push({ grp, write: { op: "create", id, data } });
    } else {
      toWrite.push({ grp, write: { op: "update", id, data: await bodyOf(g, grp.flatMap((e) => e.changes), "after"), etag: grp[0].etag } });
    }
  }
  if (!g.writeFixes) throw new Error("this connection cannot write fixes; use the Web API gateway");
  const outcomes: FixWriteOutcome[] = toWrite.length ? await g.writeFixes(target, toWrite.map((w) => w.write)) : [];
  const changed: { grp: PlanEntry[]; id: string }[] = [];
  outcomes.forEach((out, i) => {
    const { grp, write } = toWrite[i];
    if (out.ok) for (const e of grp) updates.push({ id: entryIdOf(runId, e.key), outcome: "applied", etagAfter: out.etag ?? null, errorCode: null, detail: null });
    else if (out.error.status === 412) changed.push({ grp, id: write.id });
    else for (const e of grp) updates.push({ id: entryIdOf(runId, e.key), outcome: "failed", errorCode: out.error.code ?? String(out.error.status ?? ""), detail: out.error.message });
  });
  if (changed.length) {
    const cols = isTask ? ["subject"] : [...new Set(changed.flatMap((c) => c.grp.flatMap((e) => e.changes.map((x) => x.column))))];
    const seen = g.readVersioned ? await g.readVersioned(target, changed.map((c) => c.id), cols) : new Map<string, VersionedRow>();
    for (const c of changed) {
      const now = seen.get(c.id);
      for (const e of c.grp) updates.push(decided(runId, e, isTask ? (now ? {} : undefined) : now?.row, now?.etag ?? null, isTask && now !== undefined));
    }
  }
  return updates;
}

/** What happened to a fix whose record is not at the preview's version any more. */
function decided(runId: string, e: PlanEntry, row: Row | undefined, etag: string | null, taskExists = false): EntryUpdate {
  const id = entryIdOf(runId, e.key);
  if (e.action === "task") {
    return row !== undefined || taskExists ? { id, outcome: "applied", etagAfter: etag } : { id, outcome: "failed", detail: "the task could not be created" };
  }
  if (!row) return { id, outcome: "skippedChanged", detail: "the record no longer exists or you cannot read it" };
  if (e.changes.every((c) => sameValue(row[c.column], c.after))) return { id, outcome: "applied", etagAfter: etag, detail: null };
  const what = e.changes.filter((c) => !sameValue(row[c.column], c.after)).map((c) => `${c.column} is now ${JSON.stringify(row[c.column] ?? null)}`);
  return { id, outcome: "skippedChanged", etagAfter: null, detail: `changed since the preview (${what.join("; ")}); not overwritten` };
}

export async function applyPlan(o: ApplyOptions): Promise<FixRunResult> {
  checkPlan(o.plan);
  if (o.plan.merges?.length) return applyMergePlan(o);
  const g = o.gateway;
  const me = await g.whoAmI();
  if (o.approverMustDiffer && me.userId.toLowerCase() === o.plan.proposedBy.toLowerCase()) {
    throw new FixApprovalError("this organisation requires a second person: the plan was proposed by you, so someone else must approve and apply it (vit_FixApproverMustDiffer)");
  }
  const runId = runIdOf(o.plan.planId);
  const resumedRun = await startRun(o, runId, me.userId);
  const included = o.plan.entries.filter((e) => e.include);
  const journaled = resumedRun ? await readEntries(g, runId) : [];
  const doneKeys = new Set(journaled.filter((e) => e.outcome !== "pending").map((e) => e.key));
  const pendingKeys = new Set(journaled.filter((e) => e.outcome === "pending").map((e) => e.key));
  const chunkSize = o.chunkSize ?? 500;
  const groups = byRecord(included.filter((e) => !doneKeys.has(e.key)));
  const tally: Partial<Record<EntryOutcome, number>> = countOutcomes(journaled.filter((e) => e.outcome !== "pending"));
  let done = doneKeys.size;
  let cancelled = false;
  for (let i = 0, chunk = 0; i < groups.length; i += chunkSize, chunk++) {
    if (o.signal?.aborted) {
      cancelled = true;
      break;
    }
    const part = groups.slice(i, i + chunkSize);
    const fresh = part.flat().filter((e) => !pendingKeys.has(e.key));
    o.onProgress?.({ runId, phase: "journal", done, total: included.length, outcomes: tally });
    await writeIntent(g, runId, fresh, o.plan.records);
    const updates: EntryUpdate[] = [];
    const byTarget = new Map<string, PlanEntry[][]>();
    for (const grp of part) {
      const k = grp[0].action === "task" ? `task|${grp[0].table}` : grp[0].table;
      byTarget.set(k, [...(byTarget.get(k) ?? []), grp]);
    }
    for (const list of byTarget.values()) updates.push(...(await writeGroups(o, runId, list[0][0].table, list, pendingKeys)));
    await o.afterChunk?.({ chunk, phase: "written" });
    await updateEntries(g, updates);
    for (const u of updates) tally[u.outcome] = (tally[u.outcome] ?? 0) + 1;
    done += part.flat().length;
    o.onProgress?.({ runId, phase: "records", done, total: included.length, outcomes: tally });
    await o.afterChunk?.({ chunk, phase: "completed" });
  }
  return finishRun(o, runId, resumedRun, cancelled ? "cancelled" : undefined);
}

/** Re-scores what changed, updates health rows and the run row; the result as stored. */
export async function finishRun(o: Pick<ApplyOptions, "gateway" | "pack" | "now" | "updateHealth" | "onProgress">, runId: string, resumed: boolean, forced?: "cancelled", undo = false): Promise<FixRunResult> {
  const g = o.gateway;
  const entries = await readEntries(g, runId);
  const run = await readRun(g, runId);
  const outcomes = countOutcomes(entries);
  o.onProgress?.({ runId, phase: "rescoring", done: entries.length, total: entries.length, outcomes });
  const scoreBefore = (run?.scoreBefore ?? {}) as Record<string, TableScores>;
  const scoreAfter = await rescore(g, compilePack(o.pack), o.now, entries, scoreBefore);
  const tables = [...new Set(entries.map((e) => e.table))];
  if (o.updateHealth !== false && tables.length) await runAudit({ gateway: g, pack: o.pack, scope: { tables }, mode: "incremental", now: o.now });
  const status: FixRunResult["status"] = forced
    ? forced
    : undo
      ? outcomes.applied + outcomes.undoConflict + outcomes.undoPending > 0 ? "partlyUndone" : "undone"
      : outcomes.failed > 0 ? (outcomes.applied > 0 ? "completedWithIssues" : "failed") : outcomes.pending > 0 ? "completedWithIssues" : "applied";
  const byRule: Record<string, Partial<Record<EntryOutcome, number>>> = {};
  for (const e of entries) (byRule[e.ruleId] ??= {})[e.outcome] = ((byRule[e.ruleId] ??= {})[e.outcome] ?? 0) + 1;
  const upd = await g.updateMany("vit_fixrun", [
    { vit_fixrunid: runId, vit_status: FIX_RUN_STATUS[status], vit_finishedon: new Date().toISOString(), vit_counts: JSON.stringify({ outcomes, byRule }), vit_scoreafter: JSON.stringify(scoreAfter) },
  ]);
  if (upd[0] && !upd[0].ok) throw new Error(`the fix run row could not be updated: ${upd[0].error.message}`);
  o.onProgress?.({ runId, phase: "done", done: entries.length, total: entries.length, outcomes });
  return {
    runId,
    status,
    resumed,
    outcomes,
    issues: entries.filter((e) => ["skippedChanged", "failed", "undoConflict", "pending", "undoPending"].includes(e.outcome)).map((e) => ({ key: e.key, outcome: e.outcome, detail: e.detail ?? "", ...(e.errorCode ? { errorCode: e.errorCode } : {}) })),
    scoreBefore,
    scoreAfter,
  };
}
