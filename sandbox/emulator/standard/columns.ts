/**
 * The standard columns of account, opportunity, contact, lead and the activity tables (task, phonecall, email,
 * appointment, activitypointer) from Microsoft's metadata: the emulator's
 * schema takes each one it doesn't define itself, so a client writing any standard column gets
 * what Dataverse would answer. Account and opportunity come from a real organisation's capture
 * (standard-columns.json, made by generate.ts); the others from Microsoft's table reference, which
 * lists each column's type, length and choices as the platform reports them
 * (reference-columns.json; see SOURCES.md). Platform-computed columns (base-currency `_base`,
 * rollup `_date`/`_state`, composites) are read-only.
 */
import type { ColumnDef, ColumnType } from "../schema";
import captured from "./standard-columns.json";
import documented from "./reference-columns.json";

type Compact = [name: string, type: string, label: string, requiredLevel: string, extra: { maxLength?: number; options?: Record<string, string>; targets?: string[] }];

const COMPUTED = /(_base|_composite|_date|_state)$/;
const TABLES: Record<string, Compact[] | undefined> = {
  ...(captured.tables as unknown as Record<string, Compact[]>),
  ...(documented.tables as unknown as Record<string, Compact[]>),
};

/** The standard columns of `table` that `defined` lacks. */
export function standardColumns(table: string, defined: readonly ColumnDef[]): ColumnDef[] {
  const rows = TABLES[table] ?? [];
  const have = new Set(defined.map((c) => c.name));
  return rows.filter(([name]) => !have.has(name)).map(([name, type, label, requiredLevel, extra]): ColumnDef => {
    const c: ColumnDef = { name, type: type as ColumnType, label };
    if (requiredLevel === "ApplicationRequired" || requiredLevel === "SystemRequired") c.requiredLevel = requiredLevel;
    if (extra.maxLength !== undefined) c.maxLength = extra.maxLength;
    if (extra.options) c.options = Object.fromEntries(Object.entries(extra.options).map(([v, l]) => [Number(v), l]));
    if (extra.targets) c.targets = extra.targets;
    if (COMPUTED.test(name)) c.readOnly = true;
    return c;
  });
}
