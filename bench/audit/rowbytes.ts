/**
 * How many bytes of column data a health row (`vit_recordhealth`) takes, the figure the
 * performance target "≤ 600 bytes on average" is about. Counted per column the audit writes, by
 * its type in the solution source: text and multiline text as UTF-8 bytes of the value, lookups
 * and ids 16 bytes, date-times, decimals 8, whole numbers, choices and state 4; empty columns 0.
 * Columns every Dataverse row has (created/modified by and on, owner, version) are left out: they
 * are the same for any design. Dataverse keeps text as UTF-16 internally, so its own figure for
 * ASCII text is up to twice the text part.
 */
import recordHealthJson from "../../solution/src/tables/vit_recordhealth.json";
import type { DataverseGateway, Row } from "../../plugins-ts/dataverse/gateway";

const TYPE_BYTES: Record<string, number> = { lookup: 16, datetime: 8, decimal: 8, int: 4, choice: 4 };

/** The audit-written columns of vit_recordhealth as the Web API returns them, with their size rule. */
export const HEALTH_BYTE_COLUMNS: ReadonlyArray<{ name: string; type: string }> = [
  { name: "vit_name", type: "text" },
  { name: "statecode", type: "choice" },
  ...(recordHealthJson.columns as { schemaName: string; type: string }[]).map((c) => ({ name: c.type === "lookup" ? `_${c.schemaName.toLowerCase()}_value` : c.schemaName.toLowerCase(), type: c.type })),
];

export function healthRowBytes(row: Row): number {
  let n = 0;
  for (const c of HEALTH_BYTE_COLUMNS) {
    const v = row[c.name];
    if (v === null || v === undefined || v === "") continue;
    n += TYPE_BYTES[c.type] ?? Buffer.byteLength(String(v), "utf8");
  }
  return n;
}

/** Average bytes per active health row and the largest column's share, read through the Web API. */
export async function measureHealthRows(gateway: DataverseGateway): Promise<{ rows: number; averageBytes: number; byColumn: Record<string, number> }> {
  let rows = 0;
  let total = 0;
  const byColumn: Record<string, number> = {};
  for await (const page of gateway.streamTable({ table: "vit_recordhealth", columns: HEALTH_BYTE_COLUMNS.map((c) => c.name) })) {
    for (const r of page.rows) {
      rows++;
      total += healthRowBytes(r);
      for (const c of HEALTH_BYTE_COLUMNS) byColumn[c.name] = (byColumn[c.name] ?? 0) + healthRowBytes({ [c.name]: r[c.name] });
    }
  }
  for (const k of Object.keys(byColumn)) byColumn[k] = Math.round(byColumn[k] / Math.max(1, rows));
  return { rows, averageBytes: rows ? Math.round(total / rows) : 0, byColumn };
}
