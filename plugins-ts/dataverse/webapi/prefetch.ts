/**
 * Table metadata for a whole run in one request: the definitions (entity set name, primary id) of
 * every table a run will touch and the attribute names of the tables whose columns it checks, read
 * as one `$batch` of GETs and put into the connection's caches, where the one-at-a-time lookups
 * (connection.ts) then find them. An audit used to spend a request per table on this.
 *
 * Failure modes: none of its own. A table that does not exist (404) is cached as absent, as the
 * single lookup would; any other failed item is left out of the caches, so the single lookup reads
 * it later and reports its error in its place.
 */
import { DataverseError } from "../errors";
import { assertTable } from "../requests";
import type { WebApiConnection } from "./connection";
import { getMany } from "./reads";

const DEFINITION_COLUMNS = ["LogicalName", "EntitySetName", "LogicalCollectionName", "PrimaryIdAttribute"];

export async function prefetchMetadata(conn: WebApiConnection, tables: readonly string[], withAttributes: readonly string[] = []): Promise<void> {
  const defs = [...new Set(tables.map((t) => assertTable(t).toLowerCase()))];
  const attrs = [...new Set(withAttributes.map((t) => assertTable(t).toLowerCase()))];
  if (defs.length + attrs.length === 0) return;
  const results = await getMany(conn, `metadata of ${defs.length + attrs.length} tables`, [
    ...defs.map((t) => (c: typeof conn.client) => c.retrieveEntity({ key: `LogicalName='${t}'`, select: DEFINITION_COLUMNS })),
    ...attrs.map((t) => (c: typeof conn.client) => c.retrieveAttributes({ entityKey: `LogicalName='${t}'`, select: ["LogicalName"] })),
  ]);
  const missing = (r: unknown): boolean => r instanceof DataverseError && r.status === 404;
  defs.forEach((t, i) => {
    const r = results[i];
    if (missing(r)) conn.prime.tableInfo(t, null);
    else if (r && !(r instanceof Error)) conn.prime.tableInfo(t, r);
  });
  attrs.forEach((t, i) => {
    const r = results[defs.length + i] as { value?: { LogicalName: string }[] } | Error | undefined;
    if (missing(r)) conn.prime.attributes(t, null);
    else if (r && !(r instanceof Error) && Array.isArray(r.value)) conn.prime.attributes(t, new Set(r.value.map((a) => a.LogicalName.toLowerCase())));
  });
}
