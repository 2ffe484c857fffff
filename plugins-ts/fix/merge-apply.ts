/**
 * Applies the merges of an approved plan in the approver's own security context, one at a time,
 * journaled before each Merge:
 *
 *   read master and subordinate in full → both still at the preview's ETags (the master may be
 *   at the ETag our own earlier merge into it left) → list the children Merge will re-parent →
 *   entry Pending with the subordinate, the master's before values and the children → Merge
 *   (UpdateContent = the master's empty merge columns the subordinate fills) → entry Applied with
 *   the master's new ETag, or Failed with the platform's error code.
 *
 * A record changed since the preview is Skipped Changed, never merged blindly. Applying the same
 * plan again resumes: a Pending entry whose subordinate already says it was merged into the master
 * is Applied; one whose records are unchanged is journaled again and merged; anything else is
 * Skipped Changed. No merge is sent twice. Plug-ins run as for any Merge: no bypass header.
 */
import { DataverseError } from "../dataverse/errors";
import type { DataverseGateway, VersionedRow } from "../dataverse/gateway";
import type { MergePort } from "../dataverse/merge";
import { updateContentFor } from "../engine/fixes";
import { finishRun, startRun, FixApprovalError, type ApplyOptions, type FixRunResult } from "./apply";
import { updateEntries, type EntryUpdate } from "./journal";
import { readMergeEntries, writeMergeIntent } from "./merge-journal";
import { entryIdOf, runIdOf, type EntryOutcome, type MergePlanEntry } from "./model";
import { bodyOf } from "./values";

/** MergeEntityNotActiveError: what a repeated Merge of a pair that did merge answers. */
const NOT_ACTIVE = "0x80045304";

export function mergePortOf(g: DataverseGateway): MergePort {
  if (!g.merge || !g.writeFixes || !g.readVersioned) throw new Error("this connection cannot merge records; use the Web API gateway");
  return g.merge;
}

/** Master and subordinate of an entry, the person's swap applied. */
export function rolesOf(e: MergePlanEntry): { masterId: string; subordinateId: string; masterEtag: string; subordinateEtag: string } {
  return e.swap
    ? { masterId: e.subordinateId.toLowerCase(), subordinateId: e.masterId.toLowerCase(), masterEtag: e.subordinateEtag, subordinateEtag: e.masterEtag }
    : { masterId: e.masterId.toLowerCase(), subordinateId: e.subordinateId.toLowerCase(), masterEtag: e.masterEtag, subordinateEtag: e.subordinateEtag };
}

const mergedInto = (sub: VersionedRow | null, masterId: string): boolean => sub !== null && sub.row.merged === true && String(sub.row._masterid_value ?? "").toLowerCase() === masterId;

async function etagNow(g: DataverseGateway, table: string, id: string): Promise<string | null> {
  return (await g.readVersioned!(table, [id], ["versionnumber"])).get(id)?.etag ?? null;
}

/** Merges one entry; the update that completes its journal entry, and whether the intent was journaled. */
async function mergeOne(o: ApplyOptions, runId: string, e: MergePlanEntry, pending: boolean, ownEtag: Map<string, string>): Promise<{ u: EntryUpdate; journaled: boolean }> {
  const g = o.gateway;
  const port = mergePortOf(g);
  const id = entryIdOf(runId, e.key);
  const r = rolesOf(e);
  const [master, sub] = await Promise.all([port.readFull(e.table, r.masterId), port.readFull(e.table, r.subordinateId)]);
  const skip = (detail: string): { u: EntryUpdate; journaled: boolean } => ({ u: { id, outcome: "skippedChanged", detail }, journaled: pending });
  if (pending && mergedInto(sub, r.masterId)) return { u: { id, outcome: "applied", etagAfter: master?.etag ?? null, detail: null }, journaled: true };
  if (!master || !sub) return skip(`the ${master ? "subordinate" : "master"} no longer exists or you cannot read it; nothing was merged`);
  const masterOk = master.etag === r.masterEtag || master.etag === ownEtag.get(r.masterId);
  if (!masterOk || sub.etag !== r.subordinateEtag) {
    return skip(`changed since the preview (${[!masterOk ? `master ${master.etag} ≠ ${r.masterEtag}` : "", sub.etag !== r.subordinateEtag ? `subordinate ${sub.etag} ≠ ${r.subordinateEtag}` : ""].filter(Boolean).join("; ")}); not merged`);
  }
  const changes = updateContentFor(e.table, master.row, sub.row);
  const { children, unreadable } = await port.children(e.table, r.subordinateId);
  await writeMergeIntent(g, runId, { entry: e, masterId: r.masterId, subordinateId: r.subordinateId, subordinate: sub.row, changes, children, unreadable, masterEtag: master.etag });
  await o.afterChunk?.({ chunk: 0, phase: "written" });
  try {
    await port.merge({ table: e.table, targetId: r.masterId, subordinateId: r.subordinateId, updateContent: await bodyOf(g, changes, "after"), performParentingChecks: o.plan.performParentingChecks === true });
  } catch (err) {
    if (!(err instanceof DataverseError)) throw err;
    if (err.code === NOT_ACTIVE && mergedInto(await port.readFull(e.table, r.subordinateId), r.masterId)) {
      // our own Merge whose reply was lost
    } else {
      return { u: { id, outcome: "failed", errorCode: err.code ?? String(err.status ?? ""), detail: err.message }, journaled: true };
    }
  }
  const etag = await etagNow(g, e.table, r.masterId);
  if (etag) ownEtag.set(r.masterId, etag);
  const note = unreadable.length ? `; not journaled (you cannot read them): ${unreadable.join(", ")}` : "";
  return { u: { id, outcome: "applied", etagAfter: etag, errorCode: null, detail: `${children.length} children re-parented, ${changes.length} master columns filled${note}` }, journaled: true };
}

export async function applyMergePlan(o: ApplyOptions): Promise<FixRunResult> {
  const g = o.gateway;
  mergePortOf(g);
  const me = await g.whoAmI();
  if (o.approverMustDiffer && me.userId.toLowerCase() === o.plan.proposedBy.toLowerCase()) {
    throw new FixApprovalError("this organisation requires a second person: the plan was proposed by you, so someone else must approve and apply it (vit_FixApproverMustDiffer)");
  }
  const runId = runIdOf(o.plan.planId);
  const resumed = await startRun(o, runId, me.userId);
  const journaled = resumed ? await readMergeEntries(g, runId) : [];
  const state = new Map(journaled.map((j) => [j.key, j.outcome]));
  const ownEtag = new Map<string, string>();
  for (const j of journaled) if (j.outcome === "applied" && j.etagAfter) ownEtag.set(j.masterId, j.etagAfter);
  const included = (o.plan.merges ?? []).filter((m) => m.include);
  const tally: Partial<Record<EntryOutcome, number>> = {};
  let cancelled = false;
  for (const [i, e] of included.entries()) {
    const before = state.get(e.key);
    if (before && before !== "pending") {
      tally[before] = (tally[before] ?? 0) + 1;
      continue;
    }
    if (o.signal?.aborted) {
      cancelled = true;
      break;
    }
    const { u, journaled: written } = await mergeOne(o, runId, e, before !== undefined, ownEtag);
    // a merge that was not sent still gets an entry, so the run lists why
    if (!written) await writeMergeIntent(g, runId, { entry: e, ...rolesOf(e), subordinate: {}, changes: [], children: [], unreadable: [] });
    await updateEntries(g, [u]);
    tally[u.outcome] = (tally[u.outcome] ?? 0) + 1;
    o.onProgress?.({ runId, phase: "records", done: i + 1, total: included.length, outcomes: tally });
    await o.afterChunk?.({ chunk: i, phase: "completed" });
  }
  return finishRun(o, runId, resumed, cancelled ? "cancelled" : undefined);
}
