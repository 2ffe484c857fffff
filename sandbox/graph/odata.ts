/**
 * The OData query options the Graph stand-in understands on messages and calendarView, with
 * Graph's error codes when a query is refused.
 */
import { ServiceError } from "../loopback";
import type { StandInEvent, StandInMessage } from "./types";

/** An error answered with Graph's error body. */
export class GraphError extends ServiceError {
  override name = "GraphError";
}

const MAX_TOP = 1000;
export const DEFAULT_TOP = 10;

/** Properties a message can be $select-ed by (the stand-in's `folder` is served as `parentFolderId`). */
export const MESSAGE_PROPERTIES = [
  "id", "internetMessageId", "subject", "sentDateTime", "receivedDateTime", "from", "toRecipients", "ccRecipients",
  "isDraft", "conversationId", "parentFolderId", "body", "bodyPreview", "uniqueBody",
] as const;
/** Returned when no $select is given (Graph leaves uniqueBody out unless selected). */
export const MESSAGE_DEFAULT = MESSAGE_PROPERTIES.filter((p) => p !== "uniqueBody");
export const EVENT_PROPERTIES = [
  "id", "iCalUId", "subject", "start", "end", "organizer", "attendees", "isCancelled", "isAllDay", "showAs", "type", "location", "body", "bodyPreview",
] as const satisfies readonly (keyof StandInEvent)[];
/** What ReadBasic permissions never return. */
export const BODY_PROPERTIES = new Set<string>(["body", "bodyPreview", "uniqueBody"]);

/** Rejects $-options the stand-in does not serve (Graph would answer some of them). */
export function checkOptions(query: URLSearchParams, allowed: string[]): void {
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if (!key.startsWith("$")) continue;
    const k = key.toLowerCase();
    if (seen.has(k)) throw new GraphError(400, "BadRequest", `Query option '${key}' was specified more than once, but it must be specified at most once.`);
    seen.add(k);
    if (!allowed.includes(k)) {
      throw new GraphError(400, "ErrorInvalidUrlQuery", `The query parameter '${key}' is not supported by the Graph stand-in on this resource (supported: ${allowed.join(", ")}).`);
    }
  }
}

/** A query option by case-insensitive name (Graph accepts `$top` and `$TOP`). */
export function option(query: URLSearchParams, name: string): string | undefined {
  for (const [k, v] of query) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

/** Parses $select into canonical property names; `id` is always returned, as Graph does. */
export function parseSelect(raw: string | undefined, known: readonly string[], typeName: string): string[] | null {
  if (raw === undefined) return null;
  const byLower = new Map(known.map((p) => [p.toLowerCase(), p]));
  const out = new Set<string>(["id"]);
  for (const part of raw.split(",")) {
    const name = part.trim();
    if (name === "") throw new GraphError(400, "BadRequest", `Syntax error: an empty property name in $select '${raw}'.`);
    const canonical = byLower.get(name.toLowerCase());
    if (!canonical) throw new GraphError(400, "RequestBroker--ParseUri", `Could not find a property named '${name}' on type '${typeName}'.`);
    out.add(canonical);
  }
  return [...out];
}

export function parseIntOption(raw: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new GraphError(400, "ErrorInvalidUrlQuery", `The value '${raw}' of query parameter '${name}' is not a whole number.`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new GraphError(400, "ErrorInvalidUrlQuery", `The value '${raw}' of query parameter '${name}' is out of range; it must be between ${min} and ${max}.`);
  return n;
}

export function parseTop(raw: string | undefined): number {
  return parseIntOption(raw, "$top", 1, MAX_TOP, DEFAULT_TOP);
}

const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/i;

function dateLiteral(text: string): number {
  const t = DATE_TIME_OFFSET.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(t)) {
    throw new GraphError(400, "ErrorInvalidUrlQueryFilter", `The DateTimeOffset text '${text}' should be in format 'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and each field value is within valid range.`);
  }
  return t;
}

export type Op = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
export interface FilterClause {
  property: "receivedDateTime" | "sentDateTime" | "isDraft";
  op: Op;
  value: number | boolean;
}

const FILTER_HELP = "supported: receivedDateTime or sentDateTime eq|ne|gt|ge|lt|le <DateTimeOffset>, isDraft eq|ne true|false, joined by 'and'";

/** Parses the message $filter subset: date comparisons and isDraft, joined by `and`. */
export function parseMessageFilter(raw: string | undefined): FilterClause[] {
  if (raw === undefined) return [];
  if (raw.trim() === "") throw new GraphError(400, "ErrorInvalidUrlQueryFilter", "The query filter is empty.");
  const clauses: FilterClause[] = [];
  for (const text of raw.trim().split(/\s+and\s+/i)) {
    const m = /^\(?\s*(\w+)\s+(eq|ne|gt|ge|lt|le)\s+([^\s()]+)\s*\)?$/i.exec(text.trim());
    const invalid = (): GraphError => new GraphError(400, "ErrorInvalidUrlQueryFilter", `The query filter contains one or more invalid nodes: '${text.trim()}' (${FILTER_HELP}).`);
    if (!m) throw invalid();
    const prop = m[1].toLowerCase();
    const op = m[2].toLowerCase() as Op;
    if (prop === "receiveddatetime" || prop === "sentdatetime") {
      clauses.push({ property: prop === "receiveddatetime" ? "receivedDateTime" : "sentDateTime", op, value: dateLiteral(m[3]) });
    } else if (prop === "isdraft") {
      const v = m[3].toLowerCase();
      if ((op !== "eq" && op !== "ne") || (v !== "true" && v !== "false")) throw invalid();
      clauses.push({ property: "isDraft", op, value: v === "true" });
    } else {
      throw invalid();
    }
  }
  return clauses;
}

function compare(a: number | boolean, op: Op, b: number | boolean): boolean {
  switch (op) {
    case "eq": return a === b;
    case "ne": return a !== b;
    case "gt": return a > b;
    case "ge": return a >= b;
    case "lt": return a < b;
    case "le": return a <= b;
  }
}

export function matchesFilter(m: StandInMessage, clauses: FilterClause[]): boolean {
  for (const c of clauses) {
    const v = c.property === "isDraft" ? m.isDraft : Date.parse(m[c.property]);
    if (!compare(v, c.op, c.value)) return false;
  }
  return true;
}

export interface OrderBy {
  property: string;
  desc: boolean;
}

/** Parses a single-key $orderby among `allowed` (canonical spellings). */
export function parseOrderBy(raw: string | undefined, allowed: string[]): OrderBy | null {
  if (raw === undefined) return null;
  const m = /^\s*([\w/]+)(?:\s+(asc|desc))?\s*$/i.exec(raw);
  const property = m ? allowed.find((a) => a.toLowerCase() === m[1].toLowerCase()) : undefined;
  if (!m || !property) {
    throw new GraphError(400, "ErrorInvalidUrlQuery", `The $orderby '${raw}' is not supported by the Graph stand-in (supported: ${allowed.map((a) => `${a} asc|desc`).join(", ")}).`);
  }
  return { property, desc: (m[2] ?? "asc").toLowerCase() === "desc" };
}

/**
 * Graph's rule for messages: with both $filter and $orderby, the $orderby property must also be
 * the first property in $filter, else 400 InefficientFilter.
 */
export function checkFilterOrder(order: OrderBy | null, clauses: FilterClause[]): void {
  if (!order || clauses.length === 0) return;
  if (clauses[0].property !== order.property) {
    throw new GraphError(
      400, "InefficientFilter",
      `The restriction or sort order is too complex for this operation. (With $orderby=${order.property}, $filter must start with a ${order.property} clause.)`,
    );
  }
}

/** Parses a calendarView window bound; a value without offset is UTC, as Graph reads it without a Prefer time zone. */
export function parseWindowBound(raw: string, name: "StartDateTime" | "EndDateTime"): number {
  const text = raw.trim();
  const m = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)?(Z|[+-]\d{2}:\d{2})?$/i.exec(text);
  const t = m ? Date.parse(`${m[1]}${m[2] ?? "T00:00:00"}${m[3] ?? "Z"}`) : NaN;
  if (Number.isNaN(t)) {
    throw new GraphError(400, "ErrorInvalidParameter", `The value '${raw}' of parameter '${name}' is invalid: expected an ISO 8601 date and time such as 2026-11-20T00:00:00Z.`);
  }
  return t;
}

/** Milliseconds of a Graph dateTimeTimeZone in UTC (`2026-11-20T09:00:00.0000000`). */
export function eventTime(dt: { dateTime: string }): number {
  const t = Date.parse(`${dt.dateTime.replace(/(\.\d{3})\d*$/, "$1")}Z`);
  if (Number.isNaN(t)) throw new Error(`event dateTime '${dt.dateTime}' is not an ISO date and time`);
  return t;
}

/** Same URL with `$skip` replaced: Graph's nextLink for messages and calendarView. */
export function nextLink(url: URL, skip: number): string {
  const next = new URL(url.href);
  for (const k of [...next.searchParams.keys()]) if (k.toLowerCase() === "$skip") next.searchParams.delete(k);
  next.searchParams.set("$skip", String(skip));
  return next.href;
}
