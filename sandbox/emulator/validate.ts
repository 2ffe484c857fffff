/**
 * Checks a written value against its column and normalizes it (dates to ISO, GUIDs to lower case):
 * wrong JSON type, a string over the column's length, a choice value that isn't an option → 400
 * naming the column.
 */
import { GUID } from "./context";
import { badQuery } from "./errors";
import type { ColumnDef } from "./schema";
import { nowIso } from "./store";
import { str } from "./values";

/** Validates and normalizes a written value for its column (400 naming the column on mismatch). */
export function validateValue(c: ColumnDef, v: unknown): unknown {
  if (v === null) return null;
  const fail = (expected: string): never => {
    throw badQuery(`Cannot convert the literal '${typeof v === "string" ? v : JSON.stringify(v)}' to the expected type '${expected}' of the property '${c.name}'.`);
  };
  switch (c.type) {
    case "string":
    case "memo":
    case "entityname":
      if (typeof v !== "string") fail("Edm.String");
      if (c.maxLength && (v as string).length > c.maxLength) {
        throw badQuery(`A validation error occurred. The length of the '${c.name}' attribute exceeded the maximum allowed length of '${c.maxLength}'.`);
      }
      return v;
    case "integer":
    case "bigint":
      if (typeof v !== "number" || !Number.isInteger(v)) fail(c.type === "bigint" ? "Edm.Int64" : "Edm.Int32");
      return v;
    case "decimal":
    case "money":
      if (typeof v !== "number" || !Number.isFinite(v)) fail("Edm.Decimal");
      return v;
    case "boolean":
      if (typeof v !== "boolean") fail("Edm.Boolean");
      return v;
    case "picklist":
    case "state":
    case "status":
      if (typeof v !== "number" || !Number.isInteger(v)) fail("Edm.Int32");
      if (c.options && !((v as number) in c.options)) {
        throw badQuery(`${str(v)} is not a valid value for the choice column '${c.name}'. Valid values: ${Object.keys(c.options).join(", ")}.`);
      }
      return v;
    case "datetime": {
      if (typeof v !== "string" || Number.isNaN(Date.parse(v))) fail("Edm.DateTimeOffset");
      return nowIso(new Date(v as string));
    }
    case "dateonly": {
      if (typeof v !== "string" || Number.isNaN(Date.parse(v))) fail("Edm.Date");
      return new Date(v as string).toISOString().slice(0, 10);
    }
    case "uniqueidentifier":
      if (typeof v !== "string" || !GUID.test(v)) fail("Edm.Guid");
      return (v as string).toLowerCase();
    default:
      return v;
  }
}
