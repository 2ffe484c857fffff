/**
 * The HTTP surface of the emulator: `/api/data/v9.2/…` (Dataverse Web API) and `/_emulator/…`
 * (statistics for tests and benchmarks). Requests pass fault injection, authentication and
 * service protection, then a synchronous dispatcher that `$batch` items reuse. This file is the
 * pipeline and the router; the handlers are reads.ts, writes.ts, fetch-apply.ts, batch-run.ts,
 * functions.ts and definitions.ts, sharing context.ts.
 */
import { closeServer, listenLoopback, readBody } from "../loopback";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolveQueryAliases } from "./aliases";
import { runBatch } from "./batch-run";
import { CODES, ODataError, badQuery } from "./errors";
import { emptyStats, errorRes, json, parseKey, type Emulator, type EmulatorStats, type Req, type Res, type UserEntry } from "./context";
import { csdl, entityDefinitions } from "./definitions";
import { parsePrefer } from "./format";
import { functionCall } from "./functions";
import { mergeAction } from "./merge";
import { oneToManyRelationships } from "./relationship-metadata";
import { type QueryContext } from "./odata";
import { assertPartyOperation } from "./parties";
import { assertFormOperation } from "./systemforms";
import { type FaultInjector, type ServiceProtection } from "./protection";
import { keyIndexesOf } from "./keyindexes";
import { subResource } from "./navigation";
import { countOnly, readCollection, readOne } from "./reads";
import { BY_SET, TABLES, tableDef, type ResolvedTable } from "./schema";
import { readFilter } from "./security";
import { DuplicateKeyError, nowIso, type EmulatorStore, type Row } from "./store";
import { createRecord, deleteRecord, upsertRecord } from "./writes";

export { emptyStats, type EmulatorStats, type UserEntry } from "./context";
export { validateValue } from "./validate";

export class EmulatorServer implements Emulator {
  readonly http: Server;
  private readonly byToken = new Map<string, UserEntry>();
  stats: EmulatorStats = emptyStats();

  constructor(
    readonly store: EmulatorStore,
    users: UserEntry[],
    readonly organizationId: string,
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

  count(kind: string, n = 1): void {
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
      keyIndexesOf(this.store).tick();
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

  dispatch(r: Req, p: UserEntry, topLevel: boolean): Res {
    try {
      return this.route(r, p, topLevel);
    } catch (e) {
      if (e instanceof ODataError) return errorRes(e);
      if (e instanceof DuplicateKeyError) return errorRes(new ODataError(412, CODES.duplicate, e.message));
      throw e;
    }
  }

  private route(req: Req, p: UserEntry, topLevel: boolean): Res {
    const r: Req = { ...req, query: resolveQueryAliases(req.query) };
    const path = r.path.replace(/\/$/, "");
    if (path === "" && r.method === "GET") {
      return json(200, { "@odata.context": `${r.base}$metadata`, value: TABLES.map((t) => ({ name: t.entitySetName, kind: "EntitySet", url: t.entitySetName })) });
    }
    if (path === "$metadata") return csdl(this);
    if (path === "$batch") {
      if (!topLevel) throw badQuery("A $batch can't contain another $batch.");
      if (r.method !== "POST") throw new ODataError(405, CODES.badQuery, "$batch accepts POST only.");
      return runBatch(this, r, p);
    }
    if (path === "Merge" || path === "Microsoft.Dynamics.CRM.Merge") return mergeAction(this, r, p);
    const fn = functionCall(this, r, p, path);
    if (fn) return fn;
    if (path.startsWith("EntityDefinitions")) {
      this.count("metadata");
      const rel = oneToManyRelationships(r, path);
      if (rel) return rel;
      return entityDefinitions(r, path, keyIndexesOf(this.store));
    }
    const m = /^([A-Za-z_]\w*)(?:\((.*?)\))?(?:\/(.+))?$/.exec(path);
    const t0 = m ? BY_SET.get(m[1]) : undefined;
    if (!m || !t0) throw new ODataError(404, CODES.badQuery, `Resource not found for the segment '${m?.[1] ?? path}'.`);
    const t = tableDef(t0.logicalName);
    const keyText = m[2];
    const sub = m[3];
    const prefs = parsePrefer(r.headers.prefer);
    if (t.logicalName === "activityparty") assertPartyOperation(r.method, keyText !== undefined);
    if (t.logicalName === "systemform") assertFormOperation(r.method, p, t);
    if (keyText === undefined) {
      if (sub === "$count" && r.method === "GET") return countOnly(this, r, t, p);
      if (sub !== undefined) throw new ODataError(404, CODES.badQuery, `Resource not found for the segment '${sub}'.`);
      if (r.method === "GET") return readCollection(this, r, t, p, prefs);
      if (r.method === "POST") return createRecord(this, r, t, p, prefs);
      throw new ODataError(405, CODES.badQuery, `The HTTP method ${r.method} is not allowed on the entity set '${t.entitySetName}'.`);
    }
    const key = parseKey(t, keyText);
    if (sub !== undefined) return subResource(this, r, t, p, key, sub, prefs);
    switch (r.method) {
      case "GET": return readOne(this, r, t, p, key, prefs);
      case "PATCH": return upsertRecord(this, r, t, p, key, prefs);
      case "DELETE": return deleteRecord(this, r, t, p, key);
      default: throw new ODataError(405, CODES.badQuery, `The HTTP method ${r.method} is not allowed on a record.`);
    }
  }

  principal(userId: string): UserEntry | undefined {
    for (const u of this.byToken.values()) if (u.id === userId) return u;
    return undefined;
  }

  ctx(p: UserEntry): QueryContext {
    return { now: Date.now(), userId: p.id, businessUnitId: p.businessUnitId };
  }

  /** The caller's read filter for a table (activity parties follow their activity's security). */
  sec(p: UserEntry, t: ResolvedTable): ((row: Row) => boolean) | null {
    return readFilter(p, t, (id) => this.store.get("activitypointer", id));
  }

  canRead(p: UserEntry): (t: ResolvedTable, row: Row) => boolean {
    return (t, row) => {
      try {
        const f = this.sec(p, t);
        return !f || f(row);
      } catch {
        return false;
      }
    };
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
