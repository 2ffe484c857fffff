/**
 * Writes of the Web API adapter, each a list of `$batch` items (./batches.ts): creates with ids
 * chosen here and `If-None-Match: *` (a repeat cannot create twice), updates with `If-Match` on the
 * version a row was read at (the new version comes back), upserts by primary or alternate key,
 * idempotent deletes, and approved fixes, the only writes to customers' records.
 *
 * Failure modes: a table off the write allow-list throws WriteGuardError before anything is sent;
 * rows that are not objects, ids that are not GUIDs and alternate keys with missing values throw
 * naming the row; a fix without the ETag from its preview throws (`If-Match: *` is never sent for
 * a fix); per-row platform errors come back in the row's outcome.
 */
import { DUPLICATE_KEY_CODE } from "../errors";
import { assertWritable, cleanRow, ETAG, type FixWrite, type FixWriteOutcome, type Row, type UpsertOptions, type VersionedRow, type WriteOptions, type WriteOutcome } from "../gateway";
import { alternateKeySegment, assertColumn, chunkIdsForIn, f, guid, normaliseGuid } from "../requests";
import { etagOfResult, runBatches, type BatchItem } from "./batches";
import type { TableInfo } from "../entitysets";
import type { WebApiConnection } from "./connection";
import { queryAllMany } from "./reads";

function rowsArg(table: string, rows: readonly Row[], operation: string): void {
  if (!Array.isArray(rows)) throw new Error(`${operation} ${table}: rows must be an array`);
  rows.forEach((r, i) => {
    if (r == null || typeof r !== "object" || Array.isArray(r)) throw new Error(`${operation} ${table}: row ${i} is not an object`);
  });
}

export async function createMany(conn: WebApiConnection, table: string, rows: readonly Row[], o?: WriteOptions): Promise<WriteOutcome[]> {
  rowsArg(table, rows, "create");
  assertWritable(table, "create", conn.writable);
  return runBatches(conn, "create", table, createItems(await conn.tableInfo(table), table, rows), o);
}

export function createItems(info: TableInfo, table: string, rows: readonly Row[]): BatchItem[] {
  // Ids are chosen here and sent with If-None-Match: * so a batch repeated after a dropped
  // connection cannot create a row twice (a repeat answers 412 for rows that already exist).
  return rows.map((row, index) => {
    const given = row[info.primaryIdAttribute];
    const id = typeof given === "string" && given ? normaliseGuid(given, `${table}.${info.primaryIdAttribute}`) : globalThis.crypto.randomUUID();
    return {
      index,
      key: id,
      id,
      queue: (c, collection) => {
        const data: Row = { ...row };
        // Related rows created in the same operation (an email's activity parties) need a POST
        // (deep insert); the id goes in the body and a repeat answers "duplicate key".
        if (Object.values(row).some((v) => Array.isArray(v))) return c.create({ collection, data: { ...data, [info.primaryIdAttribute]: id } });
        delete data[info.primaryIdAttribute];
        // The new row's ETag comes back, so the caller's next update can send If-Match with it.
        return c.upsert({ collection, key: id, data, ifnonematch: "*", returnRepresentation: true, select: [info.primaryIdAttribute] });
      },
      etagOf: etagOfResult,
      benign: (e, repeated) => repeated && (e.status === 412 || e.code === DUPLICATE_KEY_CODE),
    };
  });
}

export async function updateMany(conn: WebApiConnection, table: string, rows: readonly Row[], o?: WriteOptions): Promise<WriteOutcome[]> {
  rowsArg(table, rows, "update");
  assertWritable(table, "update", conn.writable);
  return runBatches(conn, "update", table, updateItems(await conn.tableInfo(table), table, rows), o);
}

export function updateItems(info: TableInfo, table: string, rows: readonly Row[]): BatchItem[] {
  return rows.map((row, index) => {
    const raw = row[info.primaryIdAttribute];
    if (typeof raw !== "string") throw new Error(`update ${table}: row ${index} has no ${info.primaryIdAttribute}`);
    const id = normaliseGuid(raw, `${table}.${info.primaryIdAttribute} of row ${index}`);
    const data: Row = { ...row };
    delete data[info.primaryIdAttribute];
    // A row read with its version (`@odata.etag`) is updated only if nobody changed it since
    // (412 otherwise); its new version comes back for the next update.
    const etag = row[ETAG];
    delete data[ETAG];
    if (typeof etag === "string") {
      const select = [info.primaryIdAttribute];
      return { index, key: id, id, etagOf: etagOfResult, queue: (c, collection) => c.update({ collection, key: id, data, ifmatch: etag, returnRepresentation: true, select }) };
    }
    return { index, key: id, id, queue: (c, collection) => c.update({ collection, key: id, data, ifmatch: "*" }) };
  });
}

export async function upsertMany(conn: WebApiConnection, table: string, rows: readonly Row[], o: UpsertOptions = {}): Promise<WriteOutcome[]> {
  rowsArg(table, rows, "upsert");
  assertWritable(table, "upsert", conn.writable);
  return runBatches(conn, "upsert", table, upsertItems(await conn.tableInfo(table), table, rows, o), o);
}

export function upsertItems(info: TableInfo, table: string, rows: readonly Row[], o: UpsertOptions): BatchItem[] {
  const keyColumns = o.alternateKey ?? [info.primaryIdAttribute];
  return rows.map((row, index) => {
    let key: string;
    try {
      key = keyColumns.length === 1 && keyColumns[0] === info.primaryIdAttribute ? normaliseGuid(String(row[keyColumns[0]]), `${table}.${keyColumns[0]}`) : alternateKeySegment(row, keyColumns);
    } catch (err) {
      throw new Error(`upsert ${table}: row ${index}: ${(err as Error).message}`);
    }
    return { index, key, queue: (c, collection) => c.upsert({ collection, key, data: { ...row } }) };
  });
}

export async function deleteMany(conn: WebApiConnection, table: string, ids: readonly string[], o?: WriteOptions): Promise<WriteOutcome[]> {
  assertWritable(table, "delete", conn.writable);
  const items: BatchItem[] = ids.map((raw, index) => {
    const id = normaliseGuid(raw, `${table} id ${index}`);
    return {
      index,
      key: id,
      id,
      queue: (c, collection) => c.deleteRecord({ collection, key: id }),
      // Deleting is idempotent: a row that is already gone is the outcome asked for.
      benign: (e) => e.status === 404,
    };
  });
  return runBatches(conn, "delete", table, items, o);
}

export async function readVersioned(conn: WebApiConnection, table: string, ids: readonly string[], columns: readonly string[]): Promise<Map<string, VersionedRow>> {
  const info = await conn.tableInfo(table);
  const select = [...new Set([...columns.map((c) => assertColumn(c)), info.primaryIdAttribute])];
  const out = new Map<string, VersionedRow>();
  const chunks = chunkIdsForIn(info.primaryIdAttribute, ids, conn.maxFilterChars);
  const pages = await queryAllMany(conn, table, select, chunks.map((c) => f.in(info.primaryIdAttribute, c.map(guid))), `${table} rows with their ETags`);
  for (const raw of pages.flat()) {
    const etag = raw["@odata.etag"];
    const row = cleanRow(raw);
    const id = row[info.primaryIdAttribute];
    if (typeof id === "string" && typeof etag === "string") out.set(id.toLowerCase(), { row, etag });
  }
  return out;
}

export async function writeFixes(conn: WebApiConnection, table: string, writes: readonly FixWrite[], o?: WriteOptions): Promise<FixWriteOutcome[]> {
  const info = await conn.tableInfo(table);
  const etagOf = etagOfResult;
  const items: BatchItem[] = writes.map((w, index) => {
    const id = normaliseGuid(w.id, `${table} id of fix ${index}`);
    if (w.op !== "create" && (typeof w.etag !== "string" || w.etag === "" || w.etag.trim() === "*")) {
      throw new Error(`fix ${index} of ${table} ${id}: an ETag from the preview is required (If-Match: * is never sent)`);
    }
    const select = [info.primaryIdAttribute];
    if (w.op === "update") return { index, key: id, id, etagOf, queue: (c, collection) => c.update({ collection, key: id, data: { ...w.data }, ifmatch: w.etag, returnRepresentation: true, select }) };
    if (w.op === "delete") return { index, key: id, id, queue: (c, collection) => c.deleteRecord({ collection, key: id, ifmatch: w.etag }), benign: (e, repeated) => repeated && e.status === 404 };
    return {
      index,
      key: id,
      id,
      etagOf,
      queue: (c, collection) => c.upsert({ collection, key: id, data: { ...w.data }, ifnonematch: "*", returnRepresentation: true, select }),
      benign: (e, repeated) => repeated && e.status === 412,
    };
  });
  return runBatches(conn, "fix", table, items, o, true);
}
