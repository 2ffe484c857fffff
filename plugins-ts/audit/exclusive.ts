/**
 * One audit per scope at a time. Two audits whose scopes overlap (a table in common, and owner or
 * business-unit filters that do not rule each other out) would overwrite each other's health rows
 * and aggregates, so a new run is refused while an overlapping one is running. The check is made
 * twice: before the new run row is created (the usual refusal) and right after (two audits
 * starting in the same instant both see each other; the later row — by creation time, then id —
 * withdraws), so exactly one of them goes on. The second read goes in the `$batch` that creates
 * the row, after the create (checkpoint.ts; a batch runs in order), so it sees the new row.
 *
 * A run left "running" by a killed process does not block forever: a run whose row has not been
 * touched (each page saves a checkpoint) for `STALE_RUN_MS` counts as abandoned; it can still be
 * resumed.
 *
 * Failure modes: `AuditBusyError`, naming the running run, its scope and how to resume or wait.
 */
import type { DataverseGateway, StreamTableOptions, TablePage } from "../dataverse/gateway";
import { f } from "../dataverse/requests";
import { RUN_STATUS, str } from "./model";
import { parseScopeKey } from "./scope";
import type { AuditScope } from "./types";

/** A running run whose row has not changed for this long is taken as abandoned. */
export const STALE_RUN_MS = 30 * 60_000;

export class AuditBusyError extends Error {
  constructor(
    readonly runningRunId: string,
    readonly runningName: string,
    readonly runningScope: AuditScope,
  ) {
    super(
      `another audit of an overlapping scope is running: "${runningName}" (run ${runningRunId}, tables ${runningScope.tables.join(", ")}); ` +
        `wait for it to finish, or resume it with --resume ${runningRunId} if its process stopped`,
    );
    this.name = "AuditBusyError";
  }
}

const FILTERS = ["ownerId", "teamId", "businessUnitId"] as const;

/** Whether two scopes can contain the same record. */
export function scopesOverlap(a: AuditScope, b: AuditScope): boolean {
  if (!a.tables.some((t) => b.tables.includes(t))) return false;
  for (const k of FILTERS) {
    const x = a[k]?.toLowerCase();
    const y = b[k]?.toLowerCase();
    if (x && y && x !== y) return false;
  }
  // A record is owned by a user or by a team, never both.
  if ((a.ownerId && b.teamId) || (a.teamId && b.ownerId)) return false;
  return true;
}

interface RunningRun {
  id: string;
  name: string;
  scope: AuditScope;
  createdOn: string;
}

/** The read of the runs in progress (those whose row changed within STALE_RUN_MS). */
export function runningRunsQuery(): StreamTableOptions {
  // Row times are Dataverse's clock: compare with this machine's, not with an audit's (possibly simulated) "now".
  const fresh = new Date(Date.now() - STALE_RUN_MS);
  const filter = f.and(f.eq("vit_status", RUN_STATUS.running), f.ge("modifiedon", fresh));
  return { table: "vit_auditrun", columns: ["vit_name", "vit_scope", "createdon", "_vit_parentrun_value"], filter, orderBy: ["createdon asc"], pageSize: 50 };
}

async function runningOverlapping(gateway: DataverseGateway, scope: AuditScope, pages: AsyncIterable<TablePage> = gateway.streamTable(runningRunsQuery())): Promise<RunningRun[]> {
  const out: RunningRun[] = [];
  for await (const page of pages) {
    for (const r of page.rows) {
      const id = String(r.vit_auditrunid).toLowerCase();
      // A partition (partitions.ts) is covered by its run, which is running too.
      if (r._vit_parentrun_value) continue;
      const other = parseScopeKey(r.vit_scope);
      if (!other || !scopesOverlap(scope, other)) continue;
      out.push({ id, name: str(r.vit_name) ?? id, scope: other, createdOn: str(r.createdon) ?? "" });
    }
  }
  return out;
}

/** Refuses a new audit while an overlapping one runs. */
export async function refuseIfBusy(gateway: DataverseGateway, scope: AuditScope): Promise<void> {
  const [running] = await runningOverlapping(gateway, scope);
  if (running) throw new AuditBusyError(running.id, running.name, running.scope);
}

/**
 * After creating run `runId`: the overlapping run created first keeps going; a later one gets
 * AuditBusyError. `pages`: the runs in progress as read with the create (runningRunsQuery, in the
 * same `$batch` after it: gateway.writeFirst), so the new row is among them.
 */
export async function confirmExclusive(gateway: DataverseGateway, scope: AuditScope, runId: string, pages?: AsyncIterable<TablePage>): Promise<void> {
  const all = await runningOverlapping(gateway, scope, pages);
  const id = runId.toLowerCase();
  const mine = all.find((o) => o.id === id);
  if (!mine) return;
  const earlier = all.find((o) => o.id !== id && (o.createdOn < mine.createdOn || (o.createdOn === mine.createdOn && o.id < id)));
  if (earlier) throw new AuditBusyError(earlier.id, earlier.name, earlier.scope);
}
