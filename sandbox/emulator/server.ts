/**
 * The HTTP surface of the emulator: `/api/data/v9.2/…` (Dataverse Web API) and `/_emulator/…`
 * (statistics for tests and benchmarks). Requests pass fault injection, authentication and
 * service protection, then a synchronous dispatcher that `$batch` items reuse.
 */
import { closeServer, listenLoopback, readBody } from "../loopback";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseBatch, writeBatchResponse, type BatchItem, type ItemResponse, type ResponsePart } from "./batch";
import { CODES, ODataError, badQuery } from "./errors";
import { executeFetch } from "./fetchxml";
import { formatValue, lookupName, parsePrefer, projectRow, FORMATTED, type Preferences, type ProjectContext } from "./format";
import { ALL_ENTITY_METADATA, selectProps } from "./metadata";
import {
  aggregateRows, parseApply, parseExpand, parseFilter, parseOrderBy, parseSelect, rowComparator, type QueryContext,
} from "./odata";
import { type FaultInjector, type ServiceProtection } from "./protection";
import {
  BY_LOGICAL, BY_SET, LOOKUP_TYPE_KEY, PARTICIPATION_TYPES, PARTY_TARGETS, PARTY_TYPES_BY_ACTIVITY, TABLES, isLookupType, navigationProperties,
  partiesNavigation, propertyName, tableDef, type ColumnDef, type ResolvedTable,
} from "./schema";
import { assertColumnWrites, hideUnreadableColumns } from "./fieldsecurity";
import { assertWrite, readFilter, type Principal } from "./security";
import { DuplicateKeyError, nowIso, type EmulatorStore, type Row } from "./store";
import { comparableOf, compare, isNumericType, str } from "./values";

export interface EmulatorStats {
  requests: number;
  byKind: Record<string, number>;
  throttled: number;
  faults503: number;
  dropped: number;
  rowsRead: number;
  rowsWritten: number;
  batchItems: number;
}

export function emptyStats(): EmulatorStats {
  return { requests: 0, byKind: {}, throttled: 0, faults503: 0, dropped: 0, rowsRead: 0, rowsWritten: 0, batchItems: 0 };
}

export interface UserEntry extends Principal {
  disabled: boolean;
  token: string;
}

interface Req {
  method: string;
  /** Path after the service root, percent-decoded, e.g. `accounts(…)`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  /** Service root, e.g. http://127.0.0.1:1234/api/data/v9.2/ */
  base: string;
}

interface Res {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  text?: string;
}

const MAX_PAGE = 5000;
const COUNT_CAP = 5000;
const BATCH_LIMIT = 1000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Res {
  return { status, headers, body };
}
function errorRes(e: ODataError): Res {
  return { status: e.status, headers: { ...e.headers }, body: e.body() };
}
function notFound(t: ResolvedTable, id: string): ODataError {
  return new ODataError(404, CODES.notFound, `Entity '${t.logicalName}' With Id = ${id} Does Not Exist`);
}

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

export class EmulatorServer {
  readonly http: Server;
  private readonly byToken = new Map<string, UserEntry>();
  stats: EmulatorStats = emptyStats();

  constructor(
    readonly store: EmulatorStore,
    users: UserEntry[],
    private readonly organizationId: string,
    readonly protection: ServiceProtection,
    readonly faults: FaultInjector,
  ) {
    for (const u of users) this.byToken.set(u.token, u);
    this.http = createServer((req, res) => {
      this.handleHttp(req, res).catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ error: { code: "0x80040216", message: `Emulator error: ${(e as Error).message}` } }));
        }
      });
    });
    this.http.keepAliveTimeout = 5000;
  }

  listen(port: number): Promise<number> {
    return listenLoopback(this.http, port);
  }

  close(): Promise<void> {
    return closeServer(this.http);
  }

  private count(kind: string, n = 1): void {
    this.stats.byKind[kind] = (this.stats.byKind[kind] ?? 0) + n;
  }

  // -----------------------------------------------------------------------------------------
  // HTTP

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    const url = new URL(req.url ?? "/", host);
    if (url.pathname.startsWith("/_emulator/")) return this.control(url.pathname, req, res);
    const m = /^\/api\/data\/(v9\.[0-2])\/?(.*)$/.exec(url.pathname);
    if (!m) {
      send(res, json(404, { error: { code: CODES.badQuery, message: `No Dataverse Web API endpoint at '${url.pathname}'. The service root is ${host}/api/data/v9.2/` } }));
      return;
    }
    const body = await readBody(req);
    this.stats.requests++;
    const decision = this.faults.decide();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;

    const auth = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "");
    const user = auth ? this.byToken.get(auth[1]) : undefined;
    if (!user || user.disabled) {
      const why = !auth ? "The request has no bearer token (Authorization: Bearer …)." : !user ? "The bearer token is not valid for this organisation." : `The user ${user.fullname} is disabled.`;
      send(res, json(401, { error: { code: CODES.unauthorized, message: why } }, { "WWW-Authenticate": `Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize, resource_id=${host}/` }));
      return;
    }
    let ticket: ReturnType<ServiceProtection["admit"]>;
    try {
      ticket = this.protection.admit(user.id);
    } catch (e) {
      this.stats.throttled++;
      send(res, errorRes(e as ODataError));
      return;
    }
    const started = performance.now();
    try {
      if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
      if (decision.kind === "drop") {
        this.stats.dropped++;
        req.socket.destroy();
        return;
      }
      if (decision.kind === "503") {
        this.stats.faults503++;
        send(res, json(503, { error: { code: CODES.unavailable, message: "The service is temporarily unavailable (injected fault). Retry later." } }, { "Retry-After": "1" }));
        return;
      }
      if (decision.kind === "storm") {
        this.stats.throttled++;
        send(res, json(429, { error: { code: CODES.throttleRequests, message: "Number of requests exceeded the limit of 6000 over time window of 300 seconds." } }, { "Retry-After": String(decision.retryAfterSeconds ?? 1) }));
        return;
      }
      const r: Req = { method: req.method ?? "GET", path: decodeURIComponent(m[2]), query: url.searchParams, headers, body, base: `${host}/api/data/${m[1]}/` };
      const out = this.dispatch(r, user, true);
      Object.assign(out.headers, ticket.headers);
      send(res, out);
    } finally {
      ticket.done(performance.now() - started);
    }
  }

  private control(path: string, req: IncomingMessage, res: ServerResponse): void {
    if (path === "/_emulator/stats" && req.method === "GET") return send(res, json(200, this.stats));
    if (path === "/_emulator/reset-stats" && req.method === "POST") {
      this.stats = emptyStats();
      return send(res, { status: 204, headers: {} });
    }
    send(res, json(404, { error: { code: CODES.badQuery, message: `Unknown emulator control endpoint ${req.method} ${path} (GET /_emulator/stats, POST /_emulator/reset-stats).` } }));
  }

  // -----------------------------------------------------------------------------------------
  // Dispatch

  private dispatch(r: Req, p: UserEntry, topLevel: boolean): Res {
    try {
      return this.route(r, p, topLevel);
    } catch (e) {
      if (e instanceof ODataError) return errorRes(e);
      if (e instanceof DuplicateKeyError) return errorRes(new ODataError(412, CODES.duplicate, e.message));
      throw e;
    }
  }

  private route(r: Req, p: UserEntry, topLevel: boolean): Res {
    const path = r.path.replace(/\/$/, "");
    if (path === "" && r.method === "GET") {
      return json(200, { "@odata.context": `${r.base}$metadata`, value: TABLES.map((t) => ({ name: t.entitySetName, kind: "EntitySet", url: t.entitySetName })) });
    }
    if (path === "$metadata") return this.csdl();
    if (path === "$batch") {
      if (!topLevel) throw badQuery("A $batch can't contain another $batch.");
      if (r.method !== "POST") throw new ODataError(405, CODES.badQuery, "$batch accepts POST only.");
      return this.batch(r, p);
    }
    if (/^WhoAmI(\(\))?$/.test(path)) {
      this.count("whoami");
      return json(200, { "@odata.context": `${r.base}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`, BusinessUnitId: p.businessUnitId, UserId: p.id, OrganizationId: this.organizationId });
    }
    if (path.startsWith("EntityDefinitions")) {
      this.count("metadata");
      return this.metadata(r, path);
    }
    const m = /^([A-Za-z_]\w*)(?:\((.*)\))?(?:\/(.+))?$/.exec(path);
    const t0 = m ? BY_SET.get(m[1]) : undefined;
    if (!m || !t0) throw new ODataError(404, CODES.badQuery, `Resource not found for the segment '${m?.[1] ?? path}'.`);
    const t = tableDef(t0.logicalName);
    const keyText = m[2];
    const sub = m[3];
    const prefs = parsePrefer(r.headers.prefer);
    if (t.logicalName === "activityparty") assertPartyOperation(r.method, keyText !== undefined);
    if (keyText === undefined) {
      if (sub === "$count" && r.method === "GET") return this.countOnly(r, t, p);
      if (sub !== undefined) throw new ODataError(404, CODES.badQuery, `Resource not found for the segment '${sub}'.`);
      if (r.method === "GET") return this.readCollection(r, t, p, prefs);
      if (r.method === "POST") return this.create(r, t, p, prefs);
      throw new ODataError(405, CODES.badQuery, `The HTTP method ${r.method} is not allowed on the entity set '${t.entitySetName}'.`);
    }
    const key = this.parseKey(t, keyText);
    if (sub !== undefined) {
      if (r.method !== "GET") throw new ODataError(405, CODES.badQuery, `The emulator supports GET only on property paths ('${sub}').`);
      return this.readProperty(r, t, p, key, sub);
    }
    switch (r.method) {
      case "GET": return this.readOne(r, t, p, key, prefs);
      case "PATCH": return this.upsert(r, t, p, key, prefs);
      case "DELETE": return this.remove(r, t, p, key);
      default: throw new ODataError(405, CODES.badQuery, `The HTTP method ${r.method} is not allowed on a record.`);
    }
  }

  private ctx(p: UserEntry): QueryContext {
    return { now: Date.now(), userId: p.id, businessUnitId: p.businessUnitId };
  }

  /** The caller's read filter for a table (activity parties follow their activity's security). */
  private sec(p: UserEntry, t: ResolvedTable): ((row: Row) => boolean) | null {
    return readFilter(p, t, (id) => this.store.get("activitypointer", id));
  }

  private canRead(p: UserEntry): (t: ResolvedTable, row: Row) => boolean {
    return (t, row) => {
      try {
        const f = this.sec(p, t);
        return !f || f(row);
      } catch {
        return false;
      }
    };
  }

  // --- keys --------------------------------------------------------------------------------

  private parseKey(t: ResolvedTable, text: string): { id?: string; alt?: Record<string, unknown> } {
    const s = text.trim();
    if (GUID.test(s)) return { id: s.toLowerCase() };
    const parts: string[] = [];
    let cur = "";
    let q = false;
    for (const ch of s) {
      if (ch === "'") q = !q;
      if (ch === "," && !q) {
        parts.push(cur);
        cur = "";
      } else cur += ch;
    }
    parts.push(cur);
    const alt: Record<string, unknown> = {};
    for (const part of parts) {
      const eq = part.indexOf("=");
      if (eq < 0) throw badQuery(`The key '(${text})' is not a GUID nor a list of name=value pairs of an alternate key.`);
      const name = part.slice(0, eq).trim();
      let raw = part.slice(eq + 1).trim();
      if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) raw = raw.slice(1, -1).replace(/''/g, "'");
      const col = t.byColumn.get(name);
      if (!col) throw badQuery(`The key property '${name}' is not a column of '${t.logicalName}'.`);
      if (name === t.primaryId) {
        if (!GUID.test(raw)) throw badQuery(`The key value '${raw}' of '${name}' is not a GUID.`);
        return { id: raw.toLowerCase() };
      }
      alt[name] = isNumericType(col) ? Number(raw) : raw;
    }
    const cols = Object.keys(alt).sort().join(",");
    if (!t.alternateKeys.some((k) => [...k.columns].sort().join(",") === cols)) {
      const known = t.alternateKeys.map((k) => `(${k.columns.join(", ")})`).join(", ") || "none";
      throw badQuery(`'${t.logicalName}' has no alternate key on (${Object.keys(alt).join(", ")}). Its alternate keys: ${known}.`);
    }
    return { alt };
  }

  private find(t: ResolvedTable, key: { id?: string; alt?: Record<string, unknown> }): Row | undefined {
    return key.id ? this.store.get(t.logicalName, key.id) : this.store.findByKey(t.logicalName, key.alt!);
  }

  private keyText(t: ResolvedTable, key: { id?: string; alt?: Record<string, unknown> }): string {
    return key.id ?? Object.entries(key.alt!).map(([k, v]) => `${k}=${String(v)}`).join(",");
  }

  // --- reads -------------------------------------------------------------------------------

  private readOne(r: Req, t: ResolvedTable, p: UserEntry, key: { id?: string; alt?: Record<string, unknown> }, prefs: Preferences): Res {
    this.count("read");
    const f = this.sec(p, t);
    const row = this.find(t, key);
    if (!row) throw notFound(t, this.keyText(t, key));
    if (f && !f(row)) throw new ODataError(403, CODES.noPrivilege, `Principal user (Id=${p.id}, type=8) is missing prvRead${t.schemaName} privilege on OTC=${t.objectTypeCode} for entity '${t.logicalName}' at the depth needed to read record Id=${String(row[t.primaryId])} (owned by another user).`);
    const etag = `W/"${String(row.versionnumber)}"`;
    if (r.headers["if-none-match"] === etag) return { status: 304, headers: { ETag: etag } };
    const select = r.query.get("$select") ? parseSelect(r.query.get("$select")!, t) : null;
    const expand = r.query.get("$expand") ? parseExpand(r.query.get("$expand")!, t, tableDef) : null;
    const out = projectRow({ store: this.store, annotations: prefs.annotations, canRead: this.canRead(p), hideColumns: (tt, o) => hideUnreadableColumns(p, tt, o) }, t, row, select, expand);
    this.stats.rowsRead++;
    const headers: Record<string, string> = { ETag: etag };
    if (prefs.annotations) headers["Preference-Applied"] = prefs.annotations.applied;
    return json(200, { "@odata.context": `${r.base}$metadata#${t.entitySetName}${select ? `(${select.join(",")})` : ""}/$entity`, ...out }, headers);
  }

  private readProperty(r: Req, t: ResolvedTable, p: UserEntry, key: { id?: string; alt?: Record<string, unknown> }, prop: string): Res {
    this.count("read");
    const f = this.sec(p, t);
    const row = this.find(t, key);
    if (!row) throw notFound(t, this.keyText(t, key));
    if (f && !f(row)) throw new ODataError(403, CODES.noPrivilege, `Principal user (Id=${p.id}, type=8) has no access to record Id=${String(row[t.primaryId])} of '${t.logicalName}'.`);
    const name = prop.replace(/\/\$value$/, "");
    if (!t.byProperty.has(name)) throw badQuery(`Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${t.logicalName}'.`);
    const v = row[name] ?? null;
    if (prop.endsWith("/$value")) return { status: v === null ? 204 : 200, headers: { "Content-Type": "text/plain" }, text: v === null ? "" : str(v) };
    return json(200, { "@odata.context": `${r.base}$metadata#${t.entitySetName}(${String(row[t.primaryId])})/${name}`, value: v });
  }

  private countOnly(r: Req, t: ResolvedTable, p: UserEntry): Res {
    this.count("read");
    const f = this.sec(p, t);
    const filter = r.query.get("$filter") !== null ? parseFilter(r.query.get("$filter")!, t, this.ctx(p)) : null;
    let n = 0;
    for (const row of this.store.scan(t.logicalName)) if ((!f || f(row)) && (!filter || filter(row))) n++;
    return { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" }, text: String(Math.min(n, COUNT_CAP)) };
  }

  private readCollection(r: Req, t: ResolvedTable, p: UserEntry, prefs: Preferences): Res {
    const q = r.query;
    const fetchXml = q.get("fetchXml");
    if (fetchXml !== null) return this.fetch(r, t, p, fetchXml, prefs);
    if (q.get("$apply") !== null) return this.apply(r, t, p);
    if (q.get("$skip") !== null) throw badQuery("The query parameter $skip is not supported. Use Prefer: odata.maxpagesize and follow @odata.nextLink.");
    for (const k of q.keys()) {
      if (k.startsWith("$") && !["$select", "$filter", "$orderby", "$top", "$count", "$expand", "$skiptoken", "$deltatoken"].includes(k)) {
        throw badQuery(`The query parameter ${k} is not supported.`);
      }
    }
    const deltaToken = q.get("$deltatoken");
    if (deltaToken !== null) return this.delta(r, t, p, deltaToken, prefs);
    if (prefs.trackChanges) {
      for (const k of ["$filter", "$orderby", "$top", "$expand"]) {
        if (q.get(k) !== null) throw badQuery(`${k} can't be combined with change tracking (Prefer: odata.track-changes).`);
      }
    }
    this.count("read");
    const ctx = this.ctx(p);
    const sec = this.sec(p, t);
    const select = q.get("$select") ? parseSelect(q.get("$select")!, t) : null;
    const filter = q.get("$filter") !== null ? parseFilter(q.get("$filter")!, t, ctx) : null;
    const order = q.get("$orderby") ? parseOrderBy(q.get("$orderby")!, t) : [];
    const expand = q.get("$expand") ? parseExpand(q.get("$expand")!, t, tableDef) : null;
    let top: number | null = null;
    if (q.get("$top") !== null) {
      top = Number(q.get("$top"));
      if (!Number.isInteger(top) || top < 0) throw badQuery(`The value '${q.get("$top")}' of $top is not a non-negative whole number.`);
    }
    const countWanted = q.get("$count") === "true";
    if (q.get("$count") !== null && !["true", "false"].includes(q.get("$count")!)) throw badQuery("$count must be true or false.");
    const cursor = q.get("$skiptoken") ? decodeCursor(q.get("$skiptoken")!) : null;
    const pred = (row: Row): boolean => (!sec || sec(row)) && (!filter || filter(row));
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
      page = this.store.pageByKey(t.logicalName, cursor?.id ?? null, pred, limit + 1);
      more = page.length > limit;
      if (more) page = page.slice(0, limit);
    } else {
      const cmp = rowComparator(order, t.primaryId);
      const all: Row[] = [];
      for (const row of this.store.scan(t.logicalName)) if (pred(row)) all.push(row);
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
    const dv = cursor?.dv ?? (prefs.trackChanges ? this.store.currentVersion() : undefined);
    const annotations = prefs.annotations;
    const value = page.map((row) => projectRow({ store: this.store, annotations, canRead: this.canRead(p), hideColumns: (tt, o) => hideUnreadableColumns(p, tt, o) }, t, row, select, expand));
    this.stats.rowsRead += value.length;
    const body: Row = { "@odata.context": `${r.base}$metadata#${t.entitySetName}${select ? `(${select.join(",")})` : ""}` };
    if (countWanted) {
      let n = 0;
      for (const row of this.store.scan(t.logicalName)) if (pred(row)) n++;
      body["@odata.count"] = Math.min(n, COUNT_CAP);
      if (n > COUNT_CAP) body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = true;
    }
    body.value = value;
    if (more) {
      const last = page[page.length - 1];
      const next: Cursor = { v: order.map((o) => last[o.prop] ?? null), id: last[t.primaryId] as string, n: already + page.length };
      if (dv !== undefined) next.dv = dv;
      const params = new URLSearchParams();
      for (const [k, v] of q) if (k !== "$skiptoken") params.append(k, v);
      params.set("$skiptoken", encodeCursor(next));
      body["@odata.nextLink"] = `${r.base}${t.entitySetName}?${params.toString().replace(/%24/g, "$")}`;
    } else if (prefs.trackChanges && dv !== undefined) {
      body["@odata.deltaLink"] = this.deltaLink(r, t, select, dv);
    }
    const applied: string[] = [];
    if (annotations) applied.push(annotations.applied);
    if (prefs.maxPageSize !== null) applied.push(`odata.maxpagesize=${pageSize}`);
    if (prefs.trackChanges) applied.push("odata.track-changes");
    return json(200, body, applied.length ? { "Preference-Applied": applied.join(",") } : {});
  }

  private deltaLink(r: Req, t: ResolvedTable, select: string[] | null, version: number): string {
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
  private delta(r: Req, t: ResolvedTable, p: UserEntry, token: string, prefs: Preferences): Res {
    this.count("delta");
    const m = /^(\d+)!/.exec(token);
    if (!m) throw badQuery(`The $deltatoken '${token}' is not valid. Use the @odata.deltaLink returned by the previous request.`);
    const since = Number(m[1]);
    const sec = this.sec(p, t);
    const select = r.query.get("$select") ? parseSelect(r.query.get("$select")!, t) : null;
    const cursor = r.query.get("$skiptoken") ? decodeCursor(r.query.get("$skiptoken")!) : null;
    const upTo = cursor?.dv ?? this.store.currentVersion();
    const after = cursor ? Number(cursor.v[0]) : since;
    type Item = { version: number; row?: Row; deletedId?: string };
    const items: Item[] = [];
    for (const row of this.store.scan(t.logicalName)) {
      const v = row.versionnumber as number;
      if (v > after && v <= upTo && (!sec || sec(row))) items.push({ version: v, row });
    }
    for (const d of this.store.deletedSince(t.logicalName, after)) if (d.version <= upTo) items.push({ version: d.version, deletedId: d.id });
    items.sort((x, y) => x.version - y.version);
    const pageSize = Math.min(prefs.maxPageSize ?? MAX_PAGE, MAX_PAGE);
    const page = items.slice(0, pageSize);
    const ctx: ProjectContext = { store: this.store, annotations: prefs.annotations, canRead: this.canRead(p), hideColumns: (tt, o) => hideUnreadableColumns(p, tt, o) };
    const value: Row[] = page.map((it) =>
      it.row
        ? projectRow(ctx, t, it.row, select, null)
        : { "@odata.context": `${r.base}$metadata#${t.entitySetName}/$deletedEntity`, id: it.deletedId, reason: "deleted" },
    );
    this.stats.rowsRead += page.filter((it) => it.row).length;
    const body: Row = { "@odata.context": `${r.base}$metadata#${t.entitySetName}${select ? `(${select.join(",")})` : ""}/$delta`, value };
    if (items.length > pageSize) {
      const last = page[page.length - 1];
      const params = new URLSearchParams();
      for (const [k, v] of r.query) if (k !== "$skiptoken") params.append(k, v);
      params.set("$skiptoken", encodeCursor({ v: [last.version], id: "", n: (cursor?.n ?? 0) + page.length, dv: upTo }));
      body["@odata.nextLink"] = `${r.base}${t.entitySetName}?${params.toString().replace(/%24/g, "$")}`;
    } else {
      body["@odata.deltaLink"] = this.deltaLink(r, t, select, upTo);
    }
    const applied = ["odata.track-changes"];
    if (prefs.maxPageSize !== null) applied.push(`odata.maxpagesize=${pageSize}`);
    return json(200, body, { "Preference-Applied": applied.join(",") });
  }

  private apply(r: Req, t: ResolvedTable, p: UserEntry): Res {
    this.count("aggregate");
    const spec = parseApply(r.query.get("$apply")!, t, this.ctx(p));
    const sec = this.sec(p, t);
    const rows: Row[] = [];
    for (const row of this.store.scan(t.logicalName)) if ((!sec || sec(row)) && spec.filters.every((f) => f(row))) rows.push(row);
    if (spec.aggregates.length === 0 && spec.groupBy.length === 0) throw badQuery("$apply needs groupby(...) or aggregate(...).");
    if (spec.aggregates.length > 0 && rows.length > 50_000) {
      throw new ODataError(400, CODES.aggregateLimit, "AggregateQueryRecordLimit exceeded. Cannot perform this operation.");
    }
    const out = aggregateRows(
      rows,
      spec.groupBy.map((g) => ({ key: g.prop, read: (row: Row) => row[g.prop] })),
      spec.aggregates.map((a) => ({ alias: a.alias, fn: a.fn, read: a.prop ? (row: Row) => row[a.prop!] : null })),
    );
    if (spec.groupBy.length) {
      out.sort((a, b) => {
        for (const g of spec.groupBy) {
          const c = compare(comparableOf(g.col, a[g.prop]), comparableOf(g.col, b[g.prop]));
          if (c) return c;
        }
        return 0;
      });
    }
    return json(200, { "@odata.context": `${r.base}$metadata#${t.entitySetName}`, value: out.map((row) => ({ "@odata.id": null, ...row })) });
  }

  private fetch(r: Req, t: ResolvedTable, p: UserEntry, xml: string, prefs: Preferences): Res {
    this.count("fetchxml");
    const result = executeFetch(xml, t, { store: this.store, ctx: this.ctx(p), readFilter: (tt) => this.sec(p, tt) });
    const ann = prefs.annotations;
    const value = result.rows.map((row, i) => {
      if (result.aggregate) return { ...row };
      const main = result.mainRows[i];
      const out: Row = { "@odata.etag": `W/"${str(main.versionnumber)}"` };
      for (const [k, v] of Object.entries(row)) {
        const dot = k.indexOf(".");
        if (ann && v !== null && dot < 0) {
          const c = t.byProperty.get(k);
          if (c && isLookupType(c.type)) {
            const target = this.store.lookupTarget(t, main, c.name);
            if (ann.formatted) {
              const name = lookupName(this.store, target, v as string);
              if (name !== undefined) out[`${k}@${FORMATTED}`] = name;
            }
            if (ann.lookupName && target) out[`${k}@Microsoft.Dynamics.CRM.lookuplogicalname`] = target;
          } else if (c && ann.formatted) {
            const f = formatValue(c, v);
            if (f !== undefined) out[`${k}@${FORMATTED}`] = f;
          }
        }
        out[k] = v;
      }
      return out;
    });
    this.stats.rowsRead += value.length;
    const body: Row = { "@odata.context": `${r.base}$metadata#${t.entitySetName}`, value };
    if (result.totalRecordCount !== null) {
      body["@Microsoft.Dynamics.CRM.totalrecordcount"] = Math.min(result.totalRecordCount, COUNT_CAP);
      body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = result.totalRecordCount > COUNT_CAP;
    }
    if (!result.aggregate) {
      body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"] = `<cookie pagenumber="${result.page + 1}" pagingcookie="" istracking="False" />`;
      body["@Microsoft.Dynamics.CRM.morerecords"] = result.moreRecords;
    }
    return json(200, body, ann ? { "Preference-Applied": ann.applied } : {});
  }

  // --- writes --------------------------------------------------------------------------------

  /** Converts a request body into stored columns, validating names and types. */
  private writeColumns(r: Req, t: ResolvedTable, body: unknown, creating: boolean): Row {
    if (!body || typeof body !== "object" || Array.isArray(body)) throw badQuery("The request body must be a JSON object.");
    const navs = navigationProperties(t);
    const out: Row = {};
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (k.startsWith("@")) continue;
      if (k.endsWith("@odata.bind")) {
        let nav = k.slice(0, -"@odata.bind".length);
        if (!navs.has(nav) && t.isActivity) nav = nav.replace(new RegExp(`_${t.logicalName}$`), "");
        const n = navs.get(nav);
        if (!n) throw badQuery(`An undeclared property '${nav}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`);
        const prop = propertyName(n.column);
        if (v === null) {
          out[prop] = null;
          continue;
        }
        if (typeof v !== "string") throw badQuery(`The value of '${k}' must be a string such as "/accounts(00000000-0000-0000-0000-000000000000)".`);
        const ref = this.resolveReference(r, v, k);
        if (n.target !== null && ref.table.logicalName !== n.target) {
          throw badQuery(`The reference '${v}' in '${k}' points to '${ref.table.logicalName}', but the navigation property '${nav}' expects '${n.target}'.`);
        }
        if (n.target === null && !(n.column.targets ?? []).includes(ref.table.logicalName)) {
          throw badQuery(`The reference '${v}' in '${k}' points to '${ref.table.logicalName}', but '${nav}' accepts ${(n.column.targets ?? []).join(" or ")}.`);
        }
        out[prop] = ref.id;
        if ((n.column.targets?.length ?? 0) > 1) out[`${prop}${LOOKUP_TYPE_KEY}`] = ref.table.logicalName;
        continue;
      }
      if (k.includes("@")) continue; // instance annotations in the payload are ignored
      const col = t.byColumn.get(k);
      if (!col || isLookupType(col.type)) {
        const lk = t.byProperty.get(k) ?? col;
        if (lk && isLookupType(lk.type)) {
          throw badQuery(`The lookup '${lk.name}' can't be set through the property '${k}'. Use '${[...navs.entries()].filter(([, x]) => x.column === lk).map(([name]) => name)[0] ?? lk.name}@odata.bind' with a value like "/${tableDef(lk.targets?.[0] ?? t.logicalName).entitySetName}(<id>)".`);
        }
        throw badQuery(`The property '${k}' does not exist on type 'Microsoft.Dynamics.CRM.${t.logicalName}'. Make sure to only use property names that are defined by the type.`);
      }
      if (col.name === t.primaryId) {
        if (!creating) continue;
        if (typeof v !== "string" || !GUID.test(v)) throw badQuery(`The value '${String(v)}' of '${k}' is not a GUID.`);
        out[k] = v.toLowerCase();
        continue;
      }
      if (col.readOnly) continue;
      out[k] = validateValue(col, v);
    }
    return out;
  }

  private resolveReference(r: Req, v: string, where: string): { table: ResolvedTable; id: string } {
    let s = v.trim();
    const rootIdx = s.indexOf("/api/data/v9.");
    if (rootIdx >= 0) s = s.slice(rootIdx).replace(/^\/api\/data\/v9\.\d\//, "");
    s = s.replace(/^\//, "");
    const m = /^(\w+)\((.+)\)$/.exec(s);
    const set = m ? BY_SET.get(m[1]) : undefined;
    if (!m || !set) throw badQuery(`The reference '${v}' in '${where}' is not of the form /<entityset>(<id>).`);
    const t = tableDef(set.logicalName);
    const key = this.parseKey(t, m[2]);
    const row = this.find(t, key);
    if (!row) throw notFound(t, this.keyText(t, key));
    return { table: t, id: row[t.primaryId] as string };
  }

  private parseBody(r: Req): unknown {
    if (!r.body.trim()) return {};
    try {
      return JSON.parse(r.body) as unknown;
    } catch (e) {
      throw badQuery(`The request body is not valid JSON: ${(e as Error).message}`);
    }
  }

  /** Fills platform-managed columns: owner, business unit, full name, state. */
  private complete(t: ResolvedTable, row: Row, p: UserEntry, existing: Row | null): void {
    // Created By / Modified By are the caller, whatever the body says (Dataverse sets them).
    if (t.byColumn.has("createdby")) {
      if (!existing) row._createdby_value = p.id;
      row._modifiedby_value = p.id;
    }
    if (t.ownership === "UserOwned") {
      if (!existing && row._ownerid_value == null) {
        row._ownerid_value = p.id;
        row[`_ownerid_value${LOOKUP_TYPE_KEY}`] = "systemuser";
      }
      if (row._ownerid_value != null && (!existing || row._ownerid_value !== existing._ownerid_value)) {
        const ownerType = (row[`_ownerid_value${LOOKUP_TYPE_KEY}`] as string | undefined) ?? "systemuser";
        const owner = this.store.get(ownerType, row._ownerid_value as string);
        row._owningbusinessunit_value = (owner?._businessunitid_value) ?? p.businessUnitId;
      }
    }
    if (["contact", "lead", "systemuser"].includes(t.logicalName) && ("firstname" in row || "lastname" in row)) {
      const first = (row.firstname ?? existing?.firstname ?? "") as string;
      const last = (row.lastname ?? existing?.lastname ?? "") as string;
      row.fullname = `${first} ${last}`.trim();
    }
    if (!existing) {
      const state = t.byColumn.get("statecode");
      const status = t.byColumn.get("statuscode");
      if (state && row.statecode == null) row.statecode = t.logicalName === "duplicaterule" ? 0 : 0;
      if (status && row.statuscode == null) {
        const keys = Object.keys(status.options ?? {}).map(Number);
        row.statuscode = t.logicalName === "duplicaterule" ? 0 : keys.includes(1) ? 1 : keys[0];
      }
    }
  }

  private create(r: Req, t: ResolvedTable, p: UserEntry, prefs: Preferences): Res {
    this.count("create");
    if (t.logicalName === "activitypointer") throw badQuery("Records can't be created in activitypointers directly; create an email, task, phonecall or appointment.");
    assertWrite(p, t, null, "Create");
    const { body, parties: partyItems, nav } = splitParties(t, this.parseBody(r));
    const row = this.writeColumns(r, t, body, true);
    assertColumnWrites(p, t, row, "create");
    this.complete(t, row, p, null);
    assertWrite(p, t, row, "Create");
    if (row[t.primaryId] && this.store.get(t.logicalName, row[t.primaryId] as string)) {
      throw new ODataError(412, CODES.duplicate, `A record with the id ${String(row[t.primaryId])} already exists in '${t.logicalName}'.`);
    }
    // Every party is checked before anything is written, so a bad one leaves no activity behind.
    const parties = partyItems !== undefined ? this.parseParties(r, t, nav!, partyItems) : [];
    const stored = this.store.insert(t.logicalName, row);
    for (const party of parties) {
      this.store.insert("activityparty", { ...party, _activityid_value: stored[t.primaryId], [`_activityid_value${LOOKUP_TYPE_KEY}`]: t.logicalName });
    }
    this.stats.rowsWritten++;
    return this.writeResponse(r, t, p, stored, prefs, 201);
  }

  /**
   * Validates the parties of a deep insert (`email_activity_parties` …) and returns the rows to
   * store, without `_activityid_value`. Any problem is a 400 naming the item and the property.
   */
  private parseParties(r: Req, activity: ResolvedTable, nav: string, value: unknown): Row[] {
    const example = `[{ "partyid_contact@odata.bind": "/contacts(<id>)", "participationtypemask": ${PARTY_TYPES_BY_ACTIVITY[activity.logicalName]?.[0] ?? 2} }]`;
    if (!Array.isArray(value)) throw badQuery(`'${nav}' must be a JSON array of activity parties, such as ${example}.`);
    const pt = tableDef("activityparty");
    const navs = navigationProperties(pt);
    const allowed = PARTY_TYPES_BY_ACTIVITY[activity.logicalName] ?? [];
    const typeText = (v: number): string => `${v} (${PARTICIPATION_TYPES[v]})`;
    const allowedText = allowed.length
      ? `${activity.logicalName} takes ${allowed.map(typeText).join(", ")}`
      : `${activity.logicalName} has no party-list columns, so it takes no parties`;
    const partyBinds = PARTY_TARGETS.map((x) => `partyid_${x}@odata.bind`).join(", ");
    const ids = new Set<string>();
    return value.map((item: unknown, i): Row => {
      const at = `${nav}[${i}]`;
      if (item === null || typeof item !== "object" || Array.isArray(item)) throw badQuery(`${at} must be a JSON object (one activity party).`);
      const party: Row = {};
      let target: string | null = null;
      for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
        if (k.startsWith("@")) continue;
        if (k.endsWith("@odata.bind")) {
          const name = k.slice(0, -"@odata.bind".length);
          const n = navs.get(name);
          if (n?.column.name === "activityid") throw badQuery(`${at}: '${k}' can't be set; a party belongs to the ${activity.logicalName} it is created with.`);
          if (!n || n.column.name !== "partyid" || !n.target) throw badQuery(`${at}: '${name}' is not a navigation property of activityparty. A party points to its record with ${partyBinds}.`);
          if (target !== null) throw badQuery(`${at}: '${k}' is a second record for one party; a party points to one record.`);
          if (typeof v !== "string") throw badQuery(`${at}.${k}: the value must be a string such as "/${tableDef(n.target).entitySetName}(<id>)".`);
          let ref: { table: ResolvedTable; id: string };
          try {
            ref = this.resolveReference(r, v, `${at}.${k}`);
          } catch (e) {
            if (e instanceof ODataError) throw new ODataError(400, e.code, `${at}.${k}: ${e.message}`);
            throw e;
          }
          if (ref.table.logicalName !== n.target) {
            throw badQuery(`${at}.${k}: the reference '${v}' points to '${ref.table.logicalName}', but '${name}' expects '${n.target}'.`);
          }
          party._partyid_value = ref.id;
          party[`_partyid_value${LOOKUP_TYPE_KEY}`] = n.target;
          target = n.target;
          continue;
        }
        if (k.includes("@")) continue; // instance annotations are ignored
        const c = pt.byColumn.get(k);
        if (!c || isLookupType(c.type)) {
          throw badQuery(`${at}: the property '${k}' does not exist on type 'Microsoft.Dynamics.CRM.activityparty' or can't be set this way. A party takes ${partyBinds}, participationtypemask and addressused.`);
        }
        if (c.readOnly) continue;
        try {
          party[k] = validateValue(c, v);
        } catch (e) {
          if (e instanceof ODataError) throw new ODataError(400, e.code, `${at}.${k}: ${e.message}`);
          throw e;
        }
        const id = party[k];
        if (c.name === "activitypartyid" && typeof id === "string") {
          if (ids.has(id) || this.store.get("activityparty", id)) throw new ODataError(412, CODES.duplicate, `${at}.activitypartyid: an activity party with the id ${id} already exists.`);
          ids.add(id);
        }
      }
      const mask = party.participationtypemask;
      if (typeof mask !== "number") throw badQuery(`${at}: participationtypemask is required; ${allowedText}.`);
      if (!allowed.includes(mask)) throw badQuery(`${at}.participationtypemask: ${typeText(mask)} is not a participation type of ${activity.logicalName}; ${allowedText}.`);
      if (target === null && (typeof party.addressused !== "string" || party.addressused.trim() === "")) {
        throw badQuery(`${at}: a party needs a record (${partyBinds}) or an address (addressused).`);
      }
      if (target !== null) {
        const rec = this.store.get(target, party._partyid_value as string);
        const email = rec?.[target === "systemuser" ? "internalemailaddress" : "emailaddress1"];
        if (party.addressused == null && typeof email === "string" && email !== "") party.addressused = email;
        party.partyidname = lookupName(this.store, target, party._partyid_value as string) ?? null;
      } else {
        party.partyidname = party.addressused;
      }
      party.ispartydeleted = false;
      return party;
    });
  }

  private writeResponse(r: Req, t: ResolvedTable, p: UserEntry, row: Row, prefs: Preferences, createdStatus: 200 | 201): Res {
    const entityId = `${r.base}${t.entitySetName}(${String(row[t.primaryId])})`;
    const headers: Record<string, string> = { "OData-EntityId": entityId, Location: entityId, ETag: `W/"${String(row.versionnumber)}"` };
    if (!prefs.returnRepresentation) return { status: 204, headers };
    const select = r.query.get("$select") ? parseSelect(r.query.get("$select")!, t) : null;
    const out = projectRow({ store: this.store, annotations: prefs.annotations, canRead: this.canRead(p), hideColumns: (tt, o) => hideUnreadableColumns(p, tt, o) }, t, row, select, null);
    headers["Preference-Applied"] = "return=representation";
    return json(createdStatus, { "@odata.context": `${r.base}$metadata#${t.entitySetName}/$entity`, ...out }, headers);
  }

  private upsert(r: Req, t: ResolvedTable, p: UserEntry, key: { id?: string; alt?: Record<string, unknown> }, prefs: Preferences): Res {
    const ifMatch = r.headers["if-match"];
    const ifNoneMatch = r.headers["if-none-match"];
    this.count(ifMatch ? "update" : "upsert");
    const existing = this.find(t, key);
    const body = this.parseBody(r);
    const partiesNav = partiesNavigation(t);
    if (partiesNav && body !== null && typeof body === "object" && partiesNav in body) {
      throw badQuery(`The emulator takes '${partiesNav}' on create only (POST /${t.entitySetName} with the parties inline); a PATCH can't add or replace activity parties.`);
    }
    if (existing) {
      if (ifNoneMatch === "*") throw new ODataError(412, CODES.duplicate, "A record with matching key values already exists.");
      const etag = `W/"${String(existing.versionnumber)}"`;
      if (ifMatch && ifMatch !== "*" && ifMatch !== etag) {
        throw new ODataError(412, CODES.concurrency, "The version of the existing record doesn't match the RowVersion property provided.");
      }
      assertWrite(p, t, existing, "Write");
      const patch = this.writeColumns(r, t, body, false);
      assertColumnWrites(p, t, patch, "update");
      if (key.alt) for (const [k, v] of Object.entries(key.alt)) if (k in patch && String(patch[k]).toLowerCase() !== String(v).toLowerCase()) {
        throw badQuery(`The body sets '${k}' to '${String(patch[k])}' but the key in the URL says '${String(v)}'.`);
      }
      this.complete(t, patch, p, existing);
      if ("_ownerid_value" in patch) assertWrite(p, t, { ...existing, ...patch }, "Write");
      const updated = this.store.update(t.logicalName, existing[t.primaryId] as string, patch);
      this.stats.rowsWritten++;
      return this.writeResponse(r, t, p, updated, prefs, 200);
    }
    if (ifMatch) throw notFound(t, this.keyText(t, key));
    if (t.logicalName === "activitypointer") throw badQuery("Records can't be created in activitypointers directly.");
    assertWrite(p, t, null, "Create");
    const row = this.writeColumns(r, t, body, true);
    assertColumnWrites(p, t, row, "create");
    if (key.id) row[t.primaryId] = key.id;
    if (key.alt) Object.assign(row, key.alt);
    this.complete(t, row, p, null);
    assertWrite(p, t, row, "Create");
    const stored = this.store.insert(t.logicalName, row);
    this.stats.rowsWritten++;
    return this.writeResponse(r, t, p, stored, prefs, 201);
  }

  private remove(r: Req, t: ResolvedTable, p: UserEntry, key: { id?: string; alt?: Record<string, unknown> }): Res {
    this.count("delete");
    const existing = this.find(t, key);
    if (!existing) throw notFound(t, this.keyText(t, key));
    const ifMatch = r.headers["if-match"];
    if (ifMatch && ifMatch !== "*" && ifMatch !== `W/"${String(existing.versionnumber)}"`) {
      throw new ODataError(412, CODES.concurrency, "The version of the existing record doesn't match the RowVersion property provided.");
    }
    assertWrite(p, t, existing, "Delete");
    this.store.delete(t.logicalName, existing[t.primaryId] as string);
    this.stats.rowsWritten++;
    return { status: 204, headers: {} };
  }

  // --- $batch ------------------------------------------------------------------------------

  private batch(r: Req, p: UserEntry): Res {
    this.count("batch");
    const parts = parseBatch(r.body, r.headers["content-type"]);
    const total = parts.reduce((n, x) => n + (x.kind === "request" ? 1 : x.items.length), 0);
    for (const x of parts) {
      if (x.kind === "changeset" && x.items.length > BATCH_LIMIT) {
        throw new ODataError(400, CODES.batchLimit, `The current change set contains too many operations. A maximum number of '${BATCH_LIMIT}' operations are allowed in a change set.`);
      }
    }
    if (total > BATCH_LIMIT) {
      throw new ODataError(400, CODES.batchLimit, `The current batch message contains too many parts. Only batch messages with a maximum number of '${BATCH_LIMIT}' query operations, including changeset operations, are allowed.`);
    }
    this.stats.batchItems += total;
    const continueOnError = parsePrefer(r.headers.prefer).continueOnError;
    const out: ResponsePart[] = [];
    const run = (item: BatchItem, ids: Map<string, string>): ItemResponse => {
      let url = item.url;
      if (url.startsWith("$")) {
        const ref = /^\$(\w+)(.*)$/.exec(url);
        const target = ref ? ids.get(ref[1]) : undefined;
        if (!ref || !target) return { status: 400, headers: { "Content-Type": "application/json; odata.metadata=minimal" }, body: JSON.stringify(badQuery(`The Content-ID reference '${url}' does not name an earlier request of this change set.`).body()), contentId: item.contentId };
        url = target + ref[2];
      }
      let body = item.body;
      for (const [cid, entity] of ids) body = body.split(`"$${cid}"`).join(JSON.stringify(entity));
      const u = new URL(url, r.base);
      const m = /\/api\/data\/(v9\.[0-2])\/?(.*)$/.exec(u.pathname);
      const inner: Req = {
        method: item.method, path: decodeURIComponent(m ? m[2] : u.pathname.replace(/^\//, "")), query: u.searchParams,
        headers: { ...item.headers, prefer: item.headers.prefer ?? "" }, body, base: r.base,
      };
      const res = this.dispatch(inner, p, false);
      if (item.contentId && res.headers["OData-EntityId"]) ids.set(item.contentId, res.headers["OData-EntityId"]);
      const headers: Record<string, string> = { "OData-Version": "4.0", ...res.headers };
      let text = res.text ?? "";
      if (res.body !== undefined) {
        headers["Content-Type"] = "application/json; odata.metadata=minimal";
        text = JSON.stringify(res.body);
      }
      return { status: res.status, headers, body: text, contentId: item.contentId };
    };
    for (const part of parts) {
      if (part.kind === "request") {
        const res = run(part.item, new Map());
        out.push({ kind: "single", response: res });
        if (res.status >= 400 && !continueOnError) break;
        continue;
      }
      const ids = new Map<string, string>();
      const responses: ItemResponse[] = [];
      this.store.begin();
      let failed: ItemResponse | null = null;
      for (const item of part.items) {
        const res = run(item, ids);
        if (res.status >= 400) {
          failed = res;
          break;
        }
        responses.push(res);
      }
      if (failed) {
        this.store.rollback();
        this.stats.rowsWritten -= responses.length;
        out.push({ kind: "single", response: failed });
        if (!continueOnError) break;
      } else {
        this.store.commit();
        out.push({ kind: "changeset", responses });
      }
    }
    const w = writeBatchResponse(out);
    return { status: 200, headers: { "Content-Type": w.contentType, "OData-Version": "4.0" }, text: w.body };
  }

  // --- metadata --------------------------------------------------------------------------------

  private metadata(r: Req, path: string): Res {
    const selectOf = (s: string | null): string[] | null => (s ? s.split(",").map((x) => x.trim()).filter(Boolean) : null);
    const m = /^EntityDefinitions(?:\((?:LogicalName='(\w+)'|([0-9a-fA-F-]{36}))\))?(?:\/Attributes(?:\((?:LogicalName='(\w+)'|([0-9a-fA-F-]{36}))\)|\/Microsoft\.Dynamics\.CRM\.(\w+))?)?(?:\/Keys)?$/.exec(path);
    if (!m) throw new ODataError(404, CODES.badQuery, `Resource not found for the segment '${path}'.`);
    const all = ALL_ENTITY_METADATA();
    if (!m[1] && !m[2]) {
      let list = all;
      const f = r.query.get("$filter");
      if (f) {
        const fm = /^\s*(LogicalName|EntitySetName|SchemaName)\s+eq\s+'([^']*)'\s*$/.exec(f);
        if (!fm) throw badQuery(`The emulator filters EntityDefinitions by LogicalName, EntitySetName or SchemaName eq '…' only (got '${f}').`);
        list = list.filter((e) => String(e[fm[1]]).toLowerCase() === fm[2].toLowerCase());
      }
      const sel = selectOf(r.query.get("$select"));
      return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions`, value: list.map((e) => selectProps({ ...e, Attributes: undefined, Keys: undefined }, sel)) });
    }
    const entity = all.find((e) => (m[1] ? e.LogicalName === m[1].toLowerCase() : e.MetadataId === m[2].toLowerCase()));
    if (!entity) throw new ODataError(404, CODES.notFound, `Could not find an entity with ${m[1] ? `LogicalName = '${m[1]}'` : `MetadataId = ${m[2]}`}.`);
    const t = BY_LOGICAL.get(entity.LogicalName as string)!;
    const attrs = entity.Attributes as Record<string, unknown>[];
    if (path.endsWith("/Keys")) return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions('${t.logicalName}')/Keys`, value: entity.Keys });
    if (path.includes("/Attributes")) {
      const sel = selectOf(r.query.get("$select"));
      const expandOptionSet = /OptionSet|GlobalOptionSet/.test(r.query.get("$expand") ?? "");
      const shape = (a: Record<string, unknown>): Record<string, unknown> => {
        const o = selectProps(a, sel);
        if (sel && expandOptionSet && a.OptionSet) o.OptionSet = a.OptionSet;
        return o;
      };
      if (m[3] || m[4]) {
        const a = attrs.find((x) => (m[3] ? x.LogicalName === m[3].toLowerCase() : x.MetadataId === m[4]));
        if (!a) throw new ODataError(404, CODES.notFound, `Could not find an attribute with ${m[3] ? `LogicalName = '${m[3]}'` : `MetadataId = ${m[4]}`} on '${t.logicalName}'.`);
        return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions('${t.logicalName}')/Attributes/$entity`, ...shape(a) });
      }
      let list = attrs;
      if (m[5]) list = list.filter((a) => a["@odata.type"] === `#Microsoft.Dynamics.CRM.${m[5]}`);
      return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions('${t.logicalName}')/Attributes`, value: list.map(shape) });
    }
    const sel = selectOf(r.query.get("$select"));
    const out: Record<string, unknown> = selectProps({ ...entity, Attributes: undefined, Keys: undefined }, sel);
    delete out.Attributes;
    delete out.Keys;
    const expand = r.query.get("$expand");
    if (expand) {
      for (const item of splitExpand(expand)) {
        const em = /^(Attributes|Keys)(?:\((.*)\))?$/.exec(item);
        if (!em) throw badQuery(`EntityDefinitions can expand Attributes and Keys (got '${item}').`);
        const opts = new Map((em[2] ?? "").split(";").filter(Boolean).map((o) => [o.slice(0, o.indexOf("=")).trim(), o.slice(o.indexOf("=") + 1).trim()] as const));
        if (em[1] === "Keys") {
          out.Keys = entity.Keys;
          continue;
        }
        let list = attrs;
        const f = opts.get("$filter");
        if (f) {
          const fm = /^\s*LogicalName\s+eq\s+'([^']*)'(?:\s+or\s+LogicalName\s+eq\s+'[^']*')*\s*$/.exec(f);
          if (!fm) throw badQuery(`The emulator filters Attributes by LogicalName eq '…' (or … or …) only (got '${f}').`);
          const names = [...f.matchAll(/'([^']*)'/g)].map((x) => x[1].toLowerCase());
          list = list.filter((a) => names.includes(a.LogicalName as string));
        }
        out.Attributes = list.map((a) => selectProps(a, selectOf(opts.get("$select") ?? null)));
      }
    }
    return json(200, { "@odata.context": `${r.base}$metadata#EntityDefinitions/$entity`, ...out });
  }

  private csdl(): Res {
    const types = TABLES.map((t) => {
      const props = t.columns.map((c) => `<Property Name="${propertyName(c)}" Type="${edmType(c)}" />`).join("");
      return `<EntityType Name="${t.logicalName}"><Key><PropertyRef Name="${t.primaryId}" /></Key>${props}</EntityType>`;
    }).join("");
    const sets = TABLES.map((t) => `<EntitySet Name="${t.entitySetName}" EntityType="Microsoft.Dynamics.CRM.${t.logicalName}" />`).join("");
    const xml = `<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices><Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">${types}<EntityContainer Name="System">${sets}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`;
    this.count("metadata");
    return { status: 200, headers: { "Content-Type": "application/xml" }, text: xml };
  }
}

/**
 * Activity parties can't be written on their own (Dataverse: "The 'Create' method does not support
 * entities of type 'activityparty'"); reading the collection is allowed.
 */
function assertPartyOperation(method: string, single: boolean): void {
  const message = !single && method === "POST" ? "Create" : !single ? null
    : method === "PATCH" ? "Update" : method === "DELETE" ? "Delete" : method === "GET" ? "Retrieve" : null;
  if (!message) return;
  const hint = message === "Retrieve"
    ? "Query the collection instead: GET activityparties?$filter=activitypartyid eq <id>."
    : "Activity parties are written with their activity: POST /emails (or /appointments, /phonecalls, /tasks) with \"email_activity_parties\": [ … ]; deleting the activity deletes its parties.";
  throw new ODataError(400, CODES.notSupported, `The '${message}' method does not support entities of type 'activityparty'. ${hint}`);
}

/** Takes the activity-party collection (deep insert) out of a create body. */
function splitParties(t: ResolvedTable, body: unknown): { body: unknown; parties?: unknown; nav?: string } {
  const nav = partiesNavigation(t);
  if (!nav || body === null || typeof body !== "object" || Array.isArray(body) || !(nav in body)) return { body };
  const { [nav]: parties, ...rest } = body as Record<string, unknown>;
  return { body: rest, parties, nav };
}

function splitExpand(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function edmType(c: ColumnDef): string {
  switch (c.type) {
    case "uniqueidentifier":
    case "lookup":
    case "customer":
    case "owner": return "Edm.Guid";
    case "integer":
    case "picklist":
    case "state":
    case "status": return "Edm.Int32";
    case "bigint": return "Edm.Int64";
    case "decimal":
    case "money": return "Edm.Decimal";
    case "boolean": return "Edm.Boolean";
    case "datetime": return "Edm.DateTimeOffset";
    case "dateonly": return "Edm.Date";
    default: return "Edm.String";
  }
}

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

function send(res: ServerResponse, r: Res): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { "OData-Version": "4.0", ...r.headers };
  let payload = "";
  if (r.body !== undefined) {
    payload = JSON.stringify(r.body);
    headers["Content-Type"] = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";
  } else if (r.text !== undefined) {
    payload = r.text;
  }
  if (r.status === 204 || r.status === 304) payload = "";
  headers["Content-Length"] = String(Buffer.byteLength(payload));
  res.writeHead(r.status, headers);
  res.end(payload);
}

export { nowIso };
