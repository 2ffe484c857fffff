/**
 * Reads sent together: the queries and FetchXML aggregates asked for at the same time — a page's
 * related facts (../related.ts runs them concurrently), whatever the caller asks through
 * gateway.queryMany meanwhile (an audit page's stored health rows and duplicate candidates), and
 * the first pages of streams started together (an incremental audit's tables, side by side), and
 * who-am-I (an audit asks for it with its first reads) — are held until the current turn of the
 * event loop ends, then sent as one `$batch` of GETs (at most MAX_ITEMS each) instead of one request
 * each. A lone query goes as it is; a result with more pages is followed one request at a time.
 *
 * Failure modes: those of getMany (reads.ts): a transient item failure sends the batch again, any
 * other failed item rejects only its own caller with its DataverseError.
 */
import type { DynamicsWebApi } from "dynamics-web-api";
import { DataverseError } from "../errors";
import type { QueryPort } from "../related";
import { MAX_PAGE_SIZE, toWebApiRequest, type Filter } from "../requests";
import type { WebApiConnection } from "./connection";
import { getMany, relativeNextLink } from "./reads";

type RawRow = Record<string, unknown>;

interface Pending {
  /** The table it reads (its entity set goes in the request); absent for a function (WhoAmI). */
  table?: string;
  describe: string;
  /** A query (with its columns and filter) or a FetchXML aggregate. */
  query?: { columns: readonly string[]; filter: Filter | undefined; annotations?: string };
  fetchXml?: string;
  /** The first page of a stream (reads.ts streamTable) or a function: sent as it is, answered as it came (a page with its nextLink, not followed). */
  raw?: (c: DynamicsWebApi) => Promise<unknown>;
  /** Sends it alone, when nothing else was asked for; absent: it goes as a `$batch` of one. */
  single?: () => Promise<RawRow[]>;
  resolve: (rows: RawRow[]) => void;
  reject: (err: unknown) => void;
}

/** Most GETs one `$batch` carries here (the service allows 1,000 operations). */
const MAX_ITEMS = 200;

export interface Coalescer {
  query(table: string, columns: readonly string[], filter: Filter | undefined, describe: string, annotations?: string): Promise<RawRow[]>;
  fetchXml(table: string, fetchXml: string, describe: string): Promise<RawRow[]>;
  /**
   * The first page of a stream: `send` issues its GET (on the client of a `$batch`, or alone) and
   * the raw response comes back with its nextLink for the stream to follow (reads.ts streamTable).
   */
  firstPage(table: string, describe: string, send: (c: DynamicsWebApi) => Promise<unknown>, alone: () => Promise<unknown>): Promise<FirstPage>;
  /** A GET of no table (an unbound function: WhoAmI): `send` queues it on a `$batch`'s client, `alone` sends it by itself; its answer as it came. */
  call(describe: string, send: (c: DynamicsWebApi) => Promise<unknown>, alone: () => Promise<unknown>): Promise<unknown>;
}

/** The answer to the first page of a stream. */
export interface FirstPage {
  value: RawRow[];
  oDataNextLink?: string;
}

/**
 * After the reads asked in this turn of the event loop: `setImmediate` in Node (after pending I/O
 * callbacks), a zero timeout in browsers, which have no `setImmediate` (the Governance Center and
 * the panel run this gateway too).
 */
const nextTurn: (f: () => void) => void = typeof globalThis.setImmediate === "function" ? (f) => void globalThis.setImmediate(f) : (f) => void setTimeout(f, 0);

/** One per connection: every read asked through it in the same turn shares a `$batch`. */
export function createCoalescer(conn: WebApiConnection, port: QueryPort): Coalescer {
  let queue: Pending[] = [];
  const send = async (items: Pending[]): Promise<void> => {
    const alone = items.length === 1 ? items[0].single : undefined;
    if (alone) return alone().then(items[0].resolve, items[0].reject);
    try {
      const sets = await Promise.all(items.map(async (p) => (p.table === undefined ? "" : (await conn.tableInfo(p.table)).entitySetName)));
      const queued = items.map((p, i) => (c: DynamicsWebApi): Promise<unknown> => {
        if (p.raw) return p.raw(c);
        if (p.fetchXml !== undefined) return c.fetch({ collection: sets[i], fetchXml: p.fetchXml });
        const q = p.query!;
        const req = toWebApiRequest({ entitySet: sets[i], columns: q.columns, filter: q.filter, pageSize: MAX_PAGE_SIZE });
        return c.retrieveMultiple({ ...req, select: [...req.select], ...(q.annotations ? { includeAnnotations: q.annotations } : {}) });
      });
      const results = await getMany(conn, `reads asked together: ${items.map((p) => p.describe).join("; ")}`.slice(0, 400), queued);
      await Promise.all(results.map((r, i) => rest(conn, items[i], sets[i], r).then(items[i].resolve, items[i].reject)));
    } catch (err) {
      for (const p of items) p.reject(err);
    }
  };
  const flush = async (): Promise<void> => {
    const items = queue;
    queue = [];
    const groups: Pending[][] = [];
    for (let i = 0; i < items.length; i += MAX_ITEMS) groups.push(items.slice(i, i + MAX_ITEMS));
    await Promise.all(groups.map(send));
  };
  const enqueue = (p: Omit<Pending, "resolve" | "reject">): Promise<RawRow[]> =>
    new Promise<RawRow[]>((resolve, reject) => {
      if (queue.length === 0) nextTurn(() => void flush());
      queue.push({ ...p, resolve, reject });
    });
  return {
    query: (table, columns, filter, describe, annotations) =>
      enqueue({ table, describe, query: { columns, filter, annotations }, single: filter ? () => port.queryAll(table, columns, filter, describe, annotations) : undefined }),
    fetchXml: (table, fetchXml, describe) => enqueue({ table, describe, fetchXml, single: () => port.fetchXml(table, fetchXml, describe) }),
    firstPage: async (table, describe, send, alone) => {
      // The raw response travels through `resolve` as the one element of its list.
      const [res] = await enqueue({ table, describe, raw: send, single: async () => [(await alone()) as RawRow] });
      return res as unknown as FirstPage;
    },
    call: async (describe, send, alone) => {
      const [res] = await enqueue({ describe, raw: send, single: async () => [(await alone()) as RawRow] });
      return res;
    },
  };
}

/** The related facts' port with its single queries sent through the coalescer. */
export function coalescingPort(port: QueryPort, coalescer: Coalescer): QueryPort {
  return {
    ...port,
    queryAll: (...a) => coalescer.query(...a),
    fetchXml: (...a) => coalescer.fetchXml(...a),
    queryAllMany: (table, columns, filters, describe) => Promise.all(filters.map((filter, i) => coalescer.query(table, columns, filter, `${describe}, chunk ${i + 1}`))),
    fetchXmlMany: (table, xmls, describe) =>
      Promise.all(xmls.map((xml, i) => coalescer.fetchXml(table, xml, `${describe}, chunk ${i + 1}`).catch((err: unknown) => {
        if (err instanceof DataverseError) return err;
        throw err;
      }))),
  };
}

/** The rows of one item of the batch, with the pages after its first. */
async function rest(conn: WebApiConnection, p: Pending, entitySet: string, r: unknown): Promise<RawRow[]> {
  if (r instanceof DataverseError) throw r;
  if (p.raw) return [r as RawRow];
  const res = r as { value: RawRow[]; oDataNextLink?: string };
  conn.exec.count("rowsRead", res.value.length);
  const rows = [...res.value];
  let link = p.query && res.oDataNextLink ? relativeNextLink(res.oDataNextLink) : undefined;
  for (let page = 2; link && p.query; page++) {
    const q = p.query;
    const req = toWebApiRequest({ entitySet, columns: q.columns, filter: q.filter, pageSize: MAX_PAGE_SIZE });
    const url = conn.dataApiUrl + link;
    const more = await conn.exec.run(`GET ${entitySet} for ${p.describe} (page ${page})`, async () =>
      conn.unwrap(await conn.client.retrieveMultiple<RawRow>({ ...req, select: [...req.select], ...(q.annotations ? { includeAnnotations: q.annotations } : {}) }, url)),
    );
    conn.exec.count("rowsRead", more.value.length);
    rows.push(...more.value);
    link = more.oDataNextLink ? relativeNextLink(more.oDataNextLink) : undefined;
  }
  return rows;
}
