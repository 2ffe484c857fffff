/**
 * One write and what must come after it, in one `$batch` (gateway.writeFirst): the write is the
 * batch's first operation, in a change set of its own, and the upserts or the first page of a read
 * that follow it go in the same batch, outside change sets. The batch is sent without
 * continue-on-error: Dataverse runs a batch's operations in order and stops at the first failure,
 * so nothing after the write runs unless the write succeeded, and the write is durable no later
 * than anything after it — as if it had been sent first, alone, and awaited. An audit saves its
 * checkpoint this way together with a page's health rows, and creates its run row together with
 * the re-check of the runs in progress (../../audit).
 *
 * What the batch did not finish is completed afterwards, only when the write succeeded: upserts
 * that failed transiently, were not reached after a failed one or did not fit (1,000 operations a
 * batch) go as upsertMany would send them (./batches.ts, continue-on-error), a page not read is
 * read alone (./reads.ts streamTable). A batch dropped as a whole is sent again by the executor: a
 * repeated create answering 412 is the write done (as createMany takes it), a repeated update
 * answering 412 is reported as the write's failure for the caller to tell apart (../ownwrite.ts).
 *
 * Failure modes: what createMany, updateMany, upsertMany and streamTable refuse before any request
 * is refused here too (a table off the write allow-list, rows that are not objects, a stream with a
 * resume position: it starts at its first page); a failed write comes back as its outcome, with
 * `then` not done (null); a batch that fails as a whole fails the write the same way.
 */
import type { DynamicsWebApi } from "dynamics-web-api";
import { DataverseError, toDataverseError } from "../errors";
import { assertWritable, type AfterFirstWrite, type FirstWrite, type FirstWritten, type Row, type StreamTableOptions, type TablePage, type UpsertOptions, type WriteOutcome } from "../gateway";
import { runBatches, type BatchItem } from "./batches";
import type { FirstPage } from "./coalesce";
import type { WebApiConnection } from "./connection";
import { streamTable } from "./reads";
import { createItems, updateItems, upsertItems } from "./writes";

/** Operations one `$batch` carries (the service's limit). */
const BATCH_LIMIT = 1000;

/** The client with `inChangeSet` set on every request queued through it. */
function changeSet(c: DynamicsWebApi, inChangeSet: boolean): DynamicsWebApi {
  return new Proxy(c, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (request: object, ...rest: unknown[]): unknown => (value as (...a: unknown[]) => unknown).call(target, { ...request, inChangeSet }, ...rest);
    },
  });
}

/** The first page of the stream, held until the batch it goes in is answered. */
interface HeldPage {
  send: (c: DynamicsWebApi) => Promise<unknown>;
  alone: () => Promise<unknown>;
  resolve: (page: FirstPage | Promise<FirstPage>) => void;
  reject: (err: unknown) => void;
}

/** Starts the stream up to its first page, which it asks for through the returned hold. */
async function holdFirstPage(conn: WebApiConnection, then: { stream: StreamTableOptions }): Promise<{ held: HeldPage; first: Promise<IteratorResult<TablePage>>; pages: AsyncGenerator<TablePage> }> {
  if (then.stream.resumeFrom !== undefined) throw new Error(`writeFirst: the read of ${then.stream.table} after the write starts at its first page (no resumeFrom)`);
  let held: HeldPage | undefined;
  let asked!: () => void;
  const wasAsked = new Promise<void>((resolve) => (asked = resolve));
  const pages = streamTable(conn, then.stream, {
    firstPage: (_table, _describe, send, alone) =>
      new Promise<FirstPage>((resolve, reject) => {
        held = { send, alone, resolve, reject };
        asked();
      }),
  });
  const first = pages.next();
  // The stream throws before its first page for options that cannot work: before any request.
  await Promise.race([wasAsked, first]);
  if (!held) throw new Error(`writeFirst: the read of ${then.stream.table} asked for no first page`);
  return { held, first, pages };
}

export async function writeFirst(conn: WebApiConnection, first: FirstWrite, then: AfterFirstWrite): Promise<FirstWritten> {
  const row = first.row as Row | null;
  if (row == null || typeof row !== "object" || Array.isArray(row)) throw new Error(`${first.op} ${first.table}: the row is not an object`);
  if (first.op !== "create" && first.op !== "update") throw new Error(`writeFirst: op must be "create" or "update", not ${JSON.stringify(first.op)}`);
  assertWritable(first.table, first.op, conn.writable);
  const firstInfo = await conn.tableInfo(first.table);
  const [firstItem] = first.op === "create" ? createItems(firstInfo, first.table, [row]) : updateItems(firstInfo, first.table, [row]);

  let upserts: { table: string; set: string; items: BatchItem[]; opts: UpsertOptions } | undefined;
  let stream: Awaited<ReturnType<typeof holdFirstPage>> | undefined;
  if ("upsert" in then) {
    const { table, rows, opts = {} } = then.upsert;
    if (!Array.isArray(rows)) throw new Error(`upsert ${table}: rows must be an array`);
    assertWritable(table, "upsert", conn.writable);
    const info = await conn.tableInfo(table);
    upserts = { table, set: info.entitySetName, items: upsertItems(info, table, rows, opts), opts };
  } else {
    stream = await holdFirstPage(conn, then);
  }

  const inBatch = upserts ? upserts.items.slice(0, BATCH_LIMIT - 1) : [];
  const describe = `POST $batch (${first.op} ${firstInfo.entitySetName} ${firstItem.key}, then ${upserts ? `upsert ${inBatch.length} ${upserts.set} rows` : `GET ${"stream" in then ? then.stream.table : ""} (page 1)`})`;
  let attempts = 0;
  let results: unknown[];
  try {
    results = await conn.exec.run(describe, async () => {
      attempts += 1;
      const c = conn.client.initializeInstance();
      c.startBatch();
      // One at a time, so the batch holds them in this order.
      await firstItem.queue(changeSet(c, true), firstInfo.entitySetName);
      for (const item of inBatch) await item.queue(changeSet(c, false), upserts!.set);
      if (stream) await stream.held.send(c);
      try {
        return (await c.executeBatch({ continueOnError: false })) as unknown[];
      } catch (err) {
        // Stopped at a failure: the parts up to it and its error (batches.ts sendBatch).
        if (Array.isArray(err) && err.length > 0 && err.length <= 1 + inBatch.length + (stream ? 1 : 0)) return err as unknown[];
        throw err;
      }
    });
    conn.exec.count("batches", 1);
  } catch (err) {
    const error = toDataverseError(err, describe);
    return notDone({ index: 0, key: firstItem.key, ok: false, error }, stream);
  }

  const outcome = firstOutcome(firstItem, results[0], describe, attempts > 1);
  if (!outcome.ok) return notDone(outcome, stream);
  conn.exec.count("rowsWritten", 1);

  if (stream) {
    const page = results[1];
    // Not reached, or failed: read alone, as the stream would have.
    if (page === undefined || page instanceof Error || (Array.isArray(page) && page[0] instanceof Error)) stream.held.resolve(stream.held.alone() as Promise<FirstPage>);
    else stream.held.resolve(page as FirstPage);
    return { first: outcome, upserted: null, pages: continued(stream.first, stream.pages) };
  }

  const u = upserts!;
  const outcomes = new Array<WriteOutcome>(u.items.length);
  const again: BatchItem[] = [];
  let failed = false;
  u.items.forEach((item, i) => {
    const r = i < inBatch.length ? results[1 + i] : undefined;
    if (r === undefined) return void again.push(item);
    if (r instanceof Error || (Array.isArray(r) && r[0] instanceof Error)) {
      const error = toDataverseError(r, `upsert ${u.table} ${item.key} ($batch item ${i + 2} of ${describe})`);
      if (error.isTransient) return void again.push(item);
      failed = true;
      outcomes[item.index] = { index: item.index, key: item.key, ok: false, error };
      return;
    }
    conn.exec.count("rowsWritten", 1);
    outcomes[item.index] = { index: item.index, key: item.key, ok: true };
  });
  if (again.length && !(failed && u.opts.continueOnError === false)) {
    const rest = await runBatches(conn, "upsert", u.table, again.map((item, i) => ({ ...item, index: i })), u.opts);
    again.forEach((item, i) => (outcomes[item.index] = { ...rest[i], index: item.index }));
  }
  u.items.forEach((item) => {
    outcomes[item.index] ??= { index: item.index, key: item.key, ok: false, error: new DataverseError({ message: "not sent: the write stopped at an earlier failure (continueOnError is off)", request: `upsert ${u.table} ${item.key}` }) };
  });
  return { first: outcome, upserted: outcomes, pages: null };
}

/** The first write's outcome, as createMany / updateMany would report it. */
function firstOutcome(item: BatchItem, result: unknown, describe: string, repeated: boolean): WriteOutcome {
  const base = { index: 0, key: item.key };
  if (result === undefined) return { ...base, ok: false, error: new DataverseError({ message: "the $batch returned no answer for its first operation", request: describe }) };
  if (result instanceof Error || (Array.isArray(result) && result[0] instanceof Error)) {
    const error = toDataverseError(result, `${describe}, its first operation`);
    if (item.benign?.(error, repeated)) return { ...base, ok: true, ...(item.id ? { id: item.id } : {}) };
    return { ...base, ok: false, error };
  }
  const id = item.id ?? (typeof result === "string" ? result : undefined);
  const etag = item.etagOf?.(result);
  return { ...base, ok: true, ...(id ? { id } : {}), ...(etag ? { etag } : {}) };
}

/** The first write failed: the read after it is dropped, the upserts not sent. */
function notDone(first: WriteOutcome, stream: Awaited<ReturnType<typeof holdFirstPage>> | undefined): FirstWritten {
  if (stream) {
    stream.first.catch(() => undefined);
    stream.held.reject(new Error("not read: the write before it failed"));
  }
  return { first, upserted: null, pages: null };
}

/** The stream's pages: the first (already asked for), then the rest. */
async function* continued(first: Promise<IteratorResult<TablePage>>, pages: AsyncGenerator<TablePage>): AsyncGenerator<TablePage> {
  const step = await first;
  if (step.done) return;
  yield step.value;
  yield* pages;
}
