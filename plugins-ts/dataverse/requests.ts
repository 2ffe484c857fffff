/**
 * Pure request builders: a typed query (table, columns, filter, order, page size) becomes the
 * OData query string and the dynamics-web-api request object; FetchXML aggregates for related
 * facts; alternate-key segments. No I/O here, so every rule of quoting and escaping is unit-tested.
 */
import { xmlEscape } from "../export/xml";

const GUID_RE = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;
/** A column, a lookup value column (`_x_value`), or a single-valued navigation path (`a/b`). */
const COLUMN_RE = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;
const TABLE_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A GUID literal: written unquoted in OData (`_ownerid_value eq 1f…`). */
export interface GuidLiteral {
  readonly kind: "guid";
  readonly value: string;
}
/** A date-only literal (`2024-03-01`), for Date Only columns. */
export interface DateOnlyLiteral {
  readonly kind: "dateOnly";
  readonly value: string;
}
export type Literal = string | number | boolean | null | Date | GuidLiteral | DateOnlyLiteral;

/** A built filter expression. Only the builder makes these, so every literal is escaped. */
export interface Filter {
  readonly odata: string;
  /** Precedence hint: `and`/`or` expressions are parenthesised when nested. */
  readonly composite?: "and" | "or";
}

export function isGuid(value: string): boolean {
  return GUID_RE.test(value);
}

/** Validates and normalises a GUID (lowercase, no braces); throws naming the bad value. */
export function normaliseGuid(value: string, what = "id"): string {
  const m = GUID_RE.exec(String(value).trim());
  if (!m) throw new Error(`${what} '${String(value)}' is not a GUID`);
  return m[1].toLowerCase();
}

export function guid(value: string): GuidLiteral {
  return { kind: "guid", value: normaliseGuid(value, "GUID literal") };
}

export function dateOnly(value: string | Date): DateOnlyLiteral {
  const text = value instanceof Date ? value.toISOString().slice(0, 10) : value;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(text + "T00:00:00Z"))) {
    throw new Error(`date-only literal '${text}' is not a valid YYYY-MM-DD date`);
  }
  return { kind: "dateOnly", value: text };
}

export function assertColumn(name: string, where = "column"): string {
  if (typeof name !== "string" || !COLUMN_RE.test(name)) {
    throw new Error(`${where} '${String(name)}' is not a valid Dataverse column name`);
  }
  return name;
}

export function assertTable(name: string): string {
  if (typeof name !== "string" || !TABLE_RE.test(name)) {
    throw new Error(`table '${String(name)}' is not a valid Dataverse table logical name`);
  }
  return name;
}

/** Dataverse's date-time format: ISO-8601 UTC without milliseconds when they are zero. */
export function formatDateTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Error("invalid Date in a filter");
  const iso = d.toISOString();
  return iso.endsWith(".000Z") ? iso.slice(0, -5) + "Z" : iso;
}

/** Escapes a string for an OData single-quoted literal: `O'Brien` → `'O''Brien'`. */
export function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Formats a literal for `$filter`. */
export function formatLiteral(value: Literal): string {
  if (value === null) return "null";
  if (typeof value === "string") return quote(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`number literal ${value} is not finite`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return formatDateTime(value);
  if (value.kind === "guid" || value.kind === "dateOnly") return value.value;
  throw new Error(`unsupported literal ${JSON.stringify(value)}`);
}

function wrap(f: Filter, parent: "and" | "or" | "not"): string {
  return f.composite && f.composite !== parent ? `(${f.odata})` : f.odata;
}

function compare(op: string) {
  return (column: string, value: Literal): Filter => ({
    odata: `${assertColumn(column)} ${op} ${formatLiteral(value)}`,
  });
}

function stringFn(fn: string) {
  return (column: string, value: string): Filter => {
    if (typeof value !== "string") throw new Error(`${fn}(${column}, …) needs a string`);
    return { odata: `${fn}(${assertColumn(column)},${quote(value)})` };
  };
}

/** Renders the values of `Microsoft.Dynamics.CRM.In`: always string literals, GUIDs normalised. */
function inValues(values: readonly Literal[]): string {
  return values
    .map((v) => {
      if (v === null) throw new Error("In(…) cannot contain null; use isNull()");
      if (typeof v === "object" && !(v instanceof Date)) return quote(v.value);
      if (v instanceof Date) return quote(formatDateTime(v));
      return quote(String(v));
    })
    .join(",");
}

/** The tiny typed filter builder. */
export const f = {
  eq: compare("eq"),
  ne: compare("ne"),
  gt: compare("gt"),
  ge: compare("ge"),
  lt: compare("lt"),
  le: compare("le"),
  isNull: (column: string): Filter => ({ odata: `${assertColumn(column)} eq null` }),
  notNull: (column: string): Filter => ({ odata: `${assertColumn(column)} ne null` }),
  contains: stringFn("contains"),
  startsWith: stringFn("startswith"),
  endsWith: stringFn("endswith"),
  /** `Microsoft.Dynamics.CRM.In(PropertyName='col',PropertyValues=['a','b'])`. */
  in(column: string, values: readonly Literal[]): Filter {
    if (values.length === 0) throw new Error(`In(${column}) needs at least one value`);
    return {
      odata: `Microsoft.Dynamics.CRM.In(PropertyName=${quote(assertColumn(column))},PropertyValues=[${inValues(values)}])`,
    };
  },
  and(...parts: Array<Filter | undefined>): Filter {
    const items = parts.filter((p): p is Filter => p !== undefined);
    if (items.length === 0) throw new Error("and() needs at least one expression");
    if (items.length === 1) return items[0];
    return { odata: items.map((p) => wrap(p, "and")).join(" and "), composite: "and" };
  },
  or(...parts: Array<Filter | undefined>): Filter {
    const items = parts.filter((p): p is Filter => p !== undefined);
    if (items.length === 0) throw new Error("or() needs at least one expression");
    if (items.length === 1) return items[0];
    return { odata: items.map((p) => wrap(p, "or")).join(" or "), composite: "or" };
  },
  not(part: Filter): Filter {
    return { odata: `not (${part.odata})` };
  },
};

/** A typed query of one table. */
export interface TableQuery {
  /** Entity set name (`contacts`), already resolved. */
  entitySet: string;
  columns: readonly string[];
  filter?: Filter;
  /** `["createdon desc", "contactid"]`. */
  orderBy?: readonly string[];
  /** Rows per page, 1..5000 (`Prefer: odata.maxpagesize`). */
  pageSize?: number;
  top?: number;
}

export const MAX_PAGE_SIZE = 5000;

export function assertPageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new Error(`pageSize ${pageSize} must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return pageSize;
}

function assertOrderBy(clause: string): string {
  const m = /^([A-Za-z_][A-Za-z0-9_/]*)(\s+(asc|desc))?$/i.exec(clause.trim());
  if (!m) throw new Error(`orderBy clause '${clause}' must be '<column> [asc|desc]'`);
  assertColumn(m[1], "orderBy column");
  return clause.trim();
}

/** The dynamics-web-api `retrieveMultiple` request for a query. */
export interface WebApiQueryRequest {
  collection: string;
  select: string[];
  filter?: string;
  orderBy?: string[];
  maxPageSize?: number;
  top?: number;
}

export function toWebApiRequest(q: TableQuery): WebApiQueryRequest {
  if (q.columns.length === 0) throw new Error(`query of ${q.entitySet} names no columns to $select`);
  const req: WebApiQueryRequest = {
    collection: q.entitySet,
    select: [...new Set(q.columns.map((c) => assertColumn(c)))],
  };
  if (q.filter) req.filter = q.filter.odata;
  if (q.orderBy?.length) req.orderBy = q.orderBy.map(assertOrderBy);
  if (q.pageSize !== undefined) req.maxPageSize = assertPageSize(q.pageSize);
  if (q.top !== undefined) {
    if (!Number.isInteger(q.top) || q.top < 1) throw new Error(`top ${q.top} must be a positive integer`);
    req.top = q.top;
  }
  return req;
}

/** `?$select=…&$filter=…&$orderby=…&$top=…`, each value URI-encoded (what Xrm.WebApi takes). */
export function toQueryString(q: TableQuery): string {
  const req = toWebApiRequest(q);
  const parts = [`$select=${req.select.join(",")}`];
  if (req.filter) parts.push(`$filter=${encodeURIComponent(req.filter)}`);
  if (req.orderBy) parts.push(`$orderby=${encodeURIComponent(req.orderBy.join(","))}`);
  if (req.top) parts.push(`$top=${req.top}`);
  return "?" + parts.join("&");
}

/** The `Prefer` header value for a page size (and optional annotations). */
export function preferHeader(pageSize?: number, annotations?: string): string | undefined {
  const parts: string[] = [];
  if (pageSize !== undefined) parts.push(`odata.maxpagesize=${assertPageSize(pageSize)}`);
  if (annotations) parts.push(`odata.include-annotations="${annotations}"`);
  return parts.length ? parts.join(",") : undefined;
}

/** Keeps request URLs well below the ~32 KB the service accepts. */
export const DEFAULT_MAX_FILTER_CHARS = 30_000;

/**
 * Splits `values` into chunks whose rendered, URI-encoded filter stays within `maxChars`.
 * `render` turns one chunk into a filter; chunks are greedy and never empty.
 */
export function chunkForFilter<T>(
  values: readonly T[],
  render: (chunk: readonly T[]) => string,
  maxChars = DEFAULT_MAX_FILTER_CHARS,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  const base = encodeURIComponent(render(values.slice(0, 1))).length;
  if (values.length && base > maxChars) throw new Error(`a single value does not fit in ${maxChars} characters`);
  // Estimate per-value cost from the rendered single-value chunk, then verify each chunk exactly.
  for (const v of values) {
    current.push(v);
    if (current.length > 1 && encodeURIComponent(render(current)).length > maxChars) {
      current.pop();
      chunks.push(current);
      current = [v];
    }
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/** Chunks ids for `Microsoft.Dynamics.CRM.In(PropertyName=column, …)`, each chunk's filter ≤ maxChars. */
export function chunkIdsForIn(column: string, ids: readonly string[], maxChars = DEFAULT_MAX_FILTER_CHARS): string[][] {
  const normalised = [...new Set(ids.map((id) => normaliseGuid(id)))];
  // Length is linear in the number of ids, so compute the per-id cost once instead of re-rendering.
  if (normalised.length === 0) return [];
  const one = encodeURIComponent(f.in(column, [guid(normalised[0])]).odata).length;
  const two = normalised.length > 1 ? encodeURIComponent(f.in(column, [guid(normalised[0]), guid(normalised[1])]).odata).length : one;
  const perId = Math.max(1, two - one);
  const fixed = one - perId;
  const perChunk = Math.max(1, Math.floor((maxChars - fixed) / perId));
  const chunks: string[][] = [];
  for (let i = 0; i < normalised.length; i += perChunk) chunks.push(normalised.slice(i, i + perChunk));
  return chunks;
}

/** Like chunkIdsForIn for text values of any length (each value costs its own quoted, encoded length). */
export function chunkTextForIn(column: string, values: readonly string[], maxChars = DEFAULT_MAX_FILTER_CHARS): string[][] {
  const fixed = encodeURIComponent(f.in(column, [""]).odata).length;
  const chunks: string[][] = [];
  let cur: string[] = [];
  let size = fixed;
  for (const v of new Set(values)) {
    const cost = encodeURIComponent(`'${v.replace(/'/g, "''")}',`).length;
    if (cur.length && size + cost > maxChars) {
      chunks.push(cur);
      cur = [];
      size = fixed;
    }
    cur.push(v);
    size += cost;
  }
  if (cur.length) chunks.push(cur);
  return chunks;
}

export { xmlEscape };

export interface FetchCondition {
  attribute: string;
  operator: "eq" | "ne" | "in" | "not-null" | "null" | "lt" | "gt" | "le" | "ge";
  value?: string | number;
  values?: ReadonlyArray<string | number>;
}

function renderCondition(c: FetchCondition): string {
  const attr = xmlEscape(assertColumn(c.attribute, "FetchXML attribute"));
  if (c.operator === "in") {
    if (!c.values?.length) throw new Error(`FetchXML 'in' condition on ${c.attribute} needs values`);
    const vals = c.values.map((v) => `<value>${xmlEscape(String(v))}</value>`).join("");
    return `<condition attribute="${attr}" operator="in">${vals}</condition>`;
  }
  if (c.operator === "null" || c.operator === "not-null") return `<condition attribute="${attr}" operator="${c.operator}"/>`;
  if (c.value === undefined) throw new Error(`FetchXML '${c.operator}' condition on ${c.attribute} needs a value`);
  return `<condition attribute="${attr}" operator="${c.operator}" value="${xmlEscape(String(c.value))}"/>`;
}

/**
 * An aggregate grouped by one lookup: `max(actualend) per regardingobjectid`. The result rows carry
 * the aliases `group` (the lookup id) and `value`.
 */
export function aggregateByLookupFetchXml(opts: {
  table: string;
  aggregate: "max" | "min" | "count" | "countcolumn";
  attribute: string;
  groupBy: string;
  conditions: readonly FetchCondition[];
}): string {
  const table = xmlEscape(assertTable(opts.table));
  const attr = xmlEscape(assertColumn(opts.attribute));
  const group = xmlEscape(assertColumn(opts.groupBy));
  const filter = opts.conditions.map(renderCondition).join("");
  return (
    `<fetch aggregate="true"><entity name="${table}">` +
    `<attribute name="${group}" alias="group" groupby="true"/>` +
    `<attribute name="${attr}" alias="value" aggregate="${opts.aggregate}"/>` +
    (filter ? `<filter type="and">${filter}</filter>` : "") +
    `</entity></fetch>`
  );
}

/** `count` of the rows of a table the caller can read, optionally filtered. */
export function countFetchXml(table: string, primaryId: string, conditions: readonly FetchCondition[] = []): string {
  const filter = conditions.map(renderCondition).join("");
  return (
    `<fetch aggregate="true"><entity name="${xmlEscape(assertTable(table))}">` +
    `<attribute name="${xmlEscape(assertColumn(primaryId))}" alias="count" aggregate="count"/>` +
    (filter ? `<filter type="and">${filter}</filter>` : "") +
    `</entity></fetch>`
  );
}

/** A key literal in a URL segment: quotes doubled, then URI-encoded so `,` `/` `#` `?` are safe. */
function keyLiteral(value: unknown, column: string): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string") return `'${encodeURIComponent(value.replace(/'/g, "''")).replace(/%27/g, "'")}'`;
  throw new Error(`alternate key column ${column} must be a string or number, got ${JSON.stringify(value)}`);
}

/** `vit_table='contact',vit_recordid='…'` for an alternate key, from a row's values. */
export function alternateKeySegment(row: Readonly<Record<string, unknown>>, keyColumns: readonly string[]): string {
  if (keyColumns.length === 0) throw new Error("alternateKey names no columns");
  return keyColumns
    .map((c) => {
      assertColumn(c, "alternate key column");
      if (!(c in row) || row[c] == null || row[c] === "") throw new Error(`row has no value for alternate key column ${c}`);
      return `${c}=${keyLiteral(row[c], c)}`;
    })
    .join(",");
}

/** Lookup value column for a lookup logical name: `parentcustomerid` → `_parentcustomerid_value`. */
export function lookupValueColumn(lookup: string): string {
  const m = /^_(.+)_value$/.exec(lookup);
  return m ? lookup : `_${assertColumn(lookup)}_value`;
}

/** The logical column a `$select` name refers to: `_parentcustomerid_value` → `parentcustomerid`. */
export function logicalColumn(name: string): string {
  const m = /^_(.+)_value$/.exec(name);
  return (m ? m[1] : name).toLowerCase();
}
