/**
 * Column values of fixes: comparing what a record holds with what the journal says, and turning
 * journaled changes into a Web API body (lookups as `@odata.bind`, a null bind clears one).
 */
import type { FixChange } from "../engine/fixes";
import type { ColumnValue } from "../engine/types";
import type { DataverseGateway, Row } from "../dataverse/gateway";

/** Lookups compare case-insensitively (GUIDs); text exactly; absent and null are the same. */
export function sameValue(a: ColumnValue | undefined, b: ColumnValue | undefined): boolean {
  const x = a ?? null;
  const y = b ?? null;
  if (typeof x === "string" && typeof y === "string" && /^[0-9a-f-]{36}$/i.test(x) && /^[0-9a-f-]{36}$/i.test(y)) return x.toLowerCase() === y.toLowerCase();
  return x === y;
}

/** Polymorphic customer lookups name their navigation property per target (`parentcustomerid_account`). */
const PER_TARGET = new Set(["parentcustomerid", "customerid", "regardingobjectid"]);

export function bindProperty(column: string, target: string): string {
  const lookup = column.slice(1, -"_value".length);
  return `${PER_TARGET.has(lookup) ? `${lookup}_${target}` : lookup}@odata.bind`;
}

export const isLookupColumn = (column: string): boolean => column.startsWith("_") && column.endsWith("_value");

/**
 * The body that sets each column to `pick(change)`: `after` for apply, `before` for undo. A lookup
 * needs its target table; the entity set comes from the gateway's metadata.
 */
export async function bodyOf(gateway: DataverseGateway, changes: readonly FixChange[], side: "after" | "before"): Promise<Row> {
  const data: Row = {};
  for (const c of changes) {
    const value = side === "after" ? c.after : c.before;
    if (!isLookupColumn(c.column)) {
      data[c.column] = value;
      continue;
    }
    const target = side === "after" ? c.target : (c.beforeTarget ?? c.target);
    if (!target) throw new Error(`the journal has no target table for lookup ${c.column}`);
    data[bindProperty(c.column, target)] = value === null ? null : `/${await gateway.entitySetName(target)}(${String(value)})`;
  }
  return data;
}
