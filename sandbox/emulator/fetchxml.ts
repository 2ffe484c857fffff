/**
 * FetchXML over the Web API (`GET /<entityset>?fetchXml=…`): attributes, all-attributes, filters
 * with nested and/or, common condition operators, orders, link-entity (inner/outer, nested),
 * top/count/page, and aggregates (count, countcolumn, sum, avg, min, max, groupby) with the
 * 50,000-row AggregateQueryRecordLimit.
 */
import { XMLParser } from "fast-xml-parser";
import { CODES, ODataError, badQuery } from "./errors";
import { aggregateRows, type QueryContext } from "./odata";
import { type ColumnDef, type ResolvedTable, BY_LOGICAL, isLookupType, propertyName, tableDef } from "./schema";
import type { EmulatorStore, Row } from "./store";
import { DATE_OPS, type DateOp, coerceLiteral, compare, comparableOf, datePredicate, alignDate, type Comparable, str } from "./values";

export const AGGREGATE_LIMIT = 50_000;

type XNode = Record<string, unknown>;

const ARRAYS = new Set(["attribute", "order", "filter", "condition", "link-entity", "value"]);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ARRAYS.has(name),
});

interface Attr { name: string; alias?: string; aggregate?: string; groupby: boolean; distinct: boolean; col: ColumnDef }
interface Link {
  t: ResolvedTable;
  alias: string;
  from: ColumnDef;
  to: ColumnDef;
  outer: boolean;
  attrs: Attr[];
  all: boolean;
  filter: ((r: Joined) => boolean) | null;
  links: Link[];
  parentAlias: string;
}
/** A joined row: the main row under "" and linked rows under their alias. */
type Joined = Record<string, Row | null>;

export interface FetchResult {
  /** Result rows: aggregate groups, or main-entity columns plus `alias.column` of linked rows. */
  rows: Row[];
  /** For a non-aggregate query, the stored main-entity row behind each result row (same order). */
  mainRows: Row[];
  moreRecords: boolean;
  page: number;
  aggregate: boolean;
  entity: ResolvedTable;
  /** Rows matching the query when returntotalrecordcount="true" (null otherwise). */
  totalRecordCount: number | null;
  /** For an aggregate query, each output alias with its source column and function (null: groupby). */
  aggregateColumns?: AggregateColumn[];
}

export interface AggregateColumn { alias: string; col: ColumnDef; fn: string | null }

export interface FetchEnv {
  store: EmulatorStore;
  ctx: QueryContext;
  /** Security: null = all rows visible; throws 403 without read privilege. */
  readFilter: (t: ResolvedTable) => ((r: Row) => boolean) | null;
}

function attr(n: XNode, key: string): string | undefined {
  const v = n[`@${key}`];
  return v === undefined ? undefined : str(v);
}
function children(n: XNode, key: string): XNode[] {
  const v = n[key];
  return Array.isArray(v) ? (v as XNode[]) : [];
}

function column(t: ResolvedTable, name: string | undefined, where: string): ColumnDef {
  if (!name) throw badQuery(`FetchXML: ${where} has no attribute name.`);
  const c = t.byColumn.get(name);
  if (!c) throw badQuery(`FetchXML: '${t.logicalName}' entity doesn't contain attribute with Name = '${name}' (${where}).`);
  return c;
}

export function executeFetch(xml: string, expectedEntity: ResolvedTable, env: FetchEnv): FetchResult {
  let doc: XNode;
  try {
    doc = parser.parse(xml, true) as XNode;
  } catch (e) {
    throw badQuery(`The FetchXML is not well-formed: ${(e as Error).message.split("\n")[0]}`);
  }
  const fetch = doc.fetch as XNode | undefined;
  if (!fetch || typeof fetch !== "object") throw badQuery("FetchXML: the root element must be <fetch>.");
  const entityNode = fetch.entity as XNode | undefined;
  if (!entityNode) throw badQuery("FetchXML: <fetch> must contain an <entity> element.");
  const entityName = attr(entityNode, "name");
  if (entityName !== expectedEntity.logicalName) {
    throw badQuery(`FetchXML: the entity '${String(entityName)}' does not match the entity set '${expectedEntity.entitySetName}' of the request.`);
  }
  const t = expectedEntity;
  const isAggregate = attr(fetch, "aggregate") === "true";
  const top = attr(fetch, "top") ? Number(attr(fetch, "top")) : null;
  const count = attr(fetch, "count") ? Number(attr(fetch, "count")) : null;
  const page = attr(fetch, "page") ? Number(attr(fetch, "page")) : 1;
  for (const [k, v] of [["top", top], ["count", count], ["page", page]] as const) {
    if (v !== null && (!Number.isInteger(v) || v < 1)) throw badQuery(`FetchXML: the ${k} attribute must be a positive whole number.`);
  }
  if (top !== null && (count !== null || attr(fetch, "page"))) throw badQuery("FetchXML: the top attribute can't be used together with count or page.");
  if (top !== null && top > 5000) throw badQuery("FetchXML: the top attribute can't be greater than 5000.");

  const attrs = parseAttributes(t, entityNode, isAggregate);
  const all = entityNode["all-attributes"] !== undefined;
  const links = children(entityNode, "link-entity").map((l) => parseLink(l, t, "", isAggregate, env));
  const aliases = new Map<string, ResolvedTable>([["", t]]);
  const collect = (ls: Link[]): void => ls.forEach((l) => (aliases.set(l.alias, l.t), collect(l.links)));
  collect(links);
  const filters = children(entityNode, "filter").map((f) => parseFilter(f, t, "", aliases, env.ctx));

  // rows of the main entity the user can read
  const sec = env.readFilter(t);
  let joined: Joined[] = [];
  const indexed = indexableCondition(entityNode, t);
  const candidates = indexed ? env.store.byValues(t.logicalName, indexed.prop, indexed.values) : env.store.scan(t.logicalName);
  for (const r of candidates) if (!sec || sec(r)) joined.push({ "": r });
  for (const l of links) joined = join(joined, l, env);
  for (const f of filters) joined = joined.filter(f);

  if (isAggregate) {
    if (joined.length > AGGREGATE_LIMIT) {
      throw new ODataError(400, CODES.aggregateLimit, "AggregateQueryRecordLimit exceeded. Cannot perform this operation.");
    }
    const groupBy: { key: string; read: (r: Row) => unknown }[] = [];
    const aggs: { alias: string; fn: "count" | "countdistinct" | "sum" | "avg" | "min" | "max"; read: ((r: Row) => unknown) | null }[] = [];
    const aggregateColumns: AggregateColumn[] = [];
    const all2 = [...attrs.map((a) => ({ a, alias: "" })), ...flattenLinkAttrs(links)];
    const rows = joined.map((j) => {
      const flat: Row = {};
      for (const { a, alias } of all2) flat[`${alias}|${a.name}`] = j[alias]?.[propertyName(a.col)] ?? null;
      return flat;
    });
    for (const { a, alias } of all2) {
      const key = `${alias}|${a.name}`;
      const outName = a.alias ?? a.name;
      aggregateColumns.push({ alias: outName, col: a.col, fn: a.groupby ? null : a.aggregate ?? null });
      if (a.groupby) groupBy.push({ key: outName, read: (r) => r[key] });
      else if (a.aggregate) {
        const fn = a.aggregate === "countcolumn" ? (a.distinct ? "countdistinct" : "count") : a.aggregate === "count" ? "count" : (a.aggregate as "sum");
        if (!["count", "countdistinct", "sum", "avg", "min", "max"].includes(fn)) throw badQuery(`FetchXML: unknown aggregate '${a.aggregate}'.`);
        aggs.push({ alias: outName, fn, read: a.aggregate === "count" ? null : (r) => r[key] });
      } else {
        throw badQuery(`FetchXML: in an aggregate query the attribute '${a.name}' needs aggregate="…" or groupby="true".`);
      }
    }
    let out = aggregateRows(rows, groupBy, aggs);
    const orders = children(entityNode, "order");
    if (orders.length) {
      out = out.sort((x, y) => {
        for (const o of orders) {
          const k = attr(o, "alias") ?? attr(o, "attribute") ?? "";
          const c = compare((x[k] ?? null) as Comparable, (y[k] ?? null) as Comparable);
          if (c) return attr(o, "descending") === "true" ? -c : c;
        }
        return 0;
      });
    }
    return { rows: out, mainRows: [], moreRecords: false, page: 1, aggregate: true, entity: t, totalRecordCount: null, aggregateColumns };
  }

  // ordering: explicit orders, then primary key (stable pages)
  const orders = children(entityNode, "order").map((o) => {
    const c = column(t, attr(o, "attribute"), "<order>");
    return { prop: propertyName(c), col: c, desc: attr(o, "descending") === "true" };
  });
  joined.sort((x, y) => {
    const a = x[""]!;
    const b = y[""]!;
    for (const o of orders) {
      const c = compare(comparableOf(o.col, a[o.prop]), comparableOf(o.col, b[o.prop]));
      if (c) return o.desc ? -c : c;
    }
    const ia = a[t.primaryId] as string;
    const ib = b[t.primaryId] as string;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  });
  if (attr(fetch, "distinct") === "true") {
    const seen = new Set<string>();
    joined = joined.filter((j) => {
      const k = JSON.stringify(attrs.map((a) => j[""]![propertyName(a.col)]));
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  const pageSize = top ?? Math.min(count ?? 5000, 5000);
  const start = top !== null ? 0 : (page - 1) * pageSize;
  const slice = joined.slice(start, start + pageSize);
  const more = top === null && joined.length > start + pageSize;
  const rows = slice.map((j) => {
    const main = j[""]!;
    const out: Row = {};
    const mainCols = all || attrs.length === 0 ? t.columns : attrs.map((a) => a.col);
    for (const c of mainCols) out[propertyName(c)] = main[propertyName(c)] ?? null;
    out[t.primaryId] = main[t.primaryId];
    for (const { a, alias, all: allLink, lt } of flattenLinkAttrsWithAll(links)) {
      const linked = j[alias];
      if (allLink) {
        for (const c of lt.columns) out[`${alias}.${c.name}`] = linked?.[propertyName(c)] ?? null;
      } else if (a) {
        out[`${alias}.${a.alias ?? a.name}`] = linked?.[propertyName(a.col)] ?? null;
      }
    }
    return out;
  });
  const totalRecordCount = attr(fetch, "returntotalrecordcount") === "true" ? joined.length : null;
  return { rows, mainRows: slice.map((j) => j[""]!), moreRecords: more, page, aggregate: false, entity: t, totalRecordCount };
}

/**
 * An `eq`/`in` condition on a lookup or id column directly under the entity's top-level "and"
 * filters: the rows can be found through an index instead of a scan (the filters still apply).
 */
function indexableCondition(entityNode: XNode, t: ResolvedTable): { prop: string; values: string[] } | null {
  for (const f of children(entityNode, "filter")) {
    if ((attr(f, "type") ?? "and").toLowerCase() !== "and") continue;
    for (const c of children(f, "condition")) {
      if (attr(c, "entityname") !== undefined) continue;
      const col = t.byColumn.get(attr(c, "attribute") ?? "");
      if (!col || !(isLookupType(col.type) || col.type === "uniqueidentifier")) continue;
      const op = (attr(c, "operator") ?? "").toLowerCase();
      if (op === "eq" && attr(c, "value") !== undefined) return { prop: propertyName(col), values: [attr(c, "value")!] };
      if (op === "in") {
        const values = children(c, "value").map((v) => (typeof v === "object" ? str(v["#text"]) : str(v)));
        if (values.length) return { prop: propertyName(col), values };
      }
    }
  }
  return null;
}

function flattenLinkAttrs(links: Link[]): { a: Attr; alias: string }[] {
  const out: { a: Attr; alias: string }[] = [];
  for (const l of links) {
    for (const a of l.attrs) out.push({ a, alias: l.alias });
    out.push(...flattenLinkAttrs(l.links));
  }
  return out;
}
function flattenLinkAttrsWithAll(links: Link[]): { a: Attr | null; alias: string; all: boolean; lt: ResolvedTable }[] {
  const out: { a: Attr | null; alias: string; all: boolean; lt: ResolvedTable }[] = [];
  for (const l of links) {
    if (l.all) out.push({ a: null, alias: l.alias, all: true, lt: l.t });
    for (const a of l.attrs) out.push({ a, alias: l.alias, all: false, lt: l.t });
    out.push(...flattenLinkAttrsWithAll(l.links));
  }
  return out;
}

function parseAttributes(t: ResolvedTable, node: XNode, isAggregate: boolean): Attr[] {
  return children(node, "attribute").map((a) => {
    const name = attr(a, "name");
    const aggregate = attr(a, "aggregate")?.toLowerCase();
    if (aggregate && !isAggregate) throw badQuery(`FetchXML: attribute '${String(name)}' has aggregate="${aggregate}" but <fetch> lacks aggregate="true".`);
    if (isAggregate && (aggregate || attr(a, "groupby") === "true") && !attr(a, "alias")) {
      throw badQuery(`FetchXML: aggregate attribute '${String(name)}' must have an alias.`);
    }
    if (attr(a, "dategrouping")) throw badQuery("FetchXML: dategrouping is not supported by the emulator.");
    return { name: name ?? "", alias: attr(a, "alias"), aggregate, groupby: attr(a, "groupby") === "true", distinct: attr(a, "distinct") === "true", col: column(t, name, "<attribute>") };
  });
}

let linkCounter = 0;
function parseLink(node: XNode, parent: ResolvedTable, parentAlias: string, isAggregate: boolean, env: FetchEnv): Link {
  const name = attr(node, "name");
  if (!name || !BY_LOGICAL.has(name)) throw badQuery(`FetchXML: link-entity '${String(name)}' is not a table the emulator knows.`);
  const t = tableDef(name);
  env.readFilter(t); // throws 403 without read privilege on the linked table
  const alias = attr(node, "alias") ?? `${name}${++linkCounter}`;
  const linkType = attr(node, "link-type") ?? "inner";
  if (linkType !== "inner" && linkType !== "outer") throw badQuery(`FetchXML: link-type '${linkType}' is not supported (inner, outer).`);
  const link: Link = {
    t, alias, from: column(t, attr(node, "from"), `link-entity ${alias} from`), to: column(parent, attr(node, "to"), `link-entity ${alias} to`),
    outer: linkType === "outer", attrs: parseAttributes(t, node, isAggregate), all: node["all-attributes"] !== undefined,
    filter: null, links: [], parentAlias,
  };
  link.links = children(node, "link-entity").map((l) => parseLink(l, t, alias, isAggregate, env));
  const aliases = new Map<string, ResolvedTable>([[alias, t]]);
  const fs = children(node, "filter").map((f) => parseFilter(f, t, alias, aliases, env.ctx));
  if (fs.length) link.filter = (r) => fs.every((f) => f(r));
  return link;
}

function join(rows: Joined[], l: Link, env: FetchEnv): Joined[] {
  const sec = env.readFilter(l.t);
  const fromProp = propertyName(l.from);
  const toProp = propertyName(l.to);
  const index = new Map<string, Row[]>();
  for (const r of env.store.scan(l.t.logicalName)) {
    if (sec && !sec(r)) continue;
    const k = r[fromProp];
    if (k == null) continue;
    const key = str(k).toLowerCase();
    const list = index.get(key);
    if (list) list.push(r);
    else index.set(key, [r]);
  }
  let out: Joined[] = [];
  for (const j of rows) {
    const parentRow = j[l.parentAlias];
    const k = parentRow?.[toProp];
    const matches = (k == null ? [] : index.get(String(k as string).toLowerCase()) ?? []).filter((m) => !l.filter || l.filter({ ...j, [l.alias]: m }));
    if (matches.length === 0) {
      if (l.outer) out.push({ ...j, [l.alias]: null });
    } else {
      for (const m of matches) out.push({ ...j, [l.alias]: m });
    }
  }
  for (const child of l.links) out = join(out, child, env);
  return out;
}

function parseFilter(node: XNode, t: ResolvedTable, alias: string, aliases: Map<string, ResolvedTable>, ctx: QueryContext): (r: Joined) => boolean {
  const type = (attr(node, "type") ?? "and").toLowerCase();
  if (type !== "and" && type !== "or") throw badQuery(`FetchXML: filter type '${type}' must be 'and' or 'or'.`);
  const parts: ((r: Joined) => boolean)[] = [
    ...children(node, "condition").map((c) => parseCondition(c, t, alias, aliases, ctx)),
    ...children(node, "filter").map((f) => parseFilter(f, t, alias, aliases, ctx)),
  ];
  if (parts.length === 0) return () => true;
  return type === "and" ? (r) => parts.every((p) => p(r)) : (r) => parts.some((p) => p(r));
}

function likeToRegex(pattern: string): RegExp {
  const esc = pattern.replace(/[.*+?^${}()|\\]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, ".");
  return new RegExp(`^${esc}$`, "is");
}

function parseCondition(node: XNode, t0: ResolvedTable, alias0: string, aliases: Map<string, ResolvedTable>, ctx: QueryContext): (r: Joined) => boolean {
  const entityname = attr(node, "entityname");
  const alias = entityname ?? alias0;
  const t = entityname !== undefined ? aliases.get(entityname) : t0;
  if (!t) throw badQuery(`FetchXML: condition refers to unknown link-entity alias '${String(entityname)}'.`);
  const col = column(t, attr(node, "attribute"), "<condition>");
  const prop = propertyName(col);
  const op = (attr(node, "operator") ?? "").toLowerCase();
  const raw = attr(node, "value");
  const values = children(node, "value").map((v) => (typeof v === "object" ? str((v)["#text"] ?? "") : String(v)));
  const where = `FetchXML condition on '${col.name}' (${op})`;
  const lit = (v: unknown): Comparable => {
    try {
      return coerceLiteral(col, v, where);
    } catch (e) {
      throw badQuery((e as Error).message + ".");
    }
  };
  const get = (r: Joined): unknown => r[alias]?.[prop];
  const cmpWith = (test: (c: number) => boolean): ((r: Joined) => boolean) => {
    if (raw === undefined) throw badQuery(`${where}: the operator needs a value.`);
    const v = lit(raw);
    const isDate = col.type === "datetime" || col.type === "dateonly";
    return (r) => {
      const x = get(r);
      if (x == null) return false;
      return test(compare(isDate ? alignDate(col, str(x)) : comparableOf(col, x), v));
    };
  };
  if (DATE_OPS.has(op)) {
    if (col.type !== "datetime" && col.type !== "dateonly") throw badQuery(`${where}: '${col.name}' is not a date/time column.`);
    let pred: (s: string) => boolean;
    try {
      pred = datePredicate(op as DateOp, raw ?? values[0], ctx.now, where);
    } catch (e) {
      throw badQuery((e as Error).message + ".");
    }
    return (r) => {
      const x = get(r);
      return x != null && pred(str(x));
    };
  }
  switch (op) {
    case "eq": return cmpWith((c) => c === 0);
    case "ne":
    case "neq": return cmpWith((c) => c !== 0);
    case "gt": return cmpWith((c) => c > 0);
    case "ge": return cmpWith((c) => c >= 0);
    case "lt": return cmpWith((c) => c < 0);
    case "le": return cmpWith((c) => c <= 0);
    case "null": return (r) => get(r) == null;
    case "not-null": return (r) => get(r) != null;
    case "in":
    case "not-in": {
      const set = new Set((values.length ? values : raw !== undefined ? [raw] : []).map(lit));
      if (set.size === 0) throw badQuery(`${where}: the operator needs <value> elements.`);
      const neg = op === "not-in";
      return (r) => {
        const x = get(r);
        return x != null && set.has(comparableOf(col, x)) !== neg;
      };
    }
    case "between":
    case "not-between": {
      if (values.length !== 2) throw badQuery(`${where}: the operator needs two <value> elements.`);
      const lo = lit(values[0]);
      const hi = lit(values[1]);
      const neg = op === "not-between";
      return (r) => {
        const x = get(r);
        if (x == null) return false;
        const v = comparableOf(col, x);
        return (compare(v, lo) >= 0 && compare(v, hi) <= 0) !== neg;
      };
    }
    case "like":
    case "not-like":
    case "begins-with":
    case "not-begin-with":
    case "ends-with":
    case "not-end-with": {
      if (raw === undefined) throw badQuery(`${where}: the operator needs a value.`);
      const pattern = op.includes("begin") ? `${raw}%` : op.includes("end") ? `%${raw}` : raw;
      const re = likeToRegex(pattern);
      const neg = op.startsWith("not-");
      return (r) => {
        const x = get(r);
        return x != null && re.test(str(x)) !== neg;
      };
    }
    case "eq-userid": return (r) => get(r) === ctx.userId;
    case "ne-userid": return (r) => get(r) !== ctx.userId;
    case "eq-businessid": return (r) => get(r) === ctx.businessUnitId;
    case "ne-businessid": return (r) => get(r) !== ctx.businessUnitId;
    default:
      throw badQuery(`${where}: the condition operator '${op}' is not supported by the emulator.`);
  }
}

export { isLookupType };
