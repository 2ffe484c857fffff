/**
 * Writes in `$batch`es outside change sets, so one failure never rolls back the others: each item's
 * outcome in its place, transient item failures sent again in a later round, a batch dropped as a
 * whole sent again by the executor. Items say what a repeat may answer that still means success
 * (a create repeated after a dropped connection answers 412 for the row it already made).
 *
 * Failure modes: a batch size outside 1..1000 throws; with continueOnError off the write stops at
 * the first failed item and every later item is reported "not sent"; a cancelled signal reports
 * the unsent items as cancelled; a table off the write allow-list throws WriteGuardError (approved
 * fixes excepted, see ../gateway.ts).
 */
import type { DynamicsWebApi } from "dynamics-web-api";
import { DataverseError, toDataverseError } from "../errors";
import { assertWritable, type FixWriteOutcome, type WriteOptions } from "../gateway";
import { mapLimit } from "../resilience";
import type { WebApiConnection } from "./connection";

const DEFAULT_BATCH_SIZE = 1000;

export interface BatchItem {
  index: number;
  key: string;
  /** Queues the request on a client in batch mode. */
  queue: (client: DynamicsWebApi, collection: string) => Promise<unknown>;
  /** 412 on a repeated create means our earlier attempt created it; 404 on delete means already gone. */
  benign?: (error: DataverseError, repeated: boolean) => boolean;
  id?: string;
  /** Reads the row's new ETag from the item's response (writes that need it ask for a representation). */
  etagOf?: (result: unknown) => string | undefined;
}

/** The new ETag in a write's returned representation. */
export function etagOfResult(result: unknown): string | undefined {
  const e = result && typeof result === "object" ? ((result as Record<string, unknown>)["@odata.etag"] ?? (result as Record<string, unknown>).oDataEtag) : undefined;
  return typeof e === "string" ? e : undefined;
}

/** One write call's state, shared by its batches. */
interface WriteRun {
  operation: string;
  table: string;
  continueOnError: boolean;
  maxRounds: number;
  outcomes: FixWriteOutcome[];
  /** A failure stopped the write (continueOnError off). */
  stopped: boolean;
}

/** Sends one `$batch` of the pending items (the executor repeats it after a dropped connection). */
async function sendBatch(conn: WebApiConnection, pending: BatchItem[], entitySet: string, continueOnError: boolean, describe: string): Promise<{ results: unknown[]; attempts: number }> {
  let attempts = 0;
  const results = await conn.exec.run(describe, async () => {
    attempts += 1;
    const c = conn.client.initializeInstance();
    c.startBatch();
    await Promise.all(pending.map((item) => item.queue(c, entitySet)));
    try {
      return (await c.executeBatch({ continueOnError, inChangeSet: false })) as unknown[];
    } catch (err) {
      // A $batch rejected as a whole with its parts (documented: without continue-on-error the batch
      // answers the status of the first failing item, with the parts up to it): per-item results.
      if (Array.isArray(err) && err.length > 0 && err.length <= pending.length) return err as unknown[];
      throw err;
    }
  });
  conn.exec.count("batches", 1);
  return { results, attempts };
}

/** Records each item's outcome from the batch's results; returns the items to send again next round. */
function settle(conn: WebApiConnection, run: WriteRun, pending: BatchItem[], results: unknown[], describe: string, repeated: boolean, round: number): BatchItem[] {
  const { operation, table, outcomes } = run;
  const retryNext: BatchItem[] = [];
  pending.forEach((item, i) => {
    const result = results[i];
    if (i >= results.length) {
      const error = new DataverseError({ message: "not processed: an earlier item of the batch failed and continueOnError is off", request: `${operation} ${table} ${item.key}` });
      outcomes[item.index] = { index: item.index, key: item.key, ok: false, error };
      run.stopped = true;
      return;
    }
    if (result instanceof Error || (Array.isArray(result) && result[0] instanceof Error)) {
      const error = toDataverseError(result, `${operation} ${table} ${item.key} ($batch item ${i + 1} of ${describe})`);
      if (item.benign?.(error, repeated || round > 1)) {
        outcomes[item.index] = { index: item.index, key: item.key, ok: true, ...(item.id ? { id: item.id } : {}) };
      } else if (error.isTransient && round < run.maxRounds && run.continueOnError) {
        retryNext.push(item);
      } else {
        outcomes[item.index] = { index: item.index, key: item.key, ok: false, error };
        if (!run.continueOnError) run.stopped = true;
      }
      return;
    }
    const id = item.id ?? (typeof result === "string" ? result : undefined);
    const etag = item.etagOf?.(result);
    outcomes[item.index] = { index: item.index, key: item.key, ok: true, ...(id ? { id } : {}), ...(etag ? { etag } : {}) };
    conn.exec.count("rowsWritten", 1);
  });
  return retryNext;
}

function notSent(operation: string, table: string, item: BatchItem, index: number, why: string): FixWriteOutcome {
  return { index, key: item.key, ok: false, error: new DataverseError({ message: why, request: `${operation} ${table} ${item.key}` }) };
}

export async function runBatches(conn: WebApiConnection, operation: string, table: string, items: BatchItem[], o: WriteOptions = {}, approvedFix = false): Promise<FixWriteOutcome[]> {
  if (!approvedFix) assertWritable(table, operation, conn.writable);
  const batchSize = o.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new Error(`batchSize ${batchSize} must be an integer from 1 to 1000 (the $batch limit)`);
  const continueOnError = o.continueOnError ?? true;
  const info = await conn.tableInfo(table);
  const run: WriteRun = { operation, table, continueOnError, maxRounds: conn.exec.retryOptions.maxAttempts, outcomes: new Array<FixWriteOutcome>(items.length), stopped: false };
  const batches: BatchItem[][] = [];
  for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
  let done = 0;
  await mapLimit(batches, continueOnError ? conn.batchConcurrency : 1, async (batch, b) => {
    let pending = batch;
    let repeated = false;
    for (let round = 1; pending.length && !run.stopped; round++) {
      if (o.signal?.aborted) break;
      const describe = `POST $batch (${operation} ${pending.length} ${info.entitySetName} rows, batch ${b + 1}/${batches.length}${round > 1 ? `, round ${round}` : ""})`;
      let sent: { results: unknown[]; attempts: number };
      try {
        sent = await sendBatch(conn, pending, info.entitySetName, continueOnError, describe);
      } catch (err) {
        const error = toDataverseError(err, describe);
        for (const item of pending) run.outcomes[item.index] = { index: item.index, key: item.key, ok: false, error: error.withRequest(`${operation} ${table} ${item.key} (${describe})`) };
        if (!continueOnError) run.stopped = true;
        return;
      }
      repeated = repeated || sent.attempts > 1;
      const retryNext = settle(conn, run, pending, sent.results, describe, repeated, round);
      done += pending.length - retryNext.length;
      conn.onProgress?.({ kind: "batch", table, index: b, rows: pending.length, done });
      pending = retryNext;
    }
    for (const item of pending) run.outcomes[item.index] ??= notSent(operation, table, item, item.index, o.signal?.aborted ? "cancelled before it was sent" : "not sent: the write stopped at an earlier failure");
  });
  items.forEach((item, i) => (run.outcomes[i] ??= notSent(operation, table, item, i, "not sent: the write stopped at an earlier failure (continueOnError is off)")));
  return run.outcomes;
}
