/**
 * Phase 2 of an audit, resume and checkpoint: a run is either found again (an interrupted one, by
 * id or the latest of its scope, with its checkpoint and aggregates) or opened as a new
 * vit_auditrun row (incremental runs start from the last completed run's aggregates, or fall back to
 * a full run and say why). While the run goes, `RunTracker` counts its requests, reports progress
 * and saves the checkpoint after every page (first in the `$batch` of the page's health rows).
 *
 * Failure modes: a new run while an audit of an overlapping scope is running is refused
 * (AuditBusyError, exclusive.ts; resuming is not checked); a run to resume that completed, audited
 * another scope, has no checkpoint or was started with another rule pack is refused with a message
 * naming it; a run row that cannot be created or a
 * checkpoint that cannot be saved throws (the caller records the run as failed).
 */
import { etagOf, type DataverseGateway, type GatewayStats, type Row, type TablePage, type Upserts, type WriteOutcome } from "../dataverse/gateway";
import { f, guid } from "../dataverse/requests";
import { emptyAggregates, type AggregateState } from "./aggregates";
import { AuditBusyError, confirmExclusive, refuseIfBusy, runningRunsQuery } from "./exclusive";
import { HEALTH_FORMAT, RUN_BY_BIND, RUN_MODE, RUN_STATUS, str } from "./model";
import { packVersionKey } from "./plan";
import { scopeKey } from "./scope";
import { RunRowChangedError, RunRowWriter } from "./runrow";
import type { AuditOptions, AuditPhase, AuditProgress, AuditScope, RunCheckpoint } from "./types";

/** How much earlier than the last run's start an incremental run looks for modified records. */
export const CLOCK_SKEW_MARGIN_MS = 15 * 60_000;

/** When the run started on this machine and the gateway's counters then (requests before the run row exist count too). */
export interface RunStart {
  at: number;
  stats: GatewayStats;
}

/** A run found again or newly opened: where it stands. */
export interface OpenedRun {
  runId: string;
  cp: RunCheckpoint;
  state: AggregateState;
  resumed: boolean;
  fullBecause?: string;
  startedOn: string;
  packKey: string;
  /** The run row's version after this process's last write (null: read it before the next write). */
  etag: string | null;
}

/** Resumes the run `opts.resume` names, or opens a new one (incremental falls back to full when it must). */
export async function openRun(opts: AuditOptions): Promise<OpenedRun> {
  const { gateway, pack, scope } = opts;
  const nowIso = opts.now.toISOString();
  const packKey = packVersionKey(pack);
  const key = scopeKey(scope);
  if (opts.resume) {
    const run = await findRunToResume(gateway, opts.resume, key, packKey);
    return { runId: run.id, cp: run.checkpoint, state: run.state, resumed: true, startedOn: run.startedOn, packKey, etag: run.etag };
  }
  let mode = opts.mode;
  let since: string | null = null;
  let fullBecause: string | undefined;
  let state = emptyAggregates();
  // Who is auditing, the last completed run and the runs in progress, read together (one $batch,
  // WhoAmI in it: webapi/coalesce.ts); a busy scope is refused before the run row exists.
  const [me, last] = await Promise.all([gateway.whoAmI(), mode === "incremental" ? lastCompletedRun(gateway, key) : null, refuseIfBusy(gateway, scope)]);
  if (mode === "incremental") {
    if (!last) {
      mode = "full";
      fullBecause = "no completed audit of this scope exists yet";
    } else if (last.packKey !== packKey) {
      mode = "full";
      fullBecause = `the rule pack changed since the last audit (${last.packKey} → ${packKey})`;
    } else if ((last.healthFormat ?? 1) < HEALTH_FORMAT) {
      mode = "full";
      fullBecause = "the last audit's health rows have no duplicate match keys yet (written by an earlier version of CRM Vitals)";
    } else {
      // Records modified since the last run started, with a margin for clock skew between this
      // machine and Dataverse (re-scoring a few unchanged records costs nothing: fingerprints skip their writes).
      since = new Date(Date.parse(last.startedOn) - CLOCK_SKEW_MARGIN_MS).toISOString();
      state = last.state;
    }
  }
  const cp = newCheckpoint(mode, since);
  // The run row, and the runs in progress read again right after it in the same $batch (a batch
  // runs in order: the read sees the new row; it is not made when the create failed).
  const created = await gateway.writeFirst(
    {
      op: "create",
      table: "vit_auditrun",
      row: {
        vit_name: `${mode === "full" ? "Full" : "Incremental"} audit ${nowIso.slice(0, 16).replace("T", " ")} (${scope.tables.join(", ")})`,
        vit_mode: RUN_MODE[mode],
        vit_status: RUN_STATUS.running,
        vit_scope: key,
        vit_startedon: nowIso,
        vit_rulepackversion: packKey,
        vit_checkpoint: JSON.stringify({ checkpoint: cp, state }),
        [RUN_BY_BIND]: `/systemusers(${me.userId})`,
      },
    },
    { stream: runningRunsQuery() },
  );
  const outcome = created.first;
  if (!outcome.ok || !outcome.id) throw new Error(`could not create the audit run row: ${!outcome.ok ? outcome.error.message : "no id returned"}`);
  const row = new RunRowWriter(gateway, outcome.id, outcome.etag ?? null);
  await withdrawIfNotFirst(gateway, scope, row, created.pages ?? undefined);
  return { runId: outcome.id, cp, state, resumed: false, fullBecause, startedOn: nowIso, packKey, etag: outcome.etag ?? null };
}

/** Where a new run stands: at the start of its first table. */
export function newCheckpoint(mode: "full" | "incremental", since: string | null): RunCheckpoint {
  return { v: 1, mode, since, tableIndex: 0, phase: "records", stream: null, redo: null, scanned: 0, changed: 0, retired: 0, pages: 0, requests: 0, throttled: 0, readByTable: {} };
}

/** Two audits of overlapping scopes started at once: the later one marks its row cancelled and is refused. */
async function withdrawIfNotFirst(gateway: DataverseGateway, scope: AuditScope, row: RunRowWriter, pages?: AsyncIterable<TablePage>): Promise<void> {
  try {
    await confirmExclusive(gateway, scope, row.runId, pages);
  } catch (err) {
    if (!(err instanceof AuditBusyError)) throw err;
    await row.write({ vit_status: RUN_STATUS.cancelled, vit_error: err.message.slice(0, 4000), vit_checkpoint: null });
    throw err;
  }
}

/** A run in progress: its counters, its progress reports and its checkpoint. */
export class RunTracker {
  readonly runId: string;
  readonly cp: RunCheckpoint;
  readonly state: AggregateState;
  /** Pages counted in the last saved checkpoint. */
  savedPages: number;
  /** The run row, written only with If-Match on this process's last version of it. */
  readonly row: RunRowWriter;

  constructor(
    private readonly gateway: DataverseGateway,
    readonly opened: OpenedRun,
    readonly start: RunStart,
    private readonly estimated: number | null,
    private readonly tables: number,
    private readonly onProgress?: (p: AuditProgress) => void,
    /** More columns for every checkpoint write (a partition's lease, partitions.ts). */
    private readonly checkpointColumns?: () => Row,
  ) {
    this.runId = opened.runId;
    this.cp = opened.cp;
    this.state = opened.state;
    this.savedPages = opened.cp.pages;
    this.row = new RunRowWriter(gateway, opened.runId, opened.etag);
  }

  requestsSoFar(): number {
    return this.cp.requests + this.gateway.stats().requests - this.start.stats.requests;
  }

  throttledSoFar(): number {
    return this.cp.throttled + this.gateway.stats().throttled - this.start.stats.throttled;
  }

  /** Retries after transient failures (every retry that was not a 429), over all attempts of this run. */
  retriedSoFar(): number {
    const s = this.gateway.stats();
    return (this.cp.retried ?? 0) + (s.retries - this.start.stats.retries) - (s.throttled - this.start.stats.throttled);
  }

  /** The caller's clock moved on by the time this machine spent on the run. */
  finishedOn(now: Date): string {
    return new Date(now.getTime() + (Date.now() - this.start.at)).toISOString();
  }

  progress(phase: AuditPhase, table: string | null): void {
    if (!this.onProgress) return;
    const s = this.gateway.stats();
    const elapsed = Date.now() - this.start.at;
    const total = this.estimated;
    const done = this.cp.scanned;
    this.onProgress({
      runId: this.runId,
      phase,
      table,
      tableIndex: this.cp.tableIndex,
      tables: this.tables,
      pages: this.cp.pages,
      recordsScanned: done,
      recordsChanged: this.cp.changed,
      estimatedTotal: total,
      requests: this.cp.requests + s.requests - this.start.stats.requests,
      throttled: this.cp.throttled + s.throttled - this.start.stats.throttled,
      throttleWaitMs: s.throttleWaitMs - this.start.stats.throttleWaitMs,
      elapsedMs: elapsed,
      etaMs: total && done > 0 && done < total ? Math.round((elapsed / done) * (total - done)) : null,
    });
  }

  /**
   * Saves the checkpoint; with `then`, the upserts go after it in the same `$batch` and run only
   * once it is saved (runrow.ts writeThen): their outcomes, or null when they were not sent with it.
   */
  async saveCheckpoint(then?: Upserts): Promise<WriteOutcome[] | null> {
    const cp = this.cp;
    this.savedPages = cp.pages;
    const patch: Row = {
      vit_checkpoint: JSON.stringify({ checkpoint: { ...cp, requests: this.requestsSoFar(), throttled: this.throttledSoFar(), retried: this.retriedSoFar() }, state: this.state }),
      vit_recordsscanned: cp.scanned,
      vit_recordschanged: cp.changed,
      vit_requestsmade: this.requestsSoFar(),
      vit_throttledcount: this.throttledSoFar(),
      ...this.checkpointColumns?.(),
    };
    if (then) return this.row.writeThen(patch, then);
    await this.row.write(patch);
    return null;
  }
}

interface StoredRun {
  id: string;
  startedOn: string;
  packKey: string;
  state: AggregateState;
  checkpoint: RunCheckpoint;
  etag: string | null;
  /** The format of the health rows the run left (model.ts HEALTH_FORMAT; 1 before it was recorded). */
  healthFormat?: number;
}

export async function lastCompletedRun(gateway: DataverseGateway, key: string): Promise<StoredRun | null> {
  // vit_scope is multiline text, which $filter cannot compare: match it here, newest first.
  for await (const page of gateway.streamTable({
    table: "vit_auditrun",
    columns: ["vit_startedon", "vit_rulepackversion", "vit_aggregates", "vit_scope"],
    filter: f.eq("vit_status", RUN_STATUS.completed),
    orderBy: ["vit_startedon desc"],
    pageSize: 50,
  })) {
    for (const r of page.rows) {
      if (r.vit_scope !== key) continue;
      const agg = str(r.vit_aggregates);
      if (!agg) continue;
      const parsed = JSON.parse(agg) as { state?: AggregateState; healthFormat?: number };
      if (!parsed.state) continue;
      const healthFormat = typeof parsed.healthFormat === "number" ? parsed.healthFormat : 1;
      return { id: String(r.vit_auditrunid), startedOn: String(r.vit_startedon), packKey: String(r.vit_rulepackversion), state: parsed.state, checkpoint: undefined as never, etag: null, healthFormat };
    }
  }
  return null;
}

async function findRunToResume(gateway: DataverseGateway, which: string, key: string, packKey: string): Promise<StoredRun> {
  // A run left "running" (its process was killed) or "failed" (it stopped on an error) keeps its checkpoint.
  const filter = which === "latest" ? f.in("vit_status", [RUN_STATUS.running, RUN_STATUS.failed]) : f.eq("vit_auditrunid", guid(which));
  for await (const page of gateway.streamTable({
    table: "vit_auditrun",
    columns: ["vit_startedon", "vit_rulepackversion", "vit_checkpoint", "vit_status", "vit_scope", "versionnumber"],
    filter,
    orderBy: ["vit_startedon desc"],
    pageSize: 50,
  })) {
    for (const r of page.rows) {
      const id = String(r.vit_auditrunid);
      if (which === "latest" && (r.vit_scope !== key || !str(r.vit_checkpoint))) continue;
      if (r.vit_status === RUN_STATUS.completed) throw new Error(`audit run ${id} has already completed; start a new audit`);
      if (r.vit_scope !== key) throw new Error(`audit run ${id} audited another scope (${String(r.vit_scope)}); resume it with that scope`);
      const text = str(r.vit_checkpoint);
      if (!text) throw new Error(`audit run ${id} has no checkpoint to resume from`);
      const runPack = String(r.vit_rulepackversion);
      if (runPack !== packKey) throw new Error(`run ${id} was started with rule pack ${runPack}; resume it with the same pack, or start a new audit`);
      const saved = JSON.parse(text) as { checkpoint: RunCheckpoint; state: AggregateState };
      // Taking the run over is itself conditional: of two processes resuming it at once, one wins.
      const row = new RunRowWriter(gateway, id, etagOf(r));
      try {
        await row.write({ vit_status: RUN_STATUS.running, vit_error: null });
      } catch (err) {
        if (err instanceof RunRowChangedError) throw new Error(`audit run ${id} was taken over by another process at the same moment; it resumes there`);
        throw err;
      }
      return { id, startedOn: String(r.vit_startedon), packKey: String(r.vit_rulepackversion), state: saved.state, checkpoint: saved.checkpoint, etag: row.version };
    }
    break;
  }
  throw new Error(which === "latest" ? "there is no interrupted audit of this scope to resume" : `audit run ${which} was not found`);
}

/** Expected records of a full run: what the last completed run of the scope counted (unknown for incremental runs). */
export async function estimateTotal(gateway: DataverseGateway, mode: "full" | "incremental", scope: AuditScope): Promise<number | null> {
  if (mode !== "full") return null;
  const last = await lastCompletedRun(gateway, scopeKey(scope));
  return last ? last.state.overall.records : null;
}
