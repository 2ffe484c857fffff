/**
 * Parallel workers, the run: a full audit split into partitions (partitions.ts) that workers
 * (workers.ts) claim and run — worker processes this machine starts (`vitals audit --partitions N
 * --workers M`), `vitals runner` replicas, and this process itself once its own workers are done.
 * The run opens as any audit does (one audit per scope), plans and creates its partitions, waits
 * until every partition has completed (taking over any whose lease ended), adds their aggregates
 * together — sums and counts, so the result is what one process gives — and completes with the
 * same finish step as a single-process run (coverage, Dataverse's duplicate rules, the run row).
 *
 * Only full runs are split: an incremental run reads about 1 % of the records, which one process
 * does faster than it could plan partitions.
 *
 * Failure modes: a partition that failed fails the run with its name and error (the partition keeps
 * its checkpoint); cancellation (signal) cancels the run; errors before the run row exists throw.
 */
import { compilePack } from "../engine/score";
import { mergeAggregates } from "./aggregates";
import { estimateTotal, openRun, RunTracker, type RunStart } from "./checkpoint";
import { completeRun, stopRun } from "./finish";
import { RUN_STATUS } from "./model";
import { createPartitions, partitionOutcome, planPartitions, readPartitions, type PartitionRow } from "./partitions";
import { planAudit } from "./plan";
import { parseScopeKey } from "./scope";
import { AuditCancelledError, type AuditOptions, type AuditResult } from "./types";
import { claimable, workPartitions, type WorkerOptions } from "./workers";

export interface PartitionedAuditOptions extends AuditOptions {
  /** How many partitions to split the run into (about; at least one per table). */
  partitions: number;
  /** This process as a worker: its id and lease. */
  workerId: string;
  leaseMs?: number;
  /** How often to look at the partitions while others work on them; default 5 s. */
  pollMs?: number;
  /**
   * Starts this machine's worker processes for the run; resolves when they have exited. While they
   * run, this process only watches; afterwards it finishes what is left itself.
   */
  startWorkers?: (runId: string) => Promise<void>;
  log?: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

/** Runs a full audit split into partitions; resolves with the whole run's result. */
export async function runPartitionedAudit(o: PartitionedAuditOptions): Promise<AuditResult> {
  if (o.mode !== "full") throw new Error("only full audits are split into partitions; run incremental audits in one process");
  if (o.resume) throw new Error("a run split into partitions is resumed by starting workers on it (vitals runner, or vitals audit-worker --run <id>)");
  const { gateway, scope } = o;
  const compiled = compilePack(o.pack);
  const start: RunStart = { at: Date.now(), stats: gateway.stats() };
  if (scope.tables.length === 0) throw new Error("the audit scope names no table");
  const plans = await planAudit(gateway, compiled, scope);
  const opened = await openRun(o);
  const run = new RunTracker(gateway, opened, start, await estimateTotal(gateway, "full", scope), plans.length, o.onProgress);
  try {
    const me = await gateway.whoAmI();
    const specs = await planPartitions(gateway, scope, o.partitions);
    await createPartitions(gateway, { runId: run.runId, name: `Full audit ${opened.startedOn.slice(0, 16).replace("T", " ")}`, startedOn: opened.startedOn, packKey: opened.packKey, userId: me.userId }, scope, specs);
    o.log?.(`run ${run.runId}: ${specs.length} partitions (${specs.map((p) => `${p.table} ${p.records}`).join(", ")})`);
    await waitForPartitions(o, run);
    await combinePartitions(o, run);
    return await completeRun(run, o, plans, compiled);
  } catch (err) {
    return await stopRun(run, o, err);
  }
}

/** Until every partition has completed: watch while this machine's workers run, then work on what is left. */
async function waitForPartitions(o: PartitionedAuditOptions, run: RunTracker): Promise<void> {
  let helpersDone = !o.startWorkers;
  const helpers = o.startWorkers?.(run.runId).finally(() => (helpersDone = true));
  let lastSave = 0;
  const worker: WorkerOptions = { gateway: o.gateway, runId: run.runId, pack: o.pack, workerId: o.workerId, leaseMs: o.leaseMs, log: o.log, audit: { pageSize: o.pageSize, duplicates: o.duplicates, signal: o.signal, afterPage: o.afterPage } };
  for (;;) {
    if (o.signal?.aborted) throw new AuditCancelledError();
    const parts = await readPartitions(o.gateway, run.runId);
    const failed = parts.find((p) => p.status === RUN_STATUS.failed || p.status === RUN_STATUS.cancelled);
    if (failed) throw new Error(`partition "${failed.name}" (run ${failed.id}) ${failed.status === RUN_STATUS.failed ? `failed: ${failed.error ?? "no error recorded"}` : "was cancelled"}`);
    if (await showProgress(run, parts, lastSave)) lastSave = Date.now();
    if (parts.every((p) => p.status === RUN_STATUS.completed)) break;
    if (helpersDone && parts.some((p) => claimable(p, Date.now()))) await workPartitions(worker);
    else await sleep(o.pollMs ?? 5000);
  }
  await helpers;
}

/** The run row shows how far its partitions are, and is written at least every minute so it is not taken as abandoned (exclusive.ts). */
async function showProgress(run: RunTracker, parts: readonly PartitionRow[], lastSave: number): Promise<boolean> {
  const scanned = parts.reduce((n, p) => n + p.scanned, 0);
  if (scanned === run.cp.scanned && Date.now() - lastSave < 60_000) return false;
  run.cp.scanned = scanned;
  run.cp.changed = parts.reduce((n, p) => n + p.changed, 0);
  await run.saveCheckpoint();
  run.progress("records", null);
  return true;
}

/** The partitions' aggregates, counters and requests, added into the run. */
async function combinePartitions(o: PartitionedAuditOptions, run: RunTracker): Promise<void> {
  const parts = await readPartitions(o.gateway, run.runId);
  const cp = run.cp;
  cp.scanned = 0;
  cp.changed = 0;
  cp.readByTable = {};
  for (const p of parts) {
    const out = await partitionOutcome(o.gateway, p.id);
    mergeAggregates(run.state, out.state);
    const table = parseScopeKey(p.row.vit_scope)?.tables[0] ?? "";
    cp.readByTable[table] = (cp.readByTable[table] ?? 0) + out.readable;
    cp.scanned += p.scanned;
    cp.changed += p.changed;
    cp.retired += out.retired;
    cp.requests += p.requests;
    cp.throttled += p.throttled;
  }
}
