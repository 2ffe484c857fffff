/**
 * A small node:http stand-in for the Dataverse Web API, used by the gateway's own tests for what
 * needs exact control: paging with @odata.nextLink, 429 with Retry-After, 503s, dropped sockets,
 * `$batch` responses with per-item failures, metadata. Faults are scripted per request, so tests
 * are deterministic. Integration tests against the full emulator live in test/dataverse too.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type StubRow = Record<string, string | number | boolean | null>;

export interface StubTable {
  logicalName: string;
  primaryId: string;
  rows: StubRow[];
  /** Attribute logical names (metadata); default: keys of the first row plus the primary id. */
  attributes?: string[];
  /** Alternate key columns for upsert by key. */
  alternateKey?: string[];
}

/** What to do with a request instead of answering it normally. */
export type Fault =
  | { kind: "429"; retryAfter?: string }
  | { kind: "503" }
  /** Destroy the socket before handling the request. */
  | { kind: "drop" }
  /** Handle the request, then destroy the socket instead of answering (the work was done, the reply lost). */
  | { kind: "dropAfter" }
  | { kind: "error"; status: number; code: string; message: string };

export interface StubRequest {
  method: string;
  url: string;
  prefer?: string;
  body: string;
}

export interface StubServer {
  baseUrl: string;
  orgUrl: string;
  /** Every request received, in order (faulted ones included). */
  requests: StubRequest[];
  tables: Map<string, StubTable>;
  /** Decide a fault per request (n = 1-based request number). */
  setFault(fn: ((req: StubRequest, n: number) => Fault | undefined) | undefined): void;
  /** Decide a failure per $batch item (returns an error status/code/message or undefined). */
  setItemFault(fn: ((method: string, path: string, body: unknown) => { status: number; code: string; message: string } | undefined) | undefined): void;
  close(): Promise<void>;
}

const API = "/api/data/v9.2/";

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json; odata.metadata=minimal", "OData-Version": "4.0", ...headers });
  res.end(JSON.stringify(body));
}

function errorBody(code: string, message: string): unknown {
  return { error: { code, message } };
}

/** Filters the stub understands: `and`-joined `In(...)`, `x eq literal`, `x ne null`. */
export function compileFilter(filter: string | null): (row: StubRow) => boolean {
  if (!filter) return () => true;
  const parts = filter.split(/\s+and\s+/);
  const preds = parts.map((p) => {
    const inM = /^Microsoft\.Dynamics\.CRM\.In\(PropertyName='([^']+)',PropertyValues=\[(.*)\]\)$/.exec(p.trim());
    if (inM) {
      const values = new Set([...inM[2].matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'").toLowerCase()));
      return (r: StubRow) => values.has(String(r[inM[1]]).toLowerCase());
    }
    const cmp = /^(\w+) (eq|ne) (.+)$/.exec(p.trim());
    if (cmp) {
      const raw = cmp[3];
      const value = raw === "null" ? null : raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : /^\d+$/.test(raw) ? Number(raw) : raw;
      return (r: StubRow) => ((r[cmp[1]] ?? null) === value) === (cmp[2] === "eq");
    }
    throw new Error(`stub cannot evaluate filter '${p}'`);
  });
  return (row) => preds.every((p) => p(row));
}

function parseKey(segment: string): Record<string, string> | string {
  if (/^[0-9a-f-]{36}$/i.test(segment)) return segment.toLowerCase();
  const out: Record<string, string> = {};
  for (const m of segment.matchAll(/(\w+)='((?:[^']|'')*)'/g)) out[m[1]] = decodeURIComponent(m[2]).replace(/''/g, "'");
  return out;
}

export interface StubOptions {
  /** Row-level security: whether the bearer token's user may read a row (default: all rows). */
  canRead?: (token: string, table: StubTable, row: StubRow) => boolean;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** Answers `<fetch aggregate="true">` with one `count` aggregate (what coverage sends); nothing else. */
function fetchCount(xml: string, rows: StubRow[]): unknown {
  const alias = /<attribute name="\w+" alias="(\w+)" aggregate="count"\/>/.exec(xml)?.[1];
  if (!/^<fetch[^>]* aggregate="true"/.test(xml) || !alias || /<filter/.test(xml)) throw new Error("stub answers only an unfiltered FetchXML count");
  return { value: [{ [alias]: rows.length }] };
}

export async function startStubServer(tablesIn: Record<string, StubTable>, options: StubOptions = {}): Promise<StubServer> {
  const tables = new Map(Object.entries(tablesIn));
  const requests: StubRequest[] = [];
  let fault: ((req: StubRequest, n: number) => Fault | undefined) | undefined;
  let itemFault: ((method: string, path: string, body: unknown) => { status: number; code: string; message: string } | undefined) | undefined;
  const byLogical = (name: string) => [...tables.entries()].find(([, t]) => t.logicalName === name);

  // Lookup indexes per table and key columns, rebuilt when the row count changes.
  const indexes = new Map<string, { size: number; map: Map<string, StubRow> }>();
  function find(set: string, key: Record<string, string> | string): StubRow | undefined {
    const t = tables.get(set)!;
    const cols = typeof key === "string" ? [t.primaryId] : Object.keys(key).sort();
    const wanted = typeof key === "string" ? [key] : cols.map((c) => key[c]);
    const name = `${set}|${cols.join(",")}`;
    let index = indexes.get(name);
    if (!index || index.size !== t.rows.length) {
      index = { size: t.rows.length, map: new Map(t.rows.map((r) => [cols.map((c) => String(r[c]).toLowerCase()).join("|"), r])) };
      indexes.set(name, index);
    }
    return index.map.get(wanted.map((v) => v.toLowerCase()).join("|"));
  }
  function added(set: string, row: StubRow): void {
    for (const [name, index] of indexes) {
      if (!name.startsWith(`${set}|`)) continue;
      const cols = name.slice(set.length + 1).split(",");
      index.map.set(cols.map((c) => String(row[c]).toLowerCase()).join("|"), row);
      index.size += 1;
    }
  }

  let version = 1000;
  /** One non-batch operation; returns status, headers and body. */
  function operate(method: string, target: string, body: unknown, headers: Record<string, string | undefined>): { status: number; body?: unknown; headers?: Record<string, string> } {
    // `Prefer: return=representation` (with `$select`) answers the written row's id and a version.
    const path = target.split("?")[0];
    const m = /^(\w+)(?:\((.*)\))?$/.exec(path);
    if (!m || !tables.has(m[1])) return { status: 404, body: errorBody("0x80060888", `Resource not found for the segment '${path}'.`) };
    const t = tables.get(m[1])!;
    const key = m[2] !== undefined ? parseKey(m[2]) : undefined;
    const failure = itemFault?.(method, path, body);
    if (failure) return { status: failure.status, body: errorBody(failure.code, failure.message) };
    if (method === "PATCH" && key !== undefined) {
      const existing = find(m[1], key);
      if (existing && headers["if-none-match"] === "*") return { status: 412, body: errorBody("0x80060882", "A record with matching key values already exists.") };
      if (!existing && headers["if-match"] === "*") return { status: 404, body: errorBody("0x80040217", `${t.logicalName} With Id = ${JSON.stringify(key)} Does Not Exist`) };
      if (existing) Object.assign(existing, body);
      else {
        const row: StubRow = { ...(body as StubRow), ...(typeof key === "string" ? { [t.primaryId]: key } : key) };
        row[t.primaryId] ??= globalThis.crypto.randomUUID();
        t.rows.push(row);
        added(m[1], row);
      }
      const id = String((existing ?? t.rows[t.rows.length - 1])[t.primaryId]);
      if (/return=representation/.test(headers.prefer ?? "")) return { status: existing ? 200 : 201, body: { [t.primaryId]: id, "@odata.etag": `W/"${++version}"` } };
      return { status: 204, headers: { "OData-EntityId": `http://stub${API}${m[1]}(${id})` } };
    }
    if (method === "DELETE" && key !== undefined) {
      const row = find(m[1], key);
      if (!row) return { status: 404, body: errorBody("0x80040217", `${t.logicalName} Does Not Exist`) };
      t.rows.splice(t.rows.indexOf(row), 1);
      indexes.clear();
      return { status: 204 };
    }
    if (method === "POST" && key === undefined) {
      const row = { ...(body as StubRow) };
      row[t.primaryId] ??= globalThis.crypto.randomUUID();
      t.rows.push(row);
      added(m[1], row);
      return { status: 204, headers: { "OData-EntityId": `http://stub${API}${m[1]}(${String(row[t.primaryId])})` } };
    }
    return { status: 405, body: errorBody("0x8006088a", `${method} ${path} is not supported by the stub`) };
  }

  function query(set: string, url: URL, prefer: string | undefined, token: string): { status: number; body: unknown } {
    const t = tables.get(set)!;
    const visible = options.canRead ? t.rows.filter((r) => options.canRead!(token, t, r)) : t.rows;
    const fetchXml = url.searchParams.get("fetchXml");
    if (fetchXml) return { status: 200, body: fetchCount(fetchXml, visible) };
    const select = url.searchParams.get("$select")?.split(",");
    const pred = compileFilter(url.searchParams.get("$filter"));
    const pageSize = Number(/odata\.maxpagesize=(\d+)/.exec(prefer ?? "")?.[1] ?? 5000);
    const after = url.searchParams.get("$skiptoken");
    const sorted = visible.filter(pred).sort((a, b) => (String(a[t.primaryId]) < String(b[t.primaryId]) ? -1 : 1));
    const start = after ? sorted.findIndex((r) => String(r[t.primaryId]) > after) : 0;
    const page = start < 0 ? [] : sorted.slice(start, start + pageSize);
    const value = page.map((r) => {
      const out: StubRow = {};
      for (const c of select ?? Object.keys(r)) out[c] = r[c] ?? null;
      out[t.primaryId] = r[t.primaryId];
      return out;
    });
    const body: Record<string, unknown> = { "@odata.context": `http://stub${API}$metadata#${set}`, value };
    if (start >= 0 && start + pageSize < sorted.length) {
      const next = new URL(url.toString());
      next.searchParams.set("$skiptoken", String(page[page.length - 1][t.primaryId]));
      body["@odata.nextLink"] = next.toString();
    }
    return { status: 200, body };
  }

  function batch(req: StubRequest, contentType: string, token: string): { body: string; boundary: string } {
    const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
    if (!boundary) throw new Error("no batch boundary");
    const parts = req.body.split(`--${boundary}`).slice(1, -1);
    const continueOnError = /odata\.continue-on-error/.test(req.prefer ?? "");
    const out: string[] = [];
    const rb = `batchresponse_${globalThis.crypto.randomUUID()}`;
    for (const part of parts) {
      const [, httpPart = ""] = part.split(/\r\n\r\n/, 2).length > 1 ? [null, part.slice(part.indexOf("\r\n\r\n") + 4)] : [null, ""];
      const lines = httpPart.split("\r\n");
      const [method, target] = lines[0].split(" ");
      const blank = lines.indexOf("");
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1, blank < 0 ? undefined : blank)) {
        const i = l.indexOf(":");
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const bodyText = blank < 0 ? "" : lines.slice(blank + 1).join("\r\n").trim();
      const path = target.slice(target.indexOf(API) + API.length);
      let r: { status: number; body?: unknown; headers?: Record<string, string> };
      const getFailure = method === "GET" ? itemFault?.(method, path, undefined) : undefined;
      if (getFailure) {
        r = { status: getFailure.status, body: errorBody(getFailure.code, getFailure.message) };
      } else if (method === "GET") {
        const u = new URL(`http://stub${API}${path}`);
        r = query(u.pathname.slice(API.length), u, headers.prefer, token);
      } else {
        r = operate(method, path, bodyText ? JSON.parse(bodyText) : undefined, headers);
      }
      const statusText = r.status < 300 ? "OK" : r.status === 404 ? "Not Found" : r.status === 412 ? "Precondition Failed" : "Bad Request";
      const head = [`--${rb}`, "Content-Type: application/http", "Content-Transfer-Encoding: binary", "", `HTTP/1.1 ${r.status} ${statusText}`];
      for (const [k, v] of Object.entries(r.headers ?? {})) head.push(`${k}: ${v}`);
      if (r.body !== undefined) head.push("Content-Type: application/json; odata.metadata=minimal", "", JSON.stringify(r.body));
      else head.push("", "");
      out.push(head.join("\r\n"));
      if (r.status >= 400 && !continueOnError) break;
    }
    return { body: out.join("\r\n") + `\r\n--${rb}--\r\n`, boundary: rb };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry: StubRequest = { method: req.method ?? "GET", url: req.url ?? "", prefer: header(req, "prefer"), body: Buffer.concat(chunks).toString("utf8") };
      requests.push(entry);
      const f = fault?.(entry, requests.length);
      if (f?.kind === "drop") {
        req.socket.destroy();
        return;
      }
      if (f?.kind === "dropAfter") {
        res.writeHead = () => res;
        res.end = () => {
          req.socket.destroy();
          return res;
        };
      }
      if (f?.kind === "429") {
        json(res, 429, errorBody("0x80072322", "Number of requests exceeded the limit of 6000 over time window of 300 seconds."), f.retryAfter ? { "Retry-After": f.retryAfter } : {});
        return;
      }
      if (f?.kind === "503") {
        json(res, 503, errorBody("0x80040216", "Service unavailable"));
        return;
      }
      if (f?.kind === "error") {
        json(res, f.status, errorBody(f.code, f.message));
        return;
      }
      const token = /^Bearer (\S+)/.exec(req.headers.authorization ?? "")?.[1];
      if (!token) {
        json(res, 401, errorBody("0x80072560", "Authorization header missing"));
        return;
      }
      const url = new URL(entry.url, "http://127.0.0.1");
      const path = decodeURIComponent(url.pathname.slice(API.length));
      try {
        if (path === "$batch") {
          const b = batch(entry, req.headers["content-type"] ?? "", token);
          res.writeHead(200, { "Content-Type": `multipart/mixed; boundary=${b.boundary}` });
          res.end(b.body);
          return;
        }
        if (path === "WhoAmI" || path === "WhoAmI()") {
          json(res, 200, { UserId: "11111111-1111-1111-1111-111111111111", BusinessUnitId: "22222222-2222-2222-2222-222222222222", OrganizationId: "33333333-3333-3333-3333-333333333333" });
          return;
        }
        const def = /^EntityDefinitions\(LogicalName='(\w+)'\)(\/Attributes)?$/.exec(path);
        if (def) {
          const hit = byLogical(def[1]);
          if (!hit) return json(res, 404, errorBody("0x80040217", `Could not find an entity with name ${def[1]}`));
          const [set, t] = hit;
          if (def[2]) {
            const attrs = t.attributes ?? [...new Set([t.primaryId, ...Object.keys(t.rows[0] ?? {})])];
            return json(res, 200, { value: attrs.map((a) => ({ LogicalName: a })) });
          }
          return json(res, 200, { LogicalName: t.logicalName, EntitySetName: set, LogicalCollectionName: set, PrimaryIdAttribute: t.primaryId });
        }
        const single = /^(\w+)\(([0-9a-f-]{36})\)$/i.exec(path);
        if (req.method === "GET" && single && tables.has(single[1])) {
          const t = tables.get(single[1])!;
          const row = find(single[1], single[2].toLowerCase());
          if (!row) return json(res, 404, errorBody("0x80040217", `${t.logicalName} With Id = ${single[2]} Does Not Exist`));
          const select = url.searchParams.get("$select")?.split(",") ?? Object.keys(row);
          return json(res, 200, Object.fromEntries([...select, t.primaryId].map((c) => [c, row[c] ?? null])));
        }
        if (req.method === "GET" && tables.has(path)) {
          const r = query(path, new URL(`http://127.0.0.1${entry.url}`), entry.prefer, token);
          return json(res, r.status, r.body);
        }
        const r = operate(req.method ?? "GET", path, entry.body ? JSON.parse(entry.body) : undefined, req.headers as Record<string, string>);
        if (r.body !== undefined) return json(res, r.status, r.body, r.headers);
        res.writeHead(r.status, r.headers ?? {});
        res.end();
      } catch (err) {
        json(res, 400, errorBody("0x80040203", (err as Error).message));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}${API}`,
    orgUrl: `http://127.0.0.1:${port}/`,
    requests,
    tables,
    setFault: (fn) => (fault = fn),
    setItemFault: (fn) => (itemFault = fn),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Deterministic GUID n (for test rows). */
export function testGuid(n: number, prefix = "a"): string {
  const hex = n.toString(16).padStart(12, "0");
  return `${prefix.repeat(8).slice(0, 8)}-0000-4000-8000-${hex}`;
}
