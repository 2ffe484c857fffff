/**
 * OData query options as Dataverse accepts them: `$filter` (parsed to a predicate), `$select`,
 * `$orderby`, `$expand` of single-valued navigation properties and activity parties, `$apply` (filter / groupby /
 * aggregate). Every syntax problem is a 400 with a message naming the offending text.
 */
import { badQuery } from "./errors";
import { type ColumnDef, type ResolvedTable, navigationProperties, partiesNavigation, propertyName } from "./schema";
import { collectionNavigations } from "./relationships";
import type { Row } from "./store";
import {
  ODATA_DATE_FUNCTIONS, alignDate, coerceLiteral, compare, comparableOf, datePredicate, isNumericType, type Comparable, str,
} from "./values";

export type Predicate = (row: Row) => boolean;

/**
 * What an index can answer of a filter (Dataverse answers it from SQL indexes): the rows whose
 * `prop` is one of `values` (lower case: text compares case-insensitively), those whose `prop`
 * starts with `prefix` (`startswith`: SQL Server seeks a range of the index for `LIKE 'abc%'`, as
 * it cannot for `contains` or `endswith`), or an `or` / `and` of such seeks. Only a superset of
 * the matching rows: the predicate still decides each row.
 */
export type Seek = { prop: string; values: readonly string[] } | { prop: string; prefix: string } | { or: readonly Seek[]; branches: readonly Predicate[] } | { and: readonly Seek[] };
const SEEKS = new WeakMap<Predicate, Seek>();

/** The index seek a parsed filter allows, if any (see sandbox/emulator/seek.ts). */
export function seekOf(p: Predicate): Seek | undefined {
  return SEEKS.get(p);
}
function withSeek(p: Predicate, seek: Seek | undefined): Predicate {
  if (seek) SEEKS.set(p, seek);
  return p;
}
/** Columns whose stored value, lower-cased, is exactly what `eq` and `In` compare (text, lookups, ids). */
function seekable(c: ColumnDef): boolean {
  return !isNumericType(c) && !["datetime", "dateonly", "boolean"].includes(c.type);
}

export interface QueryContext {
  now: number;
  userId: string;
  businessUnitId: string;
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

type Tok =
  | { k: "(" | ")" | "," | "/" | "[" | "]" | "="; p: number }
  | { k: "str"; v: string; p: number }
  | { k: "num"; v: number; p: number }
  | { k: "guid"; v: string; p: number }
  | { k: "date"; v: string; p: number }
  | { k: "id"; v: string; p: number };

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/;

function tokenize(src: string, option: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i++;
      continue;
    }
    if ("(),/[]=".includes(ch)) {
      out.push({ k: ch as "(", p: i });
      i++;
      continue;
    }
    if (ch === "'") {
      let s = "";
      let j = i + 1;
      for (;;) {
        if (j >= src.length) throw badQuery(`Syntax error in ${option}: unterminated string literal at position ${i}.`);
        if (src[j] === "'") {
          if (src[j + 1] === "'") {
            s += "'";
            j += 2;
            continue;
          }
          break;
        }
        s += src[j++];
      }
      out.push({ k: "str", v: s, p: i });
      i = j + 1;
      continue;
    }
    const rest = src.slice(i);
    const g = GUID_RE.exec(rest);
    if (g && !/[\w-]/.test(rest[g[0].length] ?? "")) {
      out.push({ k: "guid", v: g[0].toLowerCase(), p: i });
      i += g[0].length;
      continue;
    }
    const d = DATE_RE.exec(rest);
    if (d && d[0].length >= 10 && !/[\w]/.test(rest[d[0].length] ?? "")) {
      out.push({ k: "date", v: d[0], p: i });
      i += d[0].length;
      continue;
    }
    const n = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/.exec(rest);
    if (n) {
      out.push({ k: "num", v: Number(n[0].replace(/[mMdDfFlL]$/, "")), p: i });
      i += n[0].length;
      continue;
    }
    const id = /^[A-Za-z_$@][\w.$@]*/.exec(rest);
    if (id) {
      out.push({ k: "id", v: id[0], p: i });
      i += id[0].length;
      continue;
    }
    throw badQuery(`Syntax error in ${option}: unexpected character '${ch}' at position ${i}.`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// $filter

type Operand =
  | { kind: "prop"; col: ColumnDef; prop: string }
  | { kind: "lit"; value: unknown; raw: string };

/**
 * Limits of one $filter: how deep parentheses and `not` may nest, and how many comparisons it may
 * hold. Beyond them the query is refused with 400 and the documented error body, as Dataverse
 * refuses over-complex queries, instead of exhausting the stack. Chains of and/or are evaluated
 * flat, so a long chain within the limit costs no stack either.
 */
export const FILTER_LIMITS = { maxDepth: 100, maxTerms: 5000 } as const;

function tooComplex(option: string, what: string): never {
  throw badQuery(`The query is too complex: ${option} ${what}. Simplify the filter or split the query.`);
}

class FilterParser {
  private i = 0;
  private depth = 0;
  private terms = 0;
  private readonly toks: Tok[];
  constructor(
    private readonly src: string,
    private readonly t: ResolvedTable,
    private readonly ctx: QueryContext,
    private readonly option = "$filter",
  ) {
    this.toks = tokenize(src, option);
  }

  parse(): Predicate {
    if (this.toks.length === 0) throw badQuery(`The query parameter ${this.option} is empty.`);
    const p = this.or();
    if (this.i < this.toks.length) this.fail(`unexpected '${this.text(this.toks[this.i])}'`);
    return p;
  }

  private fail(msg: string): never {
    const tok = this.toks[this.i];
    const at = tok ? ` at position ${tok.p}` : " at the end";
    throw badQuery(`Syntax error in ${this.option} '${this.src}': ${msg}${at}.`);
  }
  private text(t: Tok): string {
    return "v" in t ? String(t.v) : t.k;
  }
  private peekId(word: string): boolean {
    const t = this.toks[this.i];
    return t?.k === "id" && t.v.toLowerCase() === word;
  }
  private expect(k: Tok["k"]): Tok {
    const t = this.toks[this.i];
    if (t?.k !== k) this.fail(`expected '${k}'`);
    this.i++;
    return t;
  }

  private or(): Predicate {
    const parts = [this.and()];
    while (this.peekId("or")) {
      this.i++;
      parts.push(this.and());
    }
    if (parts.length === 1) return parts[0];
    const seeks = parts.map(seekOf);
    // Each branch's seek with its own predicate: an index union, each branch's rows tested by that branch alone (seek.ts).
    return withSeek((r) => parts.some((p) => p(r)), seeks.every((x) => x !== undefined) ? { or: seeks, branches: parts } : undefined);
  }
  private and(): Predicate {
    const parts = [this.not()];
    while (this.peekId("and")) {
      this.i++;
      parts.push(this.not());
    }
    if (parts.length === 1) return parts[0];
    const seeks = parts.map(seekOf).filter((x): x is Seek => x !== undefined);
    return withSeek((r) => parts.every((p) => p(r)), seeks.length ? { and: seeks } : undefined);
  }
  private nested<T>(inner: () => T): T {
    if (++this.depth > FILTER_LIMITS.maxDepth) tooComplex(this.option, `nests parentheses or 'not' more than ${FILTER_LIMITS.maxDepth} levels deep`);
    const out = inner();
    this.depth--;
    return out;
  }
  private not(): Predicate {
    if (this.peekId("not")) {
      this.i++;
      const p = this.nested(() => this.not());
      return (r) => !p(r);
    }
    if (++this.terms > FILTER_LIMITS.maxTerms) tooComplex(this.option, `has more than ${FILTER_LIMITS.maxTerms} conditions`);
    return this.comparison();
  }

  private comparison(): Predicate {
    const t = this.toks[this.i];
    if (t?.k === "(") {
      this.i++;
      const p = this.nested(() => this.or());
      this.expect(")");
      return p;
    }
    if (t?.k === "id") {
      const lower = t.v.toLowerCase();
      if (["contains", "startswith", "endswith"].includes(lower) && this.toks[this.i + 1]?.k === "(") return this.stringFunction(lower);
      if (t.v.startsWith("Microsoft.Dynamics.CRM.")) return this.crmFunction(t.v.slice("Microsoft.Dynamics.CRM.".length));
    }
    const left = this.operand();
    const opTok = this.toks[this.i];
    if (opTok?.k !== "id") this.fail("expected a comparison operator (eq, ne, gt, ge, lt, le)");
    const op = opTok.v.toLowerCase();
    if (!["eq", "ne", "gt", "ge", "lt", "le"].includes(op)) this.fail(`unknown operator '${opTok.v}'`);
    this.i++;
    const right = this.operand();
    return this.compile(left, op, right);
  }

  private operand(): Operand {
    const t = this.toks[this.i];
    if (!t) this.fail("expected a property or a literal");
    this.i++;
    switch (t.k) {
      case "str":
        return { kind: "lit", value: t.v, raw: `'${t.v}'` };
      case "num":
        return { kind: "lit", value: t.v, raw: String(t.v) };
      case "guid":
      case "date":
        return { kind: "lit", value: t.v, raw: t.v };
      case "id": {
        const lower = t.v.toLowerCase();
        if (lower === "null") return { kind: "lit", value: null, raw: "null" };
        if (lower === "true" || lower === "false") return { kind: "lit", value: lower === "true", raw: lower };
        if (this.toks[this.i]?.k === "/") this.fail(`navigation paths such as '${t.v}/…' are not supported in $filter by the emulator`);
        const col = this.t.byProperty.get(t.v);
        if (!col) throw badQuery(`Could not find a property named '${t.v}' on type 'Microsoft.Dynamics.CRM.${this.t.logicalName}'.`);
        return { kind: "prop", col, prop: t.v };
      }
      default:
        this.fail(`unexpected '${this.text(t)}'`);
    }
  }

  private compile(left: Operand, op: string, right: Operand): Predicate {
    let prop: Operand & { kind: "prop" };
    let lit: Operand & { kind: "lit" };
    let flipped = false;
    if (left.kind === "prop" && right.kind === "lit") {
      prop = left;
      lit = right;
    } else if (left.kind === "lit" && right.kind === "prop") {
      prop = right;
      lit = left;
      flipped = true;
    } else if (left.kind === "prop" && right.kind === "prop") {
      const a = left;
      const b = right;
      return (r) => {
        const va = comparableOf(a.col, r[a.prop]);
        const vb = comparableOf(b.col, r[b.prop]);
        if (va === null || vb === null) return op === "eq" ? va === vb : op === "ne" ? va !== vb : false;
        return cmpOp(op, compare(va, vb));
      };
    } else {
      this.fail("a comparison needs at least one property");
    }
    let value: Comparable;
    try {
      value = coerceLiteral(prop.col, lit.value, `${this.option}`);
    } catch (e) {
      throw badQuery(`${(e as Error).message} (literal ${lit.raw}).`);
    }
    const { col, prop: name } = prop;
    const effOp = flipped ? flip(op) : op;
    if (value === null) {
      if (effOp === "eq") return (r) => r[name] == null;
      if (effOp === "ne") return (r) => r[name] != null;
      return () => false;
    }
    const isDate = col.type === "datetime" || col.type === "dateonly";
    const pred: Predicate = (r) => {
      const raw = r[name];
      if (raw == null) return false; // SQL semantics: comparisons with NULL are not true
      const v = isDate ? alignDate(col, str(raw)) : comparableOf(col, raw);
      return cmpOp(effOp, compare(v, value));
    };
    return withSeek(pred, effOp === "eq" && typeof value === "string" && seekable(col) ? { prop: name, values: [value] } : undefined);
  }

  private stringFunction(fn: string): Predicate {
    this.i++;
    this.expect("(");
    const a = this.operand();
    this.expect(",");
    const b = this.operand();
    this.expect(")");
    if (a.kind !== "prop" || b.kind !== "lit" || typeof b.value !== "string") {
      this.fail(`${fn}() takes a string property and a string literal`);
    }
    const needle = b.value.toLowerCase();
    const name = a.prop;
    const test =
      fn === "contains" ? (s: string) => s.includes(needle) : fn === "startswith" ? (s: string) => s.startsWith(needle) : (s: string) => s.endsWith(needle);
    const pred: Predicate = (r) => {
      const v = r[name];
      return v != null && test(str(v).toLowerCase());
    };
    return withSeek(pred, fn === "startswith" && needle !== "" && seekable(a.col) ? { prop: name, prefix: needle } : undefined);
  }

  /** Microsoft.Dynamics.CRM.<Fn>(PropertyName='x',PropertyValue=v | PropertyValues=[…]) */
  private crmFunction(fn: string): Predicate {
    this.i++;
    this.expect("(");
    const params = new Map<string, unknown>();
    while (this.toks[this.i]?.k !== ")") {
      const key = this.expect("id") as Tok & { k: "id" };
      this.expect("=");
      const t = this.toks[this.i];
      if (t?.k === "[") {
        this.i++;
        const list: unknown[] = [];
        while (this.toks[this.i]?.k !== "]") {
          const v = this.toks[this.i++];
          if (!v || !("v" in v)) this.fail("expected a value in the list");
          list.push(v.v);
          if (this.toks[this.i]?.k === ",") this.i++;
        }
        this.i++;
        params.set(key.v, list);
      } else {
        if (!t || !("v" in t)) this.fail(`expected a value for ${key.v}`);
        this.i++;
        params.set(key.v, t.v);
      }
      if (this.toks[this.i]?.k === ",") this.i++;
    }
    this.expect(")");
    const propName = params.get("PropertyName");
    if (typeof propName !== "string") this.fail(`Microsoft.Dynamics.CRM.${fn} needs PropertyName='…'`);
    const col = this.t.byProperty.get(propName);
    if (!col) throw badQuery(`Could not find a property named '${propName}' on type 'Microsoft.Dynamics.CRM.${this.t.logicalName}'.`);
    const where = `Microsoft.Dynamics.CRM.${fn}`;
    const coerce = (v: unknown): Comparable => {
      try {
        return coerceLiteral(col, v, where);
      } catch (e) {
        throw badQuery(`${(e as Error).message}.`);
      }
    };
    const dateOp = ODATA_DATE_FUNCTIONS[fn];
    if (dateOp) {
      if (col.type !== "datetime" && col.type !== "dateonly") {
        throw badQuery(`${where}: property '${propName}' is not a date/time column.`);
      }
      let pred: (s: string) => boolean;
      try {
        pred = datePredicate(dateOp, params.get("PropertyValue"), this.ctx.now, where);
      } catch (e) {
        throw badQuery(`${(e as Error).message}.`);
      }
      return (r) => {
        const v = r[propName];
        return v != null && pred(str(v));
      };
    }
    switch (fn) {
      case "In":
      case "NotIn": {
        const vals = params.get("PropertyValues");
        if (!Array.isArray(vals)) this.fail(`${where} needs PropertyValues=[…]`);
        const set = new Set(vals.map(coerce));
        const neg = fn === "NotIn";
        const pred: Predicate = (r) => {
          const v = r[propName];
          if (v == null) return false;
          return set.has(comparableOf(col, v)) !== neg;
        };
        const keys = [...set].filter((v): v is string => typeof v === "string");
        return withSeek(pred, !neg && seekable(col) && keys.length === set.size ? { prop: propName, values: keys } : undefined);
      }
      case "Between":
      case "NotBetween": {
        const vals = params.get("PropertyValues");
        if (!Array.isArray(vals) || vals.length !== 2) this.fail(`${where} needs PropertyValues=[low,high]`);
        const lo = coerce(vals[0]);
        const hi = coerce(vals[1]);
        const neg = fn === "NotBetween";
        return (r) => {
          const raw = r[propName];
          if (raw == null) return false;
          const v = comparableOf(col, raw);
          return (compare(v, lo) >= 0 && compare(v, hi) <= 0) !== neg;
        };
      }
      case "EqualUserId":
      case "NotEqualUserId": {
        const me = this.ctx.userId;
        const neg = fn === "NotEqualUserId";
        return (r) => (r[propName] === me) !== neg;
      }
      case "EqualBusinessId":
      case "NotEqualBusinessId": {
        const bu = this.ctx.businessUnitId;
        const neg = fn === "NotEqualBusinessId";
        return (r) => (r[propName] === bu) !== neg;
      }
      case "ContainValues":
        throw badQuery(`${where} applies to multi-select choice columns; '${propName}' is not one.`);
      default:
        throw badQuery(`Unknown or unsupported query function 'Microsoft.Dynamics.CRM.${fn}'.`);
    }
  }
}

function flip(op: string): string {
  return op === "gt" ? "lt" : op === "lt" ? "gt" : op === "ge" ? "le" : op === "le" ? "ge" : op;
}
function cmpOp(op: string, c: number): boolean {
  switch (op) {
    case "eq": return c === 0;
    case "ne": return c !== 0;
    case "gt": return c > 0;
    case "ge": return c >= 0;
    case "lt": return c < 0;
    default: return c <= 0;
  }
}

export function parseFilter(text: string, t: ResolvedTable, ctx: QueryContext, option = "$filter"): Predicate {
  return new FilterParser(text, t, ctx, option).parse();
}

// ---------------------------------------------------------------------------------------------
// $select, $orderby, $expand

function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = "";
  for (const ch of text) {
    if (ch === "'") quote = !quote;
    if (!quote && ch === "(") depth++;
    if (!quote && ch === ")") depth--;
    if (!quote && depth === 0 && ch === sep) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

export function parseSelect(text: string, t: ResolvedTable): string[] {
  const names = splitTop(text, ",");
  if (names.length === 0) throw badQuery("The query parameter $select is empty.");
  for (const n of names) {
    if (!t.byProperty.has(n)) throw badQuery(`Could not find a property named '${n}' on type 'Microsoft.Dynamics.CRM.${t.logicalName}'.`);
  }
  return names;
}

export interface OrderKey {
  prop: string;
  col: ColumnDef;
  desc: boolean;
}

export function parseOrderBy(text: string, t: ResolvedTable): OrderKey[] {
  const parts = splitTop(text, ",");
  if (parts.length === 0) throw badQuery("The query parameter $orderby is empty.");
  return parts.map((p) => {
    const m = /^(\S+)(?:\s+(asc|desc))?$/i.exec(p);
    if (!m) throw badQuery(`Syntax error in $orderby: '${p}' is not 'property [asc|desc]'.`);
    const col = t.byProperty.get(m[1]);
    if (!col) throw badQuery(`Could not find a property named '${m[1]}' on type 'Microsoft.Dynamics.CRM.${t.logicalName}'.`);
    return { prop: m[1], col, desc: (m[2] ?? "").toLowerCase() === "desc" };
  });
}

export interface ExpandSpec {
  nav: string;
  /** The lookup holding the reference: on this row, or on the related rows when `many` is set. */
  column: ColumnDef;
  /** Fixed target table, or null when it depends on the row (ownerid). */
  target: string | null;
  select: string[] | null;
  /**
   * Collection-valued: the related rows are those of `target` whose `prop` holds this row's id (and,
   * for a polymorphic lookup, whose stored target is this table), with the nested options applied.
   */
  many?: { prop: string; polymorphic?: boolean; filter?: Predicate; order?: OrderKey[]; top?: number };
}

export function parseExpand(text: string, t: ResolvedTable, resolve: (logical: string) => ResolvedTable, ctx?: QueryContext): ExpandSpec[] {
  const navs = navigationProperties(t);
  const partiesNav = partiesNavigation(t);
  const collections = collectionNavigations(t.logicalName);
  return splitTop(text, ",").map((item) => {
    const m = /^([\w]+)(?:\((.*)\))?$/s.exec(item);
    if (!m) throw badQuery(`Syntax error in $expand: '${item}'.`);
    let many: NonNullable<ExpandSpec["many"]> | undefined;
    let nav = navs.get(m[1]);
    const coll = collections.get(m[1]);
    if (!nav && m[1] === partiesNav) {
      nav = { column: resolve("activityparty").byColumn.get("activityid")!, target: "activityparty" };
      many = { prop: "_activityid_value" };
    } else if (!nav && coll) {
      nav = { column: coll.column, target: coll.target };
      many = { prop: coll.prop, polymorphic: coll.polymorphic };
    }
    if (!nav) {
      const known = [...navs.keys(), ...(partiesNav ? [partiesNav] : []), ...collections.keys()];
      throw badQuery(`Could not find a property named '${m[1]}' on type 'Microsoft.Dynamics.CRM.${t.logicalName}'. Navigation properties the emulator knows: ${known.join(", ")}.`);
    }
    let select: string[] | null = null;
    for (const opt of splitTop(m[2] ?? "", ";")) {
      const eq = opt.indexOf("=");
      const key = opt.slice(0, eq).trim();
      const val = opt.slice(eq + 1).trim();
      if (key === "$select") {
        if (nav.target) select = parseSelect(val, resolve(nav.target));
        else select = splitTop(val, ",");
      } else if (many && nav.target && ctx && ["$filter", "$orderby", "$top"].includes(key)) {
        // "Use $expand with collection-valued navigation properties": $filter, $orderby and $top nest.
        const tt = resolve(nav.target);
        if (key === "$filter") many.filter = parseFilter(val, tt, ctx);
        else if (key === "$orderby") many.order = parseOrderBy(val, tt);
        else {
          const n = Number(val);
          if (!Number.isInteger(n) || n < 0) throw badQuery(`The value '${val}' of $top in $expand is not a non-negative whole number.`);
          many.top = n;
        }
      } else {
        throw badQuery(`The query option '${key}' is not supported inside $expand of '${m[1]}' (the emulator takes $select, and $filter/$orderby/$top on collection-valued navigation properties).`);
      }
    }
    return many ? { nav: m[1], column: nav.column, target: nav.target, select, many } : { nav: m[1], column: nav.column, target: nav.target, select };
  });
}

// ---------------------------------------------------------------------------------------------
// $apply

export interface Aggregate {
  alias: string;
  fn: "sum" | "avg" | "min" | "max" | "countdistinct" | "count";
  prop: string | null;
  col: ColumnDef | null;
}

export interface ApplySpec {
  filters: Predicate[];
  groupBy: { prop: string; col: ColumnDef }[];
  aggregates: Aggregate[];
}

export function parseApply(text: string, t: ResolvedTable, ctx: QueryContext): ApplySpec {
  const spec: ApplySpec = { filters: [], groupBy: [], aggregates: [] };
  for (const step of splitTop(text, "/")) {
    const m = /^(\w+)\((.*)\)$/s.exec(step);
    if (!m) throw badQuery(`Syntax error in $apply: '${step}'.`);
    const [, name, body] = m;
    if (name === "filter") {
      spec.filters.push(parseFilter(body, t, ctx, "$apply filter"));
    } else if (name === "groupby") {
      const parts = splitTop(body, ",");
      const g = /^\((.*)\)$/s.exec(parts[0] ?? "");
      if (!g) throw badQuery(`Syntax error in $apply groupby: expected groupby((col1,col2)[,aggregate(...)]) but got '${step}'.`);
      for (const p of splitTop(g[1], ",")) {
        const col = t.byProperty.get(p);
        if (!col) throw badQuery(`Could not find a property named '${p}' on type 'Microsoft.Dynamics.CRM.${t.logicalName}'.`);
        spec.groupBy.push({ prop: p, col });
      }
      for (const rest of parts.slice(1)) {
        const a = /^aggregate\((.*)\)$/s.exec(rest);
        if (!a) throw badQuery(`Syntax error in $apply groupby: '${rest}' is not aggregate(...).`);
        spec.aggregates.push(...parseAggregates(a[1], t));
      }
    } else if (name === "aggregate") {
      spec.aggregates.push(...parseAggregates(body, t));
    } else {
      throw badQuery(`The $apply transformation '${name}' is not supported (filter, groupby, aggregate).`);
    }
  }
  return spec;
}

function parseAggregates(text: string, t: ResolvedTable): Aggregate[] {
  return splitTop(text, ",").map((a) => {
    const c = /^\$count\s+as\s+(\w+)$/i.exec(a);
    if (c) return { alias: c[1], fn: "count", prop: null, col: null } satisfies Aggregate;
    const m = /^(\w+)\s+with\s+(sum|average|avg|min|max|countdistinct)\s+as\s+(\w+)$/i.exec(a);
    if (!m) throw badQuery(`Syntax error in $apply aggregate: '${a}' (expected 'column with sum|average|min|max|countdistinct as alias' or '$count as alias').`);
    const col = t.byProperty.get(m[1]);
    if (!col) throw badQuery(`Could not find a property named '${m[1]}' on type 'Microsoft.Dynamics.CRM.${t.logicalName}'.`);
    const fn = m[2].toLowerCase() === "average" ? "avg" : (m[2].toLowerCase() as Aggregate["fn"]);
    return { alias: m[3], fn, prop: m[1], col };
  });
}

/** Runs aggregates over rows grouped by columns (shared by $apply and FetchXML aggregates). */
export function aggregateRows(
  rows: Iterable<Row>,
  groupBy: { key: string; read: (r: Row) => unknown }[],
  aggs: { alias: string; fn: Aggregate["fn"]; read: ((r: Row) => unknown) | null }[],
): Row[] {
  interface Acc { key: Row; n: number; sums: number[]; counts: number[]; mins: unknown[]; maxs: unknown[]; distinct: Set<unknown>[] }
  const groups = new Map<string, Acc>();
  for (const r of rows) {
    const keyVals = groupBy.map((g) => g.read(r) ?? null);
    const k = JSON.stringify(keyVals);
    let acc = groups.get(k);
    if (!acc) {
      const key: Row = {};
      groupBy.forEach((g, i) => (key[g.key] = keyVals[i]));
      acc = { key, n: 0, sums: aggs.map(() => 0), counts: aggs.map(() => 0), mins: aggs.map(() => null), maxs: aggs.map(() => null), distinct: aggs.map(() => new Set()) };
      groups.set(k, acc);
    }
    acc.n++;
    aggs.forEach((a, i) => {
      if (!a.read) return;
      const v = a.read(r);
      if (v == null) return;
      acc.counts[i]++;
      if (typeof v === "number") acc.sums[i] += v;
      if (acc.mins[i] === null || (v as number) < (acc.mins[i] as number)) acc.mins[i] = v;
      if (acc.maxs[i] === null || (v as number) > (acc.maxs[i] as number)) acc.maxs[i] = v;
      if (a.fn === "countdistinct") acc.distinct[i].add(v);
    });
  }
  if (groups.size === 0 && groupBy.length === 0) {
    const key: Row = {};
    for (const a of aggs) key[a.alias] = a.fn === "count" || a.fn === "countdistinct" ? 0 : null;
    return [key];
  }
  return [...groups.values()].map((acc) => {
    const out: Row = { ...acc.key };
    aggs.forEach((a, i) => {
      switch (a.fn) {
        case "count": out[a.alias] = a.read ? acc.counts[i] : acc.n; break;
        case "countdistinct": out[a.alias] = acc.distinct[i].size; break;
        case "sum": out[a.alias] = acc.counts[i] ? acc.sums[i] : null; break;
        case "avg": out[a.alias] = acc.counts[i] ? acc.sums[i] / acc.counts[i] : null; break;
        case "min": out[a.alias] = acc.mins[i]; break;
        case "max": out[a.alias] = acc.maxs[i]; break;
      }
    });
    return out;
  });
}

/** Comparator for rows by order keys, then by primary key (the paging order). */
export function rowComparator(order: OrderKey[], primaryId: string): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const o of order) {
      const c = compare(comparableOf(o.col, a[o.prop]), comparableOf(o.col, b[o.prop]));
      if (c !== 0) return o.desc ? -c : c;
    }
    const x = a[primaryId] as string;
    const y = b[primaryId] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

export { propertyName };
