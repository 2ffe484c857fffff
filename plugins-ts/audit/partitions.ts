/**
 * Parallel workers, the plan and the rows: a full audit run split into partitions, each one table
 * × a `createdon` range, sized from record counts so partitions hold about as many records each.
 * A partition is a `vit_auditrun` row of its own (its scope is the run's scope with the range, its
 * lookup vit_parentrun points at the run), so it checkpoints, resumes and records its aggregates
 * exactly as a whole audit does, and an admin finds it next to its run. Its lease is two columns
 * (vit_claimedby, vit_claimeduntil), claimed with `If-Match` (workers.ts).
 *
 * Ranges are half-open [from, to) and the first and last of a table are open-ended, so every
 * record — including one created while the run goes — falls in exactly one partition.
 *
 * Failure modes: a count or a bound that cannot be read throws (nothing is created yet); partition
 * rows that cannot be created throw with the first error (the caller marks the run failed).
 */
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { f, guid } from "../dataverse/requests";
import { emptyAggregates, type AggregateState } from "./aggregates";
import { newCheckpoint } from "./checkpoint";
import { RUN_BY_BIND, RUN_MODE, RUN_PARENT_BIND, RUN_STATUS, str } from "./model";
import { scopeFilter } from "./plan";
import { scopeKey } from "./scope";
import type { AuditScope } from "./types";

/** One table × a createdon range, and how many records it held when it was planned. */
export interface PartitionSpec {
  table: string;
  from: string | null;
  to: string | null;
  records: number;
}

/** Time slices counted per partition wanted: finer slices give partitions of more even size. */
const SLICES_PER_PARTITION = 4;

/** The scope one partition audits. */
export function partitionScope(scope: AuditScope, p: Pick<PartitionSpec, "table" | "from" | "to">): AuditScope {
  return { ...scope, tables: [p.table], createdOn: { from: p.from, to: p.to } };
}

/** `n` partitions over the tables in scope, in proportion to their records (at least one per table). */
export async function planPartitions(gateway: DataverseGateway, scope: AuditScope, n: number): Promise<PartitionSpec[]> {
  const counts = await Promise.all(scope.tables.map(async (t) => (await gateway.coverage(t, scopeFilter(scope))).readable));
  const total = counts.reduce((a, b) => a + b, 0);
  const out: PartitionSpec[] = [];
  for (let i = 0; i < scope.tables.length; i++) {
    const k = total === 0 ? 1 : Math.max(1, Math.round((n * counts[i]) / total));
    out.push(...(await splitTable(gateway, scope, scope.tables[i], counts[i], k)));
  }
  return out;
}

/** One table cut into `k` createdon ranges of about equal counts (fewer when its records are few or bunched). */
async function splitTable(gateway: DataverseGateway, scope: AuditScope, table: string, count: number, k: number): Promise<PartitionSpec[]> {
  const whole: PartitionSpec = { table, from: null, to: null, records: count };
  if (k <= 1 || count < k) return [whole];
  const [first, last] = await Promise.all([createdBound(gateway, scope, table, "asc"), createdBound(gateway, scope, table, "desc")]);
  if (first === null || last === null || last <= first) return [whole];
  const slices = k * SLICES_PER_PARTITION;
  const width = (last + 1 - first) / slices;
  const edges = Array.from({ length: slices - 1 }, (_, i) => new Date(Math.round(first + (i + 1) * width)).toISOString());
  const sliceCounts = await Promise.all(
    Array.from({ length: slices }, (_, i) => countCreated(gateway, scope, table, i === 0 ? null : edges[i - 1], i === slices - 1 ? null : edges[i])),
  );
  const out: PartitionSpec[] = [];
  let from: string | null = null;
  let held = 0;
  let seen = 0;
  for (let i = 0; i < slices; i++) {
    held += sliceCounts[i];
    seen += sliceCounts[i];
    // Cut after this slice once the records so far reach the next share of the table.
    if (i < slices - 1 && held > 0 && seen >= ((out.length + 1) * count) / k && out.length < k - 1) {
      out.push({ table, from, to: edges[i], records: held });
      from = edges[i];
      held = 0;
    }
  }
  out.push({ table, from, to: null, records: held });
  return out;
}

async function createdBound(gateway: DataverseGateway, scope: AuditScope, table: string, dir: "asc" | "desc"): Promise<number | null> {
  for await (const page of gateway.streamTable({ table, columns: ["createdon"], filter: scopeFilter(scope), orderBy: [`createdon ${dir}`], pageSize: 1 })) {
    const v = str(page.rows[0]?.createdon);
    return v ? Date.parse(v) : null;
  }
  return null;
}

async function countCreated(gateway: DataverseGateway, scope: AuditScope, table: string, from: string | null, to: string | null): Promise<number> {
  return (await gateway.coverage(table, scopeFilter({ ...scope, createdOn: { from, to } }))).readable;
}

/** What a run passes on to its partitions. */
export interface PartitionParent {
  runId: string;
  name: string;
  startedOn: string;
  packKey: string;
  userId: string;
}

/** Creates one `vit_auditrun` row per partition, each ready to be claimed and run from its start. */
export async function createPartitions(gateway: DataverseGateway, parent: PartitionParent, scope: AuditScope, specs: readonly PartitionSpec[]): Promise<string[]> {
  const rows: Row[] = specs.map((p, i) => ({
    vit_name: `${parent.name} · partition ${i + 1}/${specs.length}: ${p.table} created ${p.from?.slice(0, 19) ?? "…"} to ${p.to?.slice(0, 19) ?? "…"}`.slice(0, 200),
    vit_mode: RUN_MODE.full,
    vit_status: RUN_STATUS.running,
    vit_scope: scopeKey(partitionScope(scope, p)),
    vit_startedon: parent.startedOn,
    vit_rulepackversion: parent.packKey,
    vit_checkpoint: JSON.stringify({ checkpoint: newCheckpoint("full", null), state: emptyAggregates() }),
    [RUN_PARENT_BIND]: `/vit_auditruns(${parent.runId})`,
    [RUN_BY_BIND]: `/systemusers(${parent.userId})`,
  }));
  const outcomes = await gateway.createMany("vit_auditrun", rows);
  const failed = outcomes.find((o) => !o.ok);
  if (failed && !failed.ok) throw new Error(`could not create the partitions of run ${parent.runId}: ${failed.error.message}`);
  return outcomes.map((o) => (o.ok ? String(o.id) : ""));
}

/** A partition as its row says: status, lease and counters. */
export interface PartitionRow {
  id: string;
  name: string;
  status: number;
  claimedBy: string | null;
  claimedUntil: string | null;
  scanned: number;
  changed: number;
  requests: number;
  throttled: number;
  error: string | null;
  /** The row as read, with its version (for `If-Match`). */
  row: Row;
}

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

/** The partitions of a run, in the order they were planned (by name). */
export async function readPartitions(gateway: DataverseGateway, runId: string): Promise<PartitionRow[]> {
  const out: PartitionRow[] = [];
  const columns = ["vit_name", "vit_status", "vit_scope", "vit_claimedby", "vit_claimeduntil", "vit_recordsscanned", "vit_recordschanged", "vit_requestsmade", "vit_throttledcount", "vit_error", "versionnumber"];
  for await (const page of gateway.streamTable({ table: "vit_auditrun", columns, filter: f.eq("_vit_parentrun_value", guid(runId)), orderBy: ["createdon asc"] })) {
    for (const r of page.rows) {
      const id = String(r.vit_auditrunid);
      out.push({
        id,
        name: str(r.vit_name) ?? id,
        status: num(r.vit_status),
        claimedBy: str(r.vit_claimedby),
        claimedUntil: str(r.vit_claimeduntil),
        scanned: num(r.vit_recordsscanned),
        changed: num(r.vit_recordschanged),
        requests: num(r.vit_requestsmade),
        throttled: num(r.vit_throttledcount),
        error: str(r.vit_error),
        row: r,
      });
    }
  }
  return out;
}

/** What a completed partition recorded (vit_aggregates): its aggregate state, records read and health rows retired. */
export interface PartitionOutcome {
  state: AggregateState;
  readable: number;
  retired: number;
}

export async function partitionOutcome(gateway: DataverseGateway, id: string): Promise<PartitionOutcome> {
  const row = await gateway.retrieveRecord("vit_auditrun", id, ["vit_aggregates"]);
  const text = str(row?.vit_aggregates);
  if (!text) throw new Error(`partition ${id} completed without aggregates`);
  const parsed = JSON.parse(text) as { state: AggregateState; coverage?: { readable: number }[]; retired?: number };
  return { state: parsed.state, readable: (parsed.coverage ?? []).reduce((n, c) => n + c.readable, 0), retired: parsed.retired ?? 0 };
}
