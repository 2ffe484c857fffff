/**
 * Reads: one record (ETag, 304 on If-None-Match), one property (`/name`, `/name/$value`), `/$count`,
 * collections with $select/$filter/$orderby/$top/$count/$expand, paged by Prefer:
 * odata.maxpagesize with an opaque `$skiptoken` cursor, and change tracking (deltaLink, delta
 * pages with `$deletedEntity` rows). `fetchXml=` and `$apply` go on to fetch-apply.ts. Bad query
 * options are 400s naming the option; a record the caller can't read is a 403, a missing one 404.
 */
import { CODES, ODataError, badQuery } from "./errors";
import { hideUnreadableColumns } from "./fieldsecurity";
import { readApply, readFetchXml } from "./fetch-apply";
import { projectRow, type Preferences, type ProjectContext } from "./format";
import { parseExpand, parseFilter, parseOrderBy, parseSelect, rowComparator } from "./odata";
import { seekIds } from "./seek";
import { tableDef, type ResolvedTable } from "./schema";
import { missingAccess } from "./security";
import type { Row } from "./store";
import { str } from "./values";
import {
  COUNT_CAP, GUID, MAX_PAGE, findRow, json, keyText, notFound, type Emulator, type Key, type Req, type Res, type UserEntry,
} from "./context";

interface Cursor {
  /** order-by values of the last row */
  v: unknown[];
  /** primary key of the last row */
  id: string;
  /** rows returned so far (for $top) */
  n: number;
  /** change-tracking version captured at the first page */
  dv?: number;
}
function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}
function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Cursor;
    if (typeof c.id !== "string" || !Array.isArray(c.v) || typeof c.n !== "number") throw new Error("shape");
    return c;
  } catch {
    throw badQuery("The $skiptoken is not valid. Use the @odata.nextLink returned by the previous page.");
  }
}

export function readOne(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, key: Key, prefs: Preferences): Res {
  em.count("read");
  const f = em.sec(p, t);
  const row = findRow(em.store, t, key);
  if (!row) throw notFound(t, keyText(key));
  if (f && !f(row)) throw missingAccess(p, "Read", t, String(row[t.primaryId]));
  const etag = `W/"${String(row.versionnumber)}"`;
  // "Conditional retrievals": a request with $expand is never answered 304 (related rows may have changed).
  if (r.headers["if-none-match"] === etag && !r.query.get("$expand")) return { status: 304, headers: { ETag: etag } };
  const select = r.query.get("$select") ? parseSelect(r.query.get("$select")!, t) : null;
  const expand = r.query.get("$expand") ? parseExpand(r.query.get("$expand")!, t, tableDef, em.ctx(p)) : null;
  const out = projectRow({ store: em.store, annotations: prefs.annotations, canRead: em.canRead(p), hideColumns: (tt, o) => hideUnreadableColumns(p, tt, o) }, t, row, select, expand);
  em.stats.rowsRead++;
  const headers: Record<string, string> = { ETag: etag };
  if (prefs.annotations) headers["Preference-Applied"] = prefs.annotations.applied;
  return json(200, { "@odata.context": `${r.base}$metadata#${t.entitySetName}${select ? `(${select.join(",")})` : ""}/$entity`, ...out }, headers);
}

export function readProperty(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, key: Key, prop: string): Res {
  em.count("read");
  const f = em.sec(p, t);
  const row = findRow(em.store, t, key);
  if (!row) throw notFound(t, keyText(key));
  if (f && !f(row)) throw missingAccess(p, "Read", t, String(row[t.primaryId]));
  const name = prop.replace(/\/\$value$/, "");
  if (!t.byProperty.has(name)) throw badQuery(`Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${t.logicalName}'.`);
  const v = row[name] ?? null;
  if (prop.endsWith("/$value")) return { status: v === null ? 204 : 200, headers: { "Content-Type": "text/plain" }, text: v === null ? "" : str(v) };
  return json(200, { "@odata.context": `${r.base}$metadata#${t.entitySetName}(${String(row[t.primaryId])})/${name}`, value: v });
}

/**
 * Rows of a collection reached through a navigation property (`accounts(<id>)/contact_customer_accounts`):
 * only the related rows count and are listed, and the nextLink keeps the path.
 */
export interface Scope {
  rows: (row: Row) => boolean;
  /** The path after the service root, e.g. `accounts(<id>)/contact_customer_accounts`. */
  path: string;
}

export function countOnly(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, scope?: Scope): Res {
  em.count("read");
  const f = em.sec(p, t);
  const filter = r.query.get("$filter") !== null ? parseFilter(r.query.get("$filter")!, t, em.ctx(p)) : null;
  let n = 0;
  for (const row of em.store.scan(t.logicalName)) if ((!f || f(row)) && (!filter || filter(row)) && (!scope || scope.rows(row))) n++;
  return { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" }, text: String(Math.min(n, COUNT_CAP)) };
}

export function readCollection(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, prefs: Preferences, scope?: Scope): Res {
  const q = r.query;
  const fetchXml = q.get("fetchXml");
  if (fetchXml !== null) return readFetchXml(em, r, t, p, fetchXml, prefs);
  if (q.get("$apply") !== null) return readApply(em, r, t, p, prefs);
  for (const [param, table] of [["savedQuery", "savedquery"], ["userQuery", "userquery"]] as const) {
    const id = q.get(param);
    if (id === null) continue;
    // The emulator has no saved or personal views, so any id is one that doesn't exist (never the whole table).
    if (!GUID.test(id)) throw badQuery(`The value '${id}' of ${param} is not a GUID.`);
    throw new ODataError(404, CODES.notFound, `${table} With Id = ${id} Does Not Exist`);
  }
  if (q.get("$skip") !== null) throw badQuery("The query parameter $skip is not supported. Use Prefer: odata.maxpagesize and follow @odata.nextLink.");
  for (const k of q.keys()) {
    if (k.startsWith("$") && !["$select", "$filter", "$orderby", "$top", "$count", "$expand", "$skiptoken", "$deltatoken"].includes(k)) {
      throw badQuery(`The query parameter ${k} is not supported.`);
    }
  }
  if ((prefs.trackChanges || q.get("$deltatoken") !== null) && !t.changeTracking) {
    throw new ODataError(400, CODES.notSupported, `Change tracking is not enabled for the table '${t.logicalName}' (its ChangeTrackingEnabled is false), so Prefer: odata.track-changes and $deltatoken can't be used on it.`);
  }
  const deltaToken = q.get("$deltatoken");
  if (deltaToken !== null) return delta(em, r, t, p, deltaToken, prefs);
  if (prefs.trackChanges) {
    for (const k of ["$filter", "$orderby", "$top", "$expand"]) {
      if (q.get(k) !== null) throw badQuery(`${k} can't be combined with change tracking (Prefer: odata.track-changes).`);
    }
  }
  em.count("read");
  const ctx = em.ctx(p);
  const sec = em.sec(p, t);
  const select = q.get("$select") ? parseSelect(q.get("$select")!, t) : null;
  const filter = q.get("$filter") !== null ? parseFilter(q.get("$filter")!, t, ctx) : null;
  const order = q.get("$orderby") ? parseOrderBy(q.get("$orderby")!, t) : [];
  const expand = q.get("$expand") ? parseExpand(q.get("$expand")!, t, tableDef, ctx) : null;
  let top: number | null = null;
  if (q.get("$top") !== null) {
    top = Number(q.get("$top"));
    if (!Number.isInteger(top) || top < 0) throw badQuery(`The value '${q.get("$top")}' of $top is not a non-negative whole number.`);
  }
  const countWanted = q.get("$count") === "true";
  if (q.get("$count") !== null && !["true", "false"].includes(q.get("$count")!)) throw badQuery("$count must be true or false.");
  const cursor = q.get("$skiptoken") ? decodeCursor(q.get("$skiptoken")!) : null;
  const pred = (row: Row): boolean => (!sec || sec(row)) && (!filter || filter(row)) && (!scope || scope.rows(row));
  // `eq` / `In` on a column are answered from an index (seek.ts): the same rows, fewer looked at.
  const among = seekIds(em.store, t.logicalName, filter);
  const candidates = (): Iterable<Row> => (among ? among.map((id) => em.store.get(t.logicalName, id)).filter((x): x is Row => x !== undefined) : em.store.scan(t.logicalName));
  const pageSize = Math.min(prefs.maxPageSize ?? MAX_PAGE, MAX_PAGE);
  const already = cursor?.n ?? 0;
  let limit = pageSize;
  if (top !== null) limit = Math.min(limit, top - already);
  let page: Row[];
  let more: boolean;
  if (limit <= 0) {
    page = [];
    more = false;
  } else if (order.length === 0) {
    page = em.store.pageByKey(t.logicalName, cursor?.id ?? null, pred, limit + 1, among ?? undefined);
    more = page.length > limit;
    if (more) page = page.slice(0, limit);
  } else {
    const cmp = rowComparator(order, t.primaryId);
    const all: Row[] = [];
    for (const row of candidates()) if (pred(row)) all.push(row);
    all.sort(cmp);
    let start = 0;
    if (cursor) {
      const probe: Row = { [t.primaryId]: cursor.id };
      order.forEach((o, i) => (probe[o.prop] = cursor.v[i]));
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cmp(all[mid], probe) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    page = all.slice(start, start + limit);
    more = all.length > start + limit;
  }
  if (top !== null && already + page.length >= top) more = false;
  const dv = cursor?.dv ?? (prefs.trackChanges ? em.store.currentVersion() : undefined);
  const annotations = prefs.annotations;
  const value = page.map((row) => projectRow({ store: em.store, annotations, canRead: em.canRead(p), hideColumns: (tt, o) => hideUnreadableColumns(p, tt, o) }, t, row, select, expand));
  em.stats.rowsRead += value.length;
  const body: Row = { "@odata.context": `${r.base}$metadata#${t.entitySetName}${select ? `(${select.join(",")})` : ""}` };
  if (countWanted) {
    let n = 0;
    for (const row of candidates()) if (pred(row)) n++;
    body["@odata.count"] = Math.min(n, COUNT_CAP);
    if (prefs.annotations?.totalCount) {
      body["@Microsoft.Dynamics.CRM.totalrecordcount"] = Math.min(n, COUNT_CAP);
      body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = n > COUNT_CAP;
    }
  }
  body.value = value;
  if (more) {
    const last = page[page.length - 1];
    const next: Cursor = { v: order.map((o) => last[o.prop] ?? null), id: last[t.primaryId] as string, n: already + page.length };
    if (dv !== undefined) next.dv = dv;
    const params = new URLSearchParams();
    for (const [k, v] of q) if (k !== "$skiptoken") params.append(k, v);
    params.set("$skiptoken", encodeCursor(next));
    body["@odata.nextLink"] = `${r.base}${scope?.path ?? t.entitySetName}?${params.toString().replace(/%24/g, "$")}`;
  } else if (prefs.trackChanges && dv !== undefined) {
    body["@odata.deltaLink"] = deltaLink(em, r, t, select, dv);
  }
  const applied: string[] = [];
  if (annotations) applied.push(annotations.applied);
  if (prefs.maxPageSize !== null) applied.push(`odata.maxpagesize=${pageSize}`);
  if (prefs.trackChanges) applied.push("odata.track-changes");
  return json(200, body, applied.length ? { "Preference-Applied": applied.join(",") } : {});
}

export function deltaLink(em: Emulator, r: Req, t: ResolvedTable, select: string[] | null, version: number): string {
  const params = new URLSearchParams();
  if (select) params.set("$select", select.join(","));
  params.set("$deltatoken", `${version}!${new Date().toISOString().slice(0, 19).replace("T", " ")}`);
  return `${r.base}${t.entitySetName}?${params.toString().replace(/%24/g, "$")}`;
}

/**
 * A delta request: rows changed and deleted since the token's version, in version order, paged
 * with Prefer: odata.maxpagesize. The first page fixes the upper version; a row changed again
 * while the pages are read moves past it and comes with the next delta instead.
 */
export function delta(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, token: string, prefs: Preferences): Res {
  em.count("delta");
  const m = /^(\d+)!/.exec(token);
  if (!m) throw badQuery(`The $deltatoken '${token}' is not valid. Use the @odata.deltaLink returned by the previous request.`);
  const since = Number(m[1]);
  const sec = em.sec(p, t);
  const select = r.query.get("$select") ? parseSelect(r.query.get("$select")!, t) : null;
  const cursor = r.query.get("$skiptoken") ? decodeCursor(r.query.get("$skiptoken")!) : null;
  const upTo = cursor?.dv ?? em.store.currentVersion();
  const after = cursor ? Number(cursor.v[0]) : since;
  type Item = { version: number; row?: Row; deletedId?: string };
  const items: Item[] = [];
  for (const row of em.store.scan(t.logicalName)) {
    const v = row.versionnumber as number;
    if (v > after && v <= upTo && (!sec || sec(row))) items.push({ version: v, row });
  }
  for (const d of em.store.deletedSince(t.logicalName, after)) if (d.version <= upTo) items.push({ version: d.version, deletedId: d.id });
  items.sort((x, y) => x.version - y.version);
  const pageSize = Math.min(prefs.maxPageSize ?? MAX_PAGE, MAX_PAGE);
  const page = items.slice(0, pageSize);
  const ctx: ProjectContext = { store: em.store, annotations: prefs.annotations, canRead: em.canRead(p), hideColumns: (tt, o) => hideUnreadableColumns(p, tt, o) };
  const value: Row[] = page.map((it) =>
    it.row
      ? projectRow(ctx, t, it.row, select, null)
      : { "@odata.context": `${r.base}$metadata#${t.entitySetName}/$deletedEntity`, id: it.deletedId, reason: "deleted" },
  );
  em.stats.rowsRead += page.filter((it) => it.row).length;
  const body: Row = { "@odata.context": `${r.base}$metadata#${t.entitySetName}${select ? `(${select.join(",")})` : ""}/$delta`, value };
  if (items.length > pageSize) {
    const last = page[page.length - 1];
    const params = new URLSearchParams();
    for (const [k, v] of r.query) if (k !== "$skiptoken") params.append(k, v);
    params.set("$skiptoken", encodeCursor({ v: [last.version], id: "", n: (cursor?.n ?? 0) + page.length, dv: upTo }));
    body["@odata.nextLink"] = `${r.base}${t.entitySetName}?${params.toString().replace(/%24/g, "$")}`;
  } else {
    body["@odata.deltaLink"] = deltaLink(em, r, t, select, upTo);
  }
  const applied = ["odata.track-changes"];
  if (prefs.maxPageSize !== null) applied.push(`odata.maxpagesize=${pageSize}`);
  return json(200, body, { "Preference-Applied": applied.join(",") });
}
