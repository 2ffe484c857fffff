/**
 * Who is calling and what the organisation has: WhoAmI, and every required column checked against
 * the tables' attribute metadata (read once per table, cached) before any data is read.
 *
 * Failure modes: a table name or a columns list that is not one throws; missing tables and
 * columns are reported together in one MissingColumnsError.
 */
import { MissingColumnsError } from "../errors";
import type { WhoAmI } from "../gateway";
import { assertTable, logicalColumn } from "../requests";
import type { Coalescer } from "./coalesce";
import type { WebApiConnection } from "./connection";

type WhoAmIResponse = { UserId: string; BusinessUnitId: string; OrganizationId: string };

/** Who is calling; with `together`, in the `$batch` of the other reads asked in the same turn (coalesce.ts). */
export async function whoAmI(conn: WebApiConnection, together?: Coalescer): Promise<WhoAmI> {
  const alone = async (): Promise<WhoAmIResponse> => conn.exec.run("GET WhoAmI", async () => conn.unwrap(await conn.client.callFunction<WhoAmIResponse>({ name: "WhoAmI" })));
  const res = (together ? await together.call("WhoAmI", (c) => c.callFunction({ name: "WhoAmI" }), alone) : await alone()) as WhoAmIResponse;
  return { userId: res.UserId, businessUnitId: res.BusinessUnitId, organizationId: res.OrganizationId };
}

export async function checkColumns(conn: WebApiConnection, required: Readonly<Record<string, readonly string[]>>): Promise<void> {
  const missing: string[] = [];
  const entries = Object.entries(required);
  for (const [table, columns] of entries) {
    assertTable(table);
    if (!Array.isArray(columns)) throw new Error(`checkColumns: the columns of ${table} must be an array of column names`);
  }
  const found = await Promise.all(entries.map(([table]) => conn.attributesOf(table)));
  entries.forEach(([table, columns], i) => {
    const attrs = found[i];
    if (attrs === null) {
      missing.push(`${table} (the table itself)`);
      return;
    }
    for (const c of columns) {
      if (c.startsWith("@")) continue; // related facts, not columns
      if (!attrs.has(logicalColumn(c))) missing.push(`${table}.${c}`);
    }
  });
  if (missing.length) throw new MissingColumnsError([...new Set(missing)]);
}
