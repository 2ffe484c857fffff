/**
 * The dynamics-web-api adapter of DataverseGateway (Node and browser). dynamics-web-api builds the
 * requests, parses responses and `$batch`es; this adapter adds what it leaves to the caller:
 * retries with `Retry-After`, a concurrency cap, resumable paging, per-item batch outcomes, the
 * write guard, metadata checks and request statistics. One request kind a file, as
 * dynamics-web-api keeps them: webapi/connection.ts (client, executor, metadata caches),
 * reads.ts, batches.ts, writes.ts, ordered.ts, metadata.ts, coverage.ts; this file puts them together.
 *
 * Failure modes: see each part; options that cannot work throw here, before any request.
 */
import type { RelatedFacts } from "../engine/types";
import { fallbackTableInfo } from "./entitysets";
import { cleanRow, type DataverseGateway, type FetchRelatedFactsOptions } from "./gateway";
import { createMergePort } from "./merge";
import { fetchRelatedFactsWith } from "./related";
import type { GatewayStats } from "./resilience";
import { createConnection, type WebApiGatewayOptions } from "./webapi/connection";
import { coverage } from "./webapi/coverage";
import { checkColumns, whoAmI } from "./webapi/metadata";
import { coalescingPort, createCoalescer } from "./webapi/coalesce";
import { writeFirst } from "./webapi/ordered";
import { prefetchMetadata } from "./webapi/prefetch";
import { createQueryPort, retrieveRecord, streamTable } from "./webapi/reads";
import { createMany, deleteMany, readVersioned, updateMany, upsertMany, writeFixes } from "./webapi/writes";

export type { ProgressEvent, WebApiGatewayOptions } from "./webapi/connection";
export { relativeNextLink } from "./webapi/reads";

export function createWebApiGateway(opts: WebApiGatewayOptions): DataverseGateway {
  const conn = createConnection(opts);
  const plain = createQueryPort(conn);
  const together = createCoalescer(conn, plain);
  const port = coalescingPort(plain, together);
  const stageNames = new Map<string, string>();
  const gateway: DataverseGateway = {
    adapter: "webapi",
    whoAmI: () => whoAmI(conn, together),
    entitySetName: async (table) => (await conn.tableInfo(table)).entitySetName,
    checkColumns: (required) => checkColumns(conn, required),
    retrieveRecord: (table, id, columns) => retrieveRecord(conn, table, id, columns),
    streamTable: (o) => streamTable(conn, o, together),
    fetchRelatedFacts: (o: FetchRelatedFactsOptions): Promise<Map<string, RelatedFacts>> => fetchRelatedFactsWith(port, o, stageNames),
    createMany: (table, rows, o) => createMany(conn, table, rows, o),
    updateMany: (table, rows, o) => updateMany(conn, table, rows, o),
    upsertMany: (table, rows, o) => upsertMany(conn, table, rows, o),
    deleteMany: (table, ids, o) => deleteMany(conn, table, ids, o),
    readVersioned: (table, ids, columns) => readVersioned(conn, table, ids, columns),
    prefetchMetadata: (tables, withAttributes) => prefetchMetadata(conn, tables, withAttributes),
    queryMany: async (table, columns, filters, describe) => {
      // With the primary id column, as streamTable reads it.
      const select = [...new Set([...columns, (await conn.tableInfo(table)).primaryIdAttribute])];
      const results = await Promise.all(filters.map((filter, i) => together.query(table, select, filter, filters.length > 1 ? `${describe}, ${i + 1} of ${filters.length}` : describe)));
      return results.map((rows) => rows.map(cleanRow));
    },
    writeFirst: (first, then) => writeFirst(conn, first, then),
    writeFixes: (table, writes, o) => writeFixes(conn, table, writes, o),
    coverage: (table, filter, o) => coverage(conn, port, table, filter, o),
    stats: (): GatewayStats => conn.exec.stats(),
  };
  gateway.merge = createMergePort(conn.exec, conn.client, gateway);
  return gateway;
}

/** Exposed for tests and docs: the table info used without metadata access. */
export { fallbackTableInfo };
