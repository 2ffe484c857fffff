/**
 * Parallel workers, the worker: claims a partition of a run (partitions.ts) with an `If-Match`
 * update of its row that sets a lease (vit_claimedby, vit_claimeduntil), runs it as an audit of
 * its own scope resumed from its checkpoint, and takes the next one until none is left to claim.
 * Every checkpoint the partition writes renews the lease. A worker that dies stops renewing; once
 * its lease has ended another worker claims the partition and resumes it from its last checkpoint,
 * redoing the page whose writes may be missing (health rows are upserts by alternate key and the
 * checkpoint counts each page once, so nothing is written or counted twice).
 *
 * Leases are compared with this machine's clock; keep worker clocks in sync (NTP) and the lease
 * well above the longest page.
 *
 * A worker whose lease ran out while it still lived finds the row changed at its next write
 * (runrow.ts, If-Match) and leaves the partition to the worker that took it.
 *
 * Failure modes: a partition whose audit fails is marked failed (its run then fails, naming it)
 * and the error is rethrown; a partition claimed by another worker first (412) is skipped; a run
 * that is not found, not running, or was started with another rule pack is refused with a message.
 */
import type { RulePack } from "../engine/pack/types";
import { etagOf, type DataverseGateway } from "../dataverse/gateway";
import { updateIfUnchanged } from "../dataverse/ownwrite";
import { f } from "../dataverse/requests";
import { createDuplicateFinder } from "./duplicates";
import { RUN_STATUS, str } from "./model";
import { readPartitions, type PartitionRow } from "./partitions";
import { RunRowChangedError } from "./runrow";
import { packVersionKey } from "./plan";
import { parseScopeKey } from "./scope";
import { runAudit } from "./run";
import type { AuditOptions, AuditResult } from "./types";

/** How long a claim holds without a checkpoint renewing it. */
export const DEFAULT_PARTITION_LEASE_MS = 10 * 60_000;

export interface WorkerOptions {
  gateway: DataverseGateway;
  /** The run whose partitions to work on. */
  runId: string;
  pack: RulePack;
  /** Who claims (shown on the partition): e.g. host and process id. */
  workerId: string;
  leaseMs?: number;
  /** Passed on to every partition's audit. */
  audit?: Pick<AuditOptions, "pageSize" | "duplicates" | "afterPage" | "signal" | "onProgress">;
  log?: (line: string) => void;
}

/** A partition nobody holds: never claimed, or its lease has ended. */
export function claimable(p: PartitionRow, nowMs: number): boolean {
  return p.status === RUN_STATUS.running && (!p.claimedUntil || Date.parse(p.claimedUntil) <= nowMs);
}

/**
 * Takes `p` for this worker; false when another worker changed the row first (412). A claim
 * retried after a dropped connection that finds its own first attempt is still this worker's.
 */
async function claim(o: WorkerOptions, p: PartitionRow): Promise<boolean> {
  const until = new Date(Date.now() + (o.leaseMs ?? DEFAULT_PARTITION_LEASE_MS)).toISOString();
  const out = await updateIfUnchanged(o.gateway, "vit_auditrun", "vit_auditrunid", p.id, { vit_claimedby: o.workerId.slice(0, 200), vit_claimeduntil: until }, etagOf(p.row));
  return out.written;
}

/** The run's clock and pack, as its row says: every partition is scored at the run's "now" with its pack. */
async function runContext(o: WorkerOptions): Promise<{ now: Date }> {
  const row = await o.gateway.retrieveRecord("vit_auditrun", o.runId, ["vit_status", "vit_startedon", "vit_rulepackversion"]);
  if (!row) throw new Error(`audit run ${o.runId} was not found`);
  if (row.vit_status !== RUN_STATUS.running) throw new Error(`audit run ${o.runId} is not running; its partitions are not worked on`);
  const packKey = packVersionKey(o.pack);
  if (str(row.vit_rulepackversion) !== packKey) throw new Error(`audit run ${o.runId} was started with rule pack ${String(row.vit_rulepackversion)}, this worker has ${packKey}; start it with the same pack`);
  return { now: new Date(String(row.vit_startedon)) };
}

/** Works on the run's partitions until none is left to claim; returns what each partition's audit gave. */
export async function workPartitions(o: WorkerOptions): Promise<AuditResult[]> {
  const log = o.log ?? ((): void => undefined);
  const { now } = await runContext(o);
  const leaseMs = o.leaseMs ?? DEFAULT_PARTITION_LEASE_MS;
  // One matcher per worker: partitions of a table share its whole-table duplicate pass.
  const duplicates = o.audit?.duplicates ?? createDuplicateFinder(o.gateway, { region: o.pack.defaultRegion });
  const results: AuditResult[] = [];
  for (;;) {
    if (o.audit?.signal?.aborted) break;
    const open = (await readPartitions(o.gateway, o.runId)).filter((p) => claimable(p, Date.now()));
    if (open.length === 0) break;
    let taken: PartitionRow | undefined;
    for (const p of open) {
      if (await claim(o, p)) {
        taken = p;
        break;
      }
    }
    if (!taken) continue;
    const scope = parseScopeKey(taken.row.vit_scope);
    if (!scope) throw new Error(`partition ${taken.id} has no scope`);
    log(`${o.workerId}: ${taken.claimedBy ? `taking over from ${taken.claimedBy}` : "starting"} ${taken.name}`);
    let result: AuditResult;
    try {
      result = await runAudit({
      ...o.audit,
      gateway: o.gateway,
      pack: o.pack,
      scope,
      mode: "full",
      now,
      resume: taken.id,
      duplicates,
      checkpointColumns: () => ({ vit_claimeduntil: new Date(Date.now() + leaseMs).toISOString() }),
      });
    } catch (err) {
      // Our lease ran out and another worker took the partition over (its claim changed the row): it finishes it.
      if (!(err instanceof RunRowChangedError)) throw err;
      log(`${o.workerId}: ${taken.name} was taken over by another worker; leaving it to them`);
      continue;
    }
    log(`${o.workerId}: ${taken.name} ${result.status}: ${result.recordsScanned} records, ${result.recordsChanged} health rows written`);
    results.push(result);
  }
  return results;
}

/** Runs with partitions left to claim (a `vitals runner` replica joins them before its schedules). */
export async function runsWithOpenPartitions(gateway: DataverseGateway): Promise<string[]> {
  const runs = new Set<string>();
  const filter = f.and(f.eq("vit_status", RUN_STATUS.running), f.notNull("_vit_parentrun_value"));
  for await (const page of gateway.streamTable({ table: "vit_auditrun", columns: ["_vit_parentrun_value", "vit_claimeduntil"], filter })) {
    for (const r of page.rows) {
      const until = str(r.vit_claimeduntil);
      if (!until || Date.parse(until) <= Date.now()) runs.add(String(r._vit_parentrun_value));
    }
  }
  return [...runs];
}
