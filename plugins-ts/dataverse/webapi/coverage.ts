/**
 * How much of a table the caller can read: a FetchXML aggregate count (paging the primary key
 * when the table is past the aggregate limit or a filter applies), and the total when a privileged
 * principal can count what the caller cannot see.
 *
 * Failure modes: errors other than the aggregate limit propagate; without a privileged principal
 * the total is reported unknown, with the reason, never guessed.
 */
import { AGGREGATE_LIMIT_CODE, DataverseError } from "../errors";
import type { CoverageOptions, CoverageReport } from "../gateway";
import type { QueryPort } from "../related";
import { countFetchXml, type Filter } from "../requests";
import type { WebApiConnection } from "./connection";
import { queryPages } from "./reads";

async function countReadable(conn: WebApiConnection, port: QueryPort, table: string, filter: Filter | undefined): Promise<{ count: number; how: string }> {
  const info = await conn.tableInfo(table);
  if (!filter) {
    try {
      const rows = await port.fetchXml(table, countFetchXml(info.logicalName, info.primaryIdAttribute), `count of ${table}`);
      const n = Number(rows[0]?.count);
      if (Number.isFinite(n)) return { count: n, how: "FetchXML aggregate count" };
    } catch (err) {
      if (!(err instanceof DataverseError) || err.code !== AGGREGATE_LIMIT_CODE) throw err;
    }
  }
  let count = 0;
  await queryPages(conn, table, [info.primaryIdAttribute], filter, `count of ${table}`, (page) => (count += page.length));
  return { count, how: "paging the primary key (5,000 a page)" };
}

export async function coverage(conn: WebApiConnection, port: QueryPort, table: string, filter: Filter | undefined, o: CoverageOptions = {}): Promise<CoverageReport> {
  const readable = await countReadable(conn, port, table, filter);
  if (o.privileged) {
    const total = (await o.privileged.coverage(table, filter)).readable;
    return { table, readable: readable.count, total, complete: readable.count >= total, basis: `caller's rows by ${readable.how}; total from a privileged principal's count` };
  }
  return {
    table,
    readable: readable.count,
    total: null,
    complete: null,
    basis: `caller's rows by ${readable.how}; total unknown: Dataverse counts only rows the caller may read, so rows outside the caller's access cannot be counted without a privileged principal`,
  };
}
