/**
 * A conditional update (`If-Match`) answered 412 may be our own write seen twice: the first
 * attempt went through, its answer was lost with a dropped connection, and the retry found the
 * row at the version the first attempt made. `versionIfOurs` tells the two apart by reading the
 * row back: when every column holds what we wrote, the write is ours and its version is returned;
 * otherwise someone else changed the row (null).
 *
 * Failure modes: a row that is gone is "not ours" (null); read errors propagate. Columns bound by
 * `@odata.bind` are not compared (their lookups read back under another name).
 */
import { etagOf, type DataverseGateway, type Row } from "./gateway";

function same(wrote: unknown, found: unknown): boolean {
  if (wrote === undefined || wrote === null || wrote === "") return found === undefined || found === null || found === "";
  if (typeof wrote === "number" && typeof found === "number") return Math.abs(wrote - found) < 0.005;
  if (typeof wrote === "string" && typeof found === "string" && wrote !== found) {
    // Dates come back in the platform's format (no milliseconds).
    const a = Date.parse(wrote);
    return /^\d{4}-\d\d-\d\dT/.test(wrote) && !Number.isNaN(a) && a === Date.parse(found);
  }
  return wrote === found;
}

export async function versionIfOurs(gateway: DataverseGateway, table: string, id: string, patch: Row): Promise<string | null> {
  const columns = Object.keys(patch).filter((c) => !c.includes("@"));
  const row = await gateway.retrieveRecord(table, id, [...columns, "versionnumber"]);
  if (!row) return null;
  return columns.every((c) => same(patch[c], row[c])) ? etagOf(row) : null;
}
