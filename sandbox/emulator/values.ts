/**
 * Typed comparison of column values and the date arithmetic shared by the OData `$filter`
 * engine and FetchXML conditions. Dates are compared in UTC (the real service uses the calling
 * user's time zone for day boundaries).
 */
import { type ColumnDef } from "./schema";

export type Comparable = string | number | boolean | null;

const DAY = 86_400_000;

export function isNumericType(c: ColumnDef): boolean {
  return ["integer", "bigint", "decimal", "money", "picklist", "state", "status"].includes(c.type);
}

/** Converts a literal from a query into the comparable form of a column's values. */
export function coerceLiteral(c: ColumnDef, v: unknown, where: string): Comparable {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case "datetime":
    case "dateonly": {
      const ms = typeof v === "number" ? v : Date.parse(str(v));
      if (Number.isNaN(ms)) throw new Error(`${where}: '${str(v)}' is not a valid date/time for column '${c.name}'`);
      return c.type === "dateonly" ? new Date(ms).toISOString().slice(0, 10) : new Date(ms).toISOString().slice(0, 19) + "Z";
    }
    case "boolean":
      if (typeof v === "boolean") return v;
      if (v === "1" || v === 1 || v === "true") return true;
      if (v === "0" || v === 0 || v === "false") return false;
      throw new Error(`${where}: '${str(v)}' is not a valid boolean for column '${c.name}'`);
    default:
      if (isNumericType(c)) {
        const n = typeof v === "number" ? v : Number(v);
        if (typeof v === "boolean" || str(v).trim() === "" || Number.isNaN(n)) {
          throw new Error(`${where}: '${str(v)}' is not a valid number for column '${c.name}'`);
        }
        return n;
      }
      return str(v).toLowerCase();
  }
}

/** Comparable form of a stored value. */
export function comparableOf(c: ColumnDef, v: unknown): Comparable {
  if (v === null || v === undefined) return null;
  if (c.type === "datetime" || c.type === "dateonly") return str(v);
  if (typeof v === "string") return isNumericType(c) ? Number(v) : v.toLowerCase();
  if (typeof v === "number" || typeof v === "boolean") return v;
  return str(v).toLowerCase();
}

/** Normalizes a comparable date to the column's precision for comparison with a literal. */
export function alignDate(c: ColumnDef, stored: string): string {
  return c.type === "dateonly" ? stored.slice(0, 10) : stored;
}

export function compare(a: Comparable, b: Comparable): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function startOfDayUtc(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

/** The Dataverse date operators (query functions / FetchXML operators), as predicates on ms. */
export type DateOp =
  | "on" | "on-or-before" | "on-or-after" | "not-on"
  | "today" | "yesterday" | "tomorrow"
  | "last-x-days" | "next-x-days" | "last-x-hours" | "next-x-hours" | "last-x-weeks" | "next-x-weeks"
  | "last-x-months" | "next-x-months" | "last-x-years" | "next-x-years"
  | "older-than-x-minutes" | "older-than-x-hours" | "older-than-x-days" | "older-than-x-weeks"
  | "older-than-x-months" | "older-than-x-years"
  | "last-seven-days" | "next-seven-days" | "this-month" | "this-year" | "last-month" | "last-year";

export const DATE_OPS: ReadonlySet<string> = new Set<DateOp>([
  "on", "on-or-before", "on-or-after", "not-on", "today", "yesterday", "tomorrow", "last-x-days", "next-x-days",
  "last-x-hours", "next-x-hours", "last-x-weeks", "next-x-weeks", "last-x-months", "next-x-months", "last-x-years",
  "next-x-years", "older-than-x-minutes", "older-than-x-hours", "older-than-x-days", "older-than-x-weeks",
  "older-than-x-months", "older-than-x-years", "last-seven-days", "next-seven-days", "this-month", "this-year",
  "last-month", "last-year",
]);

/** Operators that take an integer X (or a date for on/on-or-before/on-or-after). */
export function dateOpNeedsValue(op: DateOp): boolean {
  return op.includes("-x-") || op === "on" || op === "on-or-before" || op === "on-or-after" || op === "not-on";
}

/** Builds a predicate over a stored ISO date string. */
export function datePredicate(op: DateOp, value: unknown, now: number, where: string): (stored: string) => boolean {
  const today = startOfDayUtc(now);
  let from = -Infinity;
  let to = Infinity; // exclusive
  const x = (): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${where}: '${String(value)}' is not a valid whole number for operator ${op}`);
    return n;
  };
  const day = (): number => {
    const ms = Date.parse(String(value));
    if (Number.isNaN(ms)) throw new Error(`${where}: '${String(value)}' is not a valid date for operator ${op}`);
    return startOfDayUtc(ms);
  };
  let negate = false;
  switch (op) {
    case "on": from = day(); to = from + DAY; break;
    case "not-on": from = day(); to = from + DAY; negate = true; break;
    case "on-or-before": to = day() + DAY; break;
    case "on-or-after": from = day(); break;
    case "today": from = today; to = today + DAY; break;
    case "yesterday": from = today - DAY; to = today; break;
    case "tomorrow": from = today + DAY; to = today + 2 * DAY; break;
    case "last-x-days": from = today - x() * DAY; to = now + 1; break;
    case "next-x-days": from = now; to = today + (x() + 1) * DAY; break;
    case "last-x-hours": from = now - x() * 3_600_000; to = now + 1; break;
    case "next-x-hours": from = now; to = now + x() * 3_600_000; break;
    case "last-x-weeks": from = today - x() * 7 * DAY; to = now + 1; break;
    case "next-x-weeks": from = now; to = today + (x() * 7 + 1) * DAY; break;
    case "last-x-months": from = addMonths(today, -x()); to = now + 1; break;
    case "next-x-months": from = now; to = addMonths(today + DAY, x()); break;
    case "last-x-years": from = addMonths(today, -12 * x()); to = now + 1; break;
    case "next-x-years": from = now; to = addMonths(today + DAY, 12 * x()); break;
    case "older-than-x-minutes": to = now - x() * 60_000; break;
    case "older-than-x-hours": to = now - x() * 3_600_000; break;
    case "older-than-x-days": to = today - x() * DAY; break;
    case "older-than-x-weeks": to = today - x() * 7 * DAY; break;
    case "older-than-x-months": to = addMonths(today, -x()); break;
    case "older-than-x-years": to = addMonths(today, -12 * x()); break;
    case "last-seven-days": from = today - 7 * DAY; to = now + 1; break;
    case "next-seven-days": from = now; to = today + 8 * DAY; break;
    case "this-month": {
      const d = new Date(today);
      from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      to = addMonths(from, 1);
      break;
    }
    case "last-month": {
      const d = new Date(today);
      to = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      from = addMonths(to, -1);
      break;
    }
    case "this-year": {
      const y = new Date(today).getUTCFullYear();
      from = Date.UTC(y, 0, 1);
      to = Date.UTC(y + 1, 0, 1);
      break;
    }
    case "last-year": {
      const y = new Date(today).getUTCFullYear();
      from = Date.UTC(y - 1, 0, 1);
      to = Date.UTC(y, 0, 1);
      break;
    }
  }
  return (stored: string) => {
    const ms = Date.parse(stored);
    const inside = ms >= from && ms < to;
    return negate ? !inside : inside;
  };
}

/** OData function names (Microsoft.Dynamics.CRM.X) mapped to date operators. */
export const ODATA_DATE_FUNCTIONS: Record<string, DateOp> = {
  On: "on", NotOn: "not-on", OnOrBefore: "on-or-before", OnOrAfter: "on-or-after", Today: "today",
  Yesterday: "yesterday", Tomorrow: "tomorrow", LastXDays: "last-x-days", NextXDays: "next-x-days",
  LastXHours: "last-x-hours", NextXHours: "next-x-hours", LastXWeeks: "last-x-weeks", NextXWeeks: "next-x-weeks",
  LastXMonths: "last-x-months", NextXMonths: "next-x-months", LastXYears: "last-x-years", NextXYears: "next-x-years",
  OlderThanXMinutes: "older-than-x-minutes", OlderThanXHours: "older-than-x-hours", OlderThanXDays: "older-than-x-days",
  OlderThanXWeeks: "older-than-x-weeks", OlderThanXMonths: "older-than-x-months", OlderThanXYears: "older-than-x-years",
  LastSevenDays: "last-seven-days", NextSevenDays: "next-seven-days", ThisMonth: "this-month", ThisYear: "this-year",
  LastMonth: "last-month", LastYear: "last-year",
};

/** Text of a scalar value (strings as they are, numbers and booleans via String, objects as JSON). */
export function str(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return v == null ? "" : JSON.stringify(v);
}
