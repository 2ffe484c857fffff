/**
 * Related-facts queries sent together: the queries and FetchXML aggregates a page's facts ask for
 * at the same time (../related.ts runs them concurrently) are held until the current turn of the
 * event loop ends, then sent as one `$batch` of GETs instead of one request each. A lone query goes
 * as it is; a result with more pages is followed one request at a time, as queryAllMany does.
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
  table: string;
  describe: string;
  /** A query (with its columns and filter) or a FetchXML aggregate. */
  query?: { columns: readonly string[]; filter: Filter; annotations?: string };
  fetchXml?: string;
  single: () => Promise<RawRow[]>;
  resolve: (rows: RawRow[]) => void;
  reject: (err: unknown) => void;
}

export function coalescingPort(conn: WebApiConnection, port: QueryPort): QueryPort {
  let queue: Pending[] = [];
  const flush = async (): Promise<void> => {
    const items = queue;
    queue = [];
    if (items.length === 1) return items[0].single().then(items[0].resolve, items[0].reject);
    try {
      const sets = await Promise.all(items.map(async (p) => (await conn.tableInfo(p.table)).entitySetName));
      const queued = items.map((p, i) => (c: DynamicsWebApi): Promise<unknown> => {
        if (p.fetchXml !== undefined) return c.fetch({ collection: sets[i], fetchXml: p.fetchXml });
        const q = p.query!;
        const req = toWebApiRequest({ entitySet: sets[i], columns: q.columns, filter: q.filter, pageSize: MAX_PAGE_SIZE });
        return c.retrieveMultiple({ ...req, select: [...req.select], ...(q.annotations ? { includeAnnotations: q.annotations } : {}) });
      });
      const results = await getMany(conn, `related facts: ${items.map((p) => p.describe).join("; ")}`.slice(0, 400), queued);
      await Promise.all(results.map((r, i) => rest(conn, items[i], sets[i], r).then(items[i].resolve, items[i].reject)));
    } catch (err) {
      for (const p of items) p.reject(err);
    }
  };
  const enqueue = (p: Omit<Pending, "resolve" | "reject">): Promise<RawRow[]> =>
    new Promise<RawRow[]>((resolve, reject) => {
      if (queue.length === 0) setImmediate(() => void flush());
      queue.push({ ...p, resolve, reject });
    });
  return {
    ...port,
    queryAll: (table, columns, filter, describe, annotations) => enqueue({ table, describe, query: { columns, filter, annotations }, single: () => port.queryAll(table, columns, filter, describe, annotations) }),
    fetchXml: (table, fetchXml, describe) => enqueue({ table, describe, fetchXml, single: () => port.fetchXml(table, fetchXml, describe) }),
  };
}

/** The rows of one item of the batch, with the pages after its first. */
async function rest(conn: WebApiConnection, p: Pending, entitySet: string, r: unknown): Promise<RawRow[]> {
  if (r instanceof DataverseError) throw r;
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
