/**
 * Every row of several queries of one table (a query without a filter reads the whole table): through gateway.queryMany
 * where the gateway has it (one `$batch`, shared with the other reads asked in the same turn:
 * related facts, stored health rows, duplicate candidates), else one query after another.
 * Failure modes: a query that fails rejects with its DataverseError.
 */
import type { DataverseGateway, Filter, Row } from "../dataverse/gateway";

export async function readAll(gateway: DataverseGateway, table: string, columns: readonly string[], filters: readonly (Filter | undefined)[], describe: string): Promise<Row[]> {
  if (filters.length === 0) return [];
  if (gateway.queryMany) return (await gateway.queryMany(table, columns, filters, describe)).flat();
  const rows: Row[] = [];
  for (const filter of filters) for await (const page of gateway.streamTable({ table, columns, filter })) rows.push(...page.rows);
  return rows;
}
