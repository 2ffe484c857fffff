/**
 * Reads of the Web API adapter: pages of a query followed through `@odata.nextLink`, several GETs
 * in one `$batch`, the resumable `streamTable`, one record by id, and the query port the related
 * facts are loaded through (../related.ts).
 *
 * Failure modes: a nextLink outside the Web API root throws; a checkpoint taken for another query
 * is refused (../gateway.ts parseCheckpoint); a cancelled stream throws naming the rows read; an
 * item of a `$batch` of GETs that failed transiently fails the whole batch so the executor sends it
 * again (GETs are safe to repeat), other item failures come back as DataverseErrors in their place.
 */
import type { DynamicsWebApi } from "dynamics-web-api";
import { DataverseError, toDataverseError } from "../errors";
import { cleanRow, parseCheckpoint, queryFingerprint, type Row, type StreamCheckpoint, type StreamTableOptions, type TablePage } from "../gateway";
import type { QueryPort } from "../related";
import { assertColumn, assertPageSize, assertTable, MAX_PAGE_SIZE, normaliseGuid, toWebApiRequest, type Filter } from "../requests";
import type { Coalescer } from "./coalesce";
import type { WebApiConnection } from "./connection";

type RawRow = Record<string, unknown>;

/** The part of a nextLink after the Web API root (`contacts?$select=…&$skiptoken=…`). */
export function relativeNextLink(link: string): string {
  const m = /\/api\/data\/v\d+(?:\.\d+)?\/(.*)$/i.exec(link);
  if (m) return m[1];
  if (/^https?:/i.test(link)) throw new Error(`unexpected @odata.nextLink '${link}' (not under /api/data/v…/)`);
  return link.replace(/^\//, "");
}

/** Every page of a query, handed to `onPage` as it arrives. */
export async function queryPages(conn: WebApiConnection, table: string, columns: readonly string[], filter: Filter | undefined, describe: string, onPage: (rows: RawRow[]) => void, annotations?: string): Promise<void> {
  const { exec, client, unwrap } = conn;
  const info = await conn.tableInfo(table);
  const req = toWebApiRequest({ entitySet: info.entitySetName, columns, filter, pageSize: MAX_PAGE_SIZE });
  let nextLink: string | undefined;
  let page = 0;
  do {
    page += 1;
    const link = nextLink;
    const res = await exec.run(`GET ${info.entitySetName} for ${describe}${page > 1 ? ` (page ${page})` : ""}`, async () =>
      unwrap(await client.retrieveMultiple<RawRow>({ ...req, select: [...req.select], ...(annotations ? { includeAnnotations: annotations } : {}) }, link ? conn.dataApiUrl + link : undefined)),
    );
    exec.count("rowsRead", res.value.length);
    onPage(res.value);
    nextLink = res.oDataNextLink ? relativeNextLink(res.oDataNextLink) : undefined;
  } while (nextLink);
}

/** Several GET requests in one `$batch` (outside change sets). */
export async function getMany(conn: WebApiConnection, describe: string, queue: Array<(c: DynamicsWebApi) => Promise<unknown>>): Promise<unknown[]> {
  const results = await conn.exec.run(`POST $batch of ${queue.length} GETs (${describe})`, async () => {
    const c = conn.client.initializeInstance();
    c.startBatch();
    await Promise.all(queue.map((q) => q(c)));
    let res: unknown[];
    try {
      res = (await c.executeBatch({ continueOnError: true, inChangeSet: false })) as unknown[];
    } catch (err) {
      if (Array.isArray(err) && err.length === queue.length) res = err as unknown[];
      else throw err;
    }
    const out = res.map((r, i) => (r instanceof Error ? toDataverseError(r, `${describe}, item ${i + 1} of the $batch`) : r));
    const transient = out.find((r): r is DataverseError => r instanceof DataverseError && r.isTransient);
    if (transient) throw transient;
    return out;
  });
  conn.exec.count("batches", 1);
  return results;
}

/** Several queries in one `$batch`; a result with more pages is followed one request at a time. */
export async function queryAllMany(conn: WebApiConnection, table: string, columns: readonly string[], filters: readonly Filter[], describe: string): Promise<RawRow[][]> {
  const { exec, client, unwrap } = conn;
  const info = await conn.tableInfo(table);
  const reqs = filters.map((filter) => toWebApiRequest({ entitySet: info.entitySetName, columns, filter, pageSize: MAX_PAGE_SIZE }));
  const results = await getMany(conn, `GET ${info.entitySetName} for ${describe}`, reqs.map((req) => (c) => c.retrieveMultiple({ ...req, select: [...req.select] })));
  return Promise.all(
    results.map(async (r, i) => {
      if (r instanceof DataverseError) throw r;
      const res = r as { value: RawRow[]; oDataNextLink?: string };
      exec.count("rowsRead", res.value.length);
      const rows = [...res.value];
      let nextLink = res.oDataNextLink ? relativeNextLink(res.oDataNextLink) : undefined;
      for (let page = 2; nextLink; page++) {
        const link = nextLink;
        const more = await exec.run(`GET ${info.entitySetName} for ${describe}, chunk ${i + 1} (page ${page})`, async () =>
          unwrap(await client.retrieveMultiple<RawRow>({ ...reqs[i], select: [...reqs[i].select] }, conn.dataApiUrl + link)),
        );
        exec.count("rowsRead", more.value.length);
        rows.push(...more.value);
        nextLink = more.oDataNextLink ? relativeNextLink(more.oDataNextLink) : undefined;
      }
      return rows;
    }),
  );
}

/** The queries the related facts (../related.ts) and the coverage count are made of. */
export function createQueryPort(conn: WebApiConnection): QueryPort {
  const { exec, client, unwrap } = conn;
  return {
    tableInfo: conn.tableInfo,
    maxFilterChars: conn.maxFilterChars,
    queryAllMany: (table, columns, filters, describe) => queryAllMany(conn, table, columns, filters, describe),
    async fetchXmlMany(table, fetchXmls, describe) {
      const info = await conn.tableInfo(table);
      const results = await getMany(conn, `GET ${info.entitySetName}?fetchXml for ${describe}`, fetchXmls.map((fetchXml) => (c) => c.fetch({ collection: info.entitySetName, fetchXml })));
      return results.map((r) => {
        if (r instanceof DataverseError) return r;
        const rows = (r as { value: RawRow[] }).value;
        exec.count("rowsRead", rows.length);
        return rows;
      });
    },
    async queryAll(table, columns, filter, describe, annotations) {
      const rows: RawRow[] = [];
      await queryPages(conn, table, columns, filter, describe, (page) => rows.push(...page), annotations);
      return rows;
    },
    async fetchXml(table, fetchXml, describe) {
      const info = await conn.tableInfo(table);
      const res = await exec.run(`GET ${info.entitySetName}?fetchXml (${describe})`, async () => unwrap(await client.fetch<RawRow>({ collection: info.entitySetName, fetchXml })));
      exec.count("rowsRead", res.value.length);
      return res.value;
    },
  };
}

/** A table read page by page, ordered by its primary key last, each page with a checkpoint to resume from. */
/**
 * `$orderby` of a request inside a `$batch`: dynamics-web-api puts it in the request line as it
 * is, where a space would end the URL, so the spaces go percent-encoded (a request of its own
 * is encoded by the HTTP client).
 */
function inBatch(orderBy: readonly string[] | undefined): { orderBy?: string[] } {
  return orderBy ? { orderBy: orderBy.map((o) => o.replace(/ /g, "%20")) } : {};
}

export async function* streamTable(conn: WebApiConnection, o: StreamTableOptions, together?: Pick<Coalescer, "firstPage">): AsyncGenerator<TablePage> {
  const table = assertTable(o.table).toLowerCase();
  const asked: readonly string[] | undefined = o.columns;
  if (asked == null || typeof asked.map !== "function") throw new Error(`streamTable ${table}: columns must be an array of column names`);
  const info = await conn.tableInfo(table);
  const pageSize = assertPageSize(o.pageSize ?? MAX_PAGE_SIZE);
  const columns = [...new Set([...asked.map((c) => assertColumn(c)), info.primaryIdAttribute])];
  const orderBy = [...(o.orderBy ?? [])];
  if (!orderBy.some((c) => c.trim().split(/\s+/)[0] === info.primaryIdAttribute)) orderBy.push(info.primaryIdAttribute);
  const req = toWebApiRequest({ entitySet: info.entitySetName, columns, filter: o.filter, orderBy, pageSize });
  const fingerprint = queryFingerprint(JSON.stringify([req.collection, req.select, req.filter ?? "", req.orderBy ?? [], pageSize]));
  let pageIndex = 0;
  let rowsRead = 0;
  let nextLink: string | undefined;
  if (o.resumeFrom !== undefined) {
    const cp = parseCheckpoint(o.resumeFrom, table, fingerprint);
    if (cp.nextLink === null) return;
    nextLink = cp.nextLink;
    pageIndex = cp.pageIndex + 1;
    rowsRead = cp.rowsRead;
  }
  for (;;) {
    if (o.signal?.aborted) throw new Error(`read of ${table} was cancelled after ${rowsRead} rows`);
    const link = nextLink;
    const describe = `GET ${info.entitySetName} (page ${pageIndex + 1})`;
    const alone = (): Promise<{ value: RawRow[]; oDataNextLink?: string }> =>
      conn.exec.run(describe, async () => conn.unwrap(await conn.client.retrieveMultiple<RawRow>({ ...req, select: [...req.select], signal: o.signal }, link ? conn.dataApiUrl + link : undefined)));
    // A first page goes through the coalescer: streams started in the same turn share one $batch.
    const res = !link && together ? await together.firstPage(table, describe, (c) => c.retrieveMultiple({ ...req, select: [...req.select], ...inBatch(req.orderBy) }), alone) : await alone();
    const rows = res.value.map(cleanRow);
    conn.exec.count("rowsRead", rows.length);
    rowsRead += rows.length;
    const next = res.oDataNextLink ? relativeNextLink(res.oDataNextLink) : null;
    const checkpoint: StreamCheckpoint = { v: 1, table, query: fingerprint, pageIndex, nextLink: next, rowsRead };
    conn.onProgress?.({ kind: "page", table, index: pageIndex, rows: rows.length, done: rowsRead });
    yield { rows, pageIndex, nextLink: next, checkpoint };
    if (next === null) return;
    nextLink = next;
    pageIndex += 1;
  }
}

/** One record, or null when it does not exist (or the caller cannot read it). */
export async function retrieveRecord(conn: WebApiConnection, table: string, id: string, columns: readonly string[]): Promise<Row | null> {
  const info = await conn.tableInfo(table);
  const key = normaliseGuid(id, `${table} id`);
  const select = [...new Set([...columns.map((c) => assertColumn(c)), info.primaryIdAttribute])];
  try {
    const row = await conn.exec.run(`GET ${info.entitySetName}(${key})`, async () => conn.unwrap(await conn.client.retrieve<RawRow>({ collection: info.entitySetName, key, select })));
    conn.exec.count("rowsRead", 1);
    return cleanRow(row);
  } catch (err) {
    if (err instanceof DataverseError && err.status === 404) return null;
    throw err;
  }
}
