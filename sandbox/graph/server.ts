/**
 * The HTTP surface of the Graph stand-in: `/v1.0/users/{id | userPrincipalName}/…` and `/v1.0/me/…`
 * for messages, calendarView and sendMail. Each request passes authentication, routing, the
 * mailbox lookup, Outlook's per-app-per-mailbox throttling, then permission checks.
 */
import { closeServer, listenLoopback, readBody } from "../loopback";
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  BODY_PROPERTIES, EVENT_PROPERTIES, GraphError, MESSAGE_DEFAULT, MESSAGE_PROPERTIES, checkFilterOrder, checkOptions, eventTime,
  matchesFilter, nextLink, option, parseIntOption, parseMessageFilter, parseOrderBy, parseSelect, parseTop, parseWindowBound,
} from "./odata";
import { TokenError, readBearer, type Principal } from "./tokens";
import type { GraphRecipient, StandInEvent, StandInMailbox, StandInMessage } from "./types";

export interface ThrottleSettings {
  concurrentPerMailbox: number;
  requestsPerWindow: number;
  windowMs: number;
  retryAfterSeconds: number;
}

/** Outlook's documented limits: 4 concurrent requests and 10,000 requests per 10 minutes, per app per mailbox. */
export const DEFAULT_THROTTLE: ThrottleSettings = { concurrentPerMailbox: 4, requestsPerWindow: 10_000, windowMs: 600_000, retryAfterSeconds: 1 };

export interface GraphStandInStats {
  requests: number;
  byEndpoint: Record<string, number>;
  throttled: number;
  /** Requests that came back before the Retry-After they were given had elapsed (answered 429 again). */
  prematureRetries: number;
  /** Every $select seen on messages/calendarView ("*" when a request had none). */
  selects: string[];
  pagesServed: number;
  maxConcurrentPerMailbox: number;
}

export function emptyStats(): GraphStandInStats {
  return { requests: 0, byEndpoint: {}, throttled: 0, prematureRetries: 0, selects: [], pagesServed: 0, maxConcurrentPerMailbox: 0 };
}

export interface SentMail {
  from: string;
  message: Record<string, unknown>;
  saveToSentItems: boolean;
}

interface Res {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Per client (token) and mailbox: requests in the window, requests in flight, when it may come back. */
interface ClientWindow {
  times: number[];
  head: number;
  inflight: number;
  retryAt: number;
}

/** A client is not counted as premature within this margin of its Retry-After (timer granularity). */
const RETRY_GRACE_MS = 5;
const ACCESS_DENIED = "Access is denied. Check credentials and try again.";

const PERMISSIONS = {
  mail: { appBasic: ["Mail.ReadBasic.All", "Mail.ReadBasic"], appFull: ["Mail.Read", "Mail.ReadWrite"], delegatedBasic: ["Mail.ReadBasic"], delegatedFull: ["Mail.Read", "Mail.ReadWrite"] },
  calendar: {
    appBasic: ["Calendars.ReadBasic.All", "Calendars.ReadBasic"], appFull: ["Calendars.Read", "Calendars.ReadWrite"],
    delegatedBasic: ["Calendars.ReadBasic"], delegatedFull: ["Calendars.Read", "Calendars.ReadWrite"],
  },
} as const;

/** "full", "basic" (no bodies) or null (no access) for reading mail or calendars. */
function readAccess(p: Principal, kind: keyof typeof PERMISSIONS): "full" | "basic" | null {
  const perms = PERMISSIONS[kind];
  const granted = p.kind === "application" ? p.roles : p.scopes;
  const full: readonly string[] = p.kind === "application" ? perms.appFull : perms.delegatedFull;
  const basic: readonly string[] = p.kind === "application" ? perms.appBasic : perms.delegatedBasic;
  if (granted.some((g) => full.includes(g))) return "full";
  if (granted.some((g) => basic.includes(g))) return "basic";
  return null;
}

function folderId(mailboxId: string, folder: StandInMessage["folder"]): string {
  return Buffer.from(`${mailboxId}:${folder}`).toString("base64url");
}

function isoSeconds(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

export class GraphStandInServer {
  readonly http: Server;
  stats: GraphStandInStats = emptyStats();
  readonly sent: SentMail[] = [];
  private readonly byKey = new Map<string, StandInMailbox>();
  private readonly windows = new Map<string, ClientWindow>();
  private storm = { remaining: 0, retryAfterSeconds: 0 };

  constructor(
    mailboxes: StandInMailbox[],
    private readonly throttle: ThrottleSettings | null,
    private readonly latencyMs: number,
  ) {
    for (const mb of mailboxes) {
      this.byKey.set(mb.id.toLowerCase(), mb);
      this.byKey.set(mb.userPrincipalName.toLowerCase(), mb);
    }
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, this.errorRes(new GraphError(500, "UnknownError", `Graph stand-in error: ${(e as Error).message}`), randomUUID()));
      });
    };
    this.http = createHttpServer(handler);
    this.http.keepAliveTimeout = 5000;
  }

  listen(port: number): Promise<number> {
    return listenLoopback(this.http, port);
  }

  close(): Promise<void> {
    return closeServer(this.http);
  }

  throttleStorm(requests: number, retryAfterSeconds: number): void {
    this.storm = { remaining: requests, retryAfterSeconds };
  }

  private origin(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  private errorRes(e: GraphError, clientRequestId: string): Res {
    const requestId = randomUUID();
    return {
      status: e.status,
      headers: { ...e.headers, "request-id": requestId, "client-request-id": clientRequestId },
      body: {
        error: {
          code: e.code,
          message: e.message,
          innerError: { date: new Date().toISOString().slice(0, 19), "request-id": requestId, "client-request-id": clientRequestId },
        },
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", this.origin());
    const method = (req.method ?? "GET").toUpperCase();
    const header = req.headers["client-request-id"];
    const clientRequestId = typeof header === "string" && header !== "" ? header : randomUUID();
    this.stats.requests++;
    const segments = url.pathname.split("/").filter(Boolean).map((s) => decodeURIComponent(s));
    const endpoint = this.endpointOf(method, segments);
    this.stats.byEndpoint[endpoint] = (this.stats.byEndpoint[endpoint] ?? 0) + 1;

    let ticket: (() => void) | null = null;
    try {
      if (segments[0] !== "v1.0") {
        throw new GraphError(400, "BadRequest", `Invalid version: '${segments[0] ?? ""}'. The Graph stand-in serves ${this.origin()}/v1.0/.`);
      }
      let principal: Principal;
      try {
        principal = readBearer(req.headers.authorization);
      } catch (e) {
        if (!(e instanceof TokenError)) throw e;
        throw new GraphError(401, "InvalidAuthenticationToken", e.message, {
          "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
        });
      }
      const route = this.route(method, segments);
      const mailbox = this.mailboxOf(route.user, principal);
      ticket = this.admit(`${req.headers.authorization ?? ""}|${mailbox.id}`);
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      else await new Promise((r) => setImmediate(r));
      if (principal.kind === "delegated" && principal.oid.toLowerCase() !== mailbox.id.toLowerCase()) {
        throw new GraphError(403, "ErrorAccessDenied", ACCESS_DENIED);
      }
      let out: Res;
      if (route.resource === "messages") out = this.listMessages(url, route.user, mailbox, principal);
      else if (route.resource === "calendarView") out = this.calendarView(url, route.user, mailbox, principal);
      else out = this.sendMail(body, mailbox, principal);
      out.headers["request-id"] = randomUUID();
      out.headers["client-request-id"] = clientRequestId;
      send(res, out);
    } catch (e) {
      if (!(e instanceof GraphError)) throw e;
      if (e.status === 429) this.stats.throttled++;
      send(res, this.errorRes(e, clientRequestId));
    } finally {
      ticket?.();
    }
  }

  private endpointOf(method: string, segments: string[]): string {
    const s = segments.map((x) => x.toLowerCase());
    const resource = s[1] === "me" ? s[2] : s[1] === "users" ? s[3] : undefined;
    const known: Record<string, string> = { messages: "messages", calendarview: "calendarView", sendmail: "sendMail" };
    const depth = s[1] === "me" ? 3 : 4;
    return resource && known[resource] && s.length === depth ? `${method} ${known[resource]}` : "other";
  }

  private route(method: string, segments: string[]): { user: string; resource: "messages" | "calendarView" | "sendMail" } {
    const s = segments.slice(1);
    let user: string;
    let rest: string[];
    if (s[0]?.toLowerCase() === "me") {
      user = "me";
      rest = s.slice(1);
    } else if (s[0]?.toLowerCase() === "users" && s.length >= 2) {
      user = s[1];
      rest = s.slice(2);
    } else {
      throw new GraphError(400, "BadRequest", `Resource not found for the segment '${s[0] ?? ""}'. The Graph stand-in serves /users/{id | userPrincipalName} and /me.`);
    }
    if (rest.length !== 1) {
      const seg = rest.length === 0 ? (user === "me" ? "me" : "users") : rest[1] ?? rest[0];
      throw new GraphError(400, "BadRequest", `Resource not found for the segment '${seg}'. The Graph stand-in serves …/messages, …/calendarView and …/sendMail.`);
    }
    const name = rest[0].toLowerCase();
    const resource = name === "messages" ? "messages" : name === "calendarview" ? "calendarView" : name === "sendmail" ? "sendMail" : null;
    if (!resource) throw new GraphError(400, "BadRequest", `Resource not found for the segment '${rest[0]}'.`);
    const expected = resource === "sendMail" ? "POST" : "GET";
    if (method !== expected) {
      throw new GraphError(405, "Request_BadRequest", `The HTTP method '${method}' is not allowed on ${resource}; use ${expected}.`, { Allow: expected });
    }
    return { user, resource };
  }

  private mailboxOf(user: string, principal: Principal): StandInMailbox {
    let key = user;
    if (user === "me") {
      if (principal.kind !== "delegated") throw new GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
      key = principal.oid;
    }
    const mb = this.byKey.get(key.toLowerCase());
    if (!mb) throw new GraphError(404, "ErrorInvalidUser", `The requested user '${key}' is invalid.`);
    if (!mb.mailboxEnabled) throw new GraphError(404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.");
    return mb;
  }

  /** Outlook throttling per client and mailbox; returns the function that ends the request. */
  private admit(key: string): () => void {
    const now = performance.now();
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = { times: [], head: 0, inflight: 0, retryAt: 0 }));
    const refuse = (code: string, message: string, seconds: number): GraphError => {
      w.retryAt = Math.max(w.retryAt, now + seconds * 1000);
      return new GraphError(429, code, message, { "Retry-After": String(seconds) });
    };
    if (now < w.retryAt - RETRY_GRACE_MS) {
      this.stats.prematureRetries++;
      const left = (w.retryAt - now) / 1000;
      const seconds = left >= 1 ? Math.ceil(left) : Math.ceil(left * 1000) / 1000;
      throw new GraphError(429, "ApplicationThrottled", `Application retried before the Retry-After it was given had elapsed; retry in ${seconds} s.`, { "Retry-After": String(seconds) });
    }
    if (this.storm.remaining > 0) {
      this.storm.remaining--;
      throw refuse("ApplicationThrottled", "Application is over its MailboxConcurrency limit.", this.storm.retryAfterSeconds);
    }
    const s = this.throttle;
    if (s) {
      while (w.head < w.times.length && w.times[w.head] <= now - s.windowMs) w.head++;
      if (w.head > 4096 && w.head * 2 > w.times.length) {
        w.times = w.times.slice(w.head);
        w.head = 0;
      }
      if (w.inflight >= s.concurrentPerMailbox) {
        throw refuse("ApplicationThrottled", "Application is over its MailboxConcurrency limit.", s.retryAfterSeconds);
      }
      if (w.times.length - w.head >= s.requestsPerWindow) {
        const until = w.times[w.head] + s.windowMs - now;
        throw refuse(
          "ApplicationThrottled",
          `Application is over its request limit for this mailbox (${s.requestsPerWindow} requests per ${s.windowMs / 1000} s).`,
          Math.max(1, Math.ceil(until / 1000)),
        );
      }
      w.times.push(now);
    }
    w.inflight++;
    this.stats.maxConcurrentPerMailbox = Math.max(this.stats.maxConcurrentPerMailbox, w.inflight);
    let done = false;
    const win = w;
    return () => {
      if (done) return;
      done = true;
      win.inflight--;
    };
  }

  private listMessages(url: URL, user: string, mb: StandInMailbox, p: Principal): Res {
    const access = readAccess(p, "mail");
    if (!access) throw new GraphError(403, "ErrorAccessDenied", ACCESS_DENIED);
    const q = url.searchParams;
    checkOptions(q, ["$select", "$filter", "$orderby", "$top", "$skip"]);
    const rawSelect = option(q, "$select");
    this.stats.selects.push(rawSelect ?? "*");
    const select = parseSelect(rawSelect, MESSAGE_PROPERTIES, "Microsoft.OutlookServices.Message");
    const props = select ?? MESSAGE_DEFAULT.filter((x) => access === "full" || !BODY_PROPERTIES.has(x));
    if (access === "basic" && props.some((x) => BODY_PROPERTIES.has(x))) throw new GraphError(403, "ErrorAccessDenied", ACCESS_DENIED);
    const filter = parseMessageFilter(option(q, "$filter"));
    const order = parseOrderBy(option(q, "$orderby"), ["receivedDateTime", "sentDateTime"]);
    checkFilterOrder(order, filter);
    const top = parseTop(option(q, "$top"));
    const skip = parseIntOption(option(q, "$skip"), "$skip", 0, Number.MAX_SAFE_INTEGER, 0);
    const by = order ?? { property: "receivedDateTime", desc: true };
    const key = by.property as "receivedDateTime" | "sentDateTime";
    const rows = mb.messages.filter((m) => matchesFilter(m, filter)).sort((a, b) => {
      const d = Date.parse(a[key]) - Date.parse(b[key]);
      return (by.desc ? -d : d) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    const page = rows.slice(skip, skip + top).map((m) => projectMessage(m, props, mb.id));
    const context = `${this.origin()}/v1.0/$metadata#users('${encodeURIComponent(user === "me" ? mb.id : user)}')/messages${select ? `(${select.join(",")})` : ""}`;
    return this.pageRes(context, page, skip + top < rows.length ? nextLink(url, skip + top) : undefined);
  }

  private calendarView(url: URL, user: string, mb: StandInMailbox, p: Principal): Res {
    const access = readAccess(p, "calendar");
    if (!access) throw new GraphError(403, "ErrorAccessDenied", ACCESS_DENIED);
    const q = url.searchParams;
    checkOptions(q, ["$select", "$orderby", "$top", "$skip"]);
    const startRaw = option(q, "startDateTime");
    const endRaw = option(q, "endDateTime");
    if (startRaw === undefined || endRaw === undefined) {
      throw new GraphError(400, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
    }
    const start = parseWindowBound(startRaw, "StartDateTime");
    const end = parseWindowBound(endRaw, "EndDateTime");
    if (end <= start) throw new GraphError(400, "ErrorInvalidParameter", `The time window is empty: EndDateTime '${endRaw}' is not after StartDateTime '${startRaw}'.`);
    const rawSelect = option(q, "$select");
    this.stats.selects.push(rawSelect ?? "*");
    const select = parseSelect(rawSelect, EVENT_PROPERTIES, "Microsoft.OutlookServices.Event");
    const props = select ?? EVENT_PROPERTIES.filter((x) => access === "full" || !BODY_PROPERTIES.has(x));
    if (access === "basic" && props.some((x) => BODY_PROPERTIES.has(x))) throw new GraphError(403, "ErrorAccessDenied", ACCESS_DENIED);
    const order = parseOrderBy(option(q, "$orderby"), ["start/dateTime", "end/dateTime"]);
    const top = parseTop(option(q, "$top"));
    const skip = parseIntOption(option(q, "$skip"), "$skip", 0, Number.MAX_SAFE_INTEGER, 0);
    const by = order ?? { property: "start/dateTime", desc: false };
    const field = by.property === "end/dateTime" ? "end" : "start";
    const rows = mb.events
      .filter((ev) => {
        const s = eventTime(ev.start);
        const e = eventTime(ev.end);
        return s < end && (e > start || (s === e && s >= start));
      })
      .sort((a, b) => {
        const d = eventTime(a[field]) - eventTime(b[field]);
        return (by.desc ? -d : d) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      });
    const page = rows.slice(skip, skip + top).map((ev) => projectEvent(ev, props));
    const context = `${this.origin()}/v1.0/$metadata#users('${encodeURIComponent(user === "me" ? mb.id : user)}')/calendarView${select ? `(${select.join(",")})` : ""}`;
    return this.pageRes(context, page, skip + top < rows.length ? nextLink(url, skip + top) : undefined);
  }

  private pageRes(context: string, value: unknown[], next: string | undefined): Res {
    this.stats.pagesServed++;
    const body: Record<string, unknown> = { "@odata.context": context, value };
    if (next) body["@odata.nextLink"] = next;
    return { status: 200, headers: {}, body };
  }

  private sendMail(raw: string, mb: StandInMailbox, p: Principal): Res {
    const granted = p.kind === "application" ? p.roles : p.scopes;
    if (!granted.includes("Mail.Send")) throw new GraphError(403, "ErrorAccessDenied", ACCESS_DENIED);
    if (raw.trim() === "") throw new GraphError(400, "BadRequest", "Empty Payload. JSON content expected.");
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      throw new GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
    }
    const bad = (where: string, what: string): GraphError => new GraphError(400, "ErrorInvalidRequest", `sendMail: ${where} ${what}.`);
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw bad("the request body", "must be a JSON object { message, saveToSentItems? }");
    const { message, saveToSentItems } = payload as { message?: unknown; saveToSentItems?: unknown };
    if (typeof message !== "object" || message === null || Array.isArray(message)) throw bad("'message'", "is required and must be an object");
    if (saveToSentItems !== undefined && typeof saveToSentItems !== "boolean") throw bad("'saveToSentItems'", `must be true or false, got ${JSON.stringify(saveToSentItems)}`);
    const msg = message as Record<string, unknown>;
    if (msg.subject !== undefined && typeof msg.subject !== "string") throw bad("'message.subject'", "must be a string");
    let body: StandInMessage["body"] = { contentType: "text", content: "" };
    if (msg.body !== undefined) {
      const b = msg.body;
      if (typeof b !== "object" || b === null || Array.isArray(b)) throw bad("'message.body'", "must be an object { contentType, content }");
      const { contentType, content } = b as { contentType?: unknown; content?: unknown };
      const ct = typeof contentType === "string" ? contentType.toLowerCase() : contentType === undefined ? "text" : null;
      if (ct !== "text" && ct !== "html") throw bad("'message.body.contentType'", `must be "Text" or "HTML", got ${JSON.stringify(contentType)}`);
      if (typeof content !== "string") throw bad("'message.body.content'", "must be a string");
      body = { contentType: ct, content };
    }
    const lists: Record<string, GraphRecipient[]> = {};
    let count = 0;
    for (const field of ["toRecipients", "ccRecipients", "bccRecipients"]) {
      const list = msg[field];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw bad(`'message.${field}'`, "must be an array of { emailAddress: { address, name? } }");
      lists[field] = list.map((r: unknown, i) => {
        const address = (r as { emailAddress?: { address?: unknown } } | null)?.emailAddress?.address;
        const name = (r as { emailAddress?: { name?: unknown } } | null)?.emailAddress?.name;
        if (typeof address !== "string" || !EMAIL.test(address.trim())) {
          throw new GraphError(
            400, "ErrorInvalidRecipients",
            `At least one recipient isn't valid., Recipient '${typeof address === "string" ? address : JSON.stringify(r)}' isn't resolved. All recipients must be resolved before a message can be submitted. (message.${field}[${i}].emailAddress.address)`,
          );
        }
        return { emailAddress: { address: address.trim(), name: typeof name === "string" ? name : address.trim() } };
      });
      count += list.length;
    }
    if (count === 0) throw new GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be sent because it contains no recipients.");
    const save = saveToSentItems !== false;
    this.sent.push({ from: mb.mail, message: structuredClone(msg), saveToSentItems: save });
    if (save) {
      const now = isoSeconds(Date.now());
      const text = body.contentType === "html" ? body.content.replace(/<[^>]*>/g, " ") : body.content;
      mb.messages.push({
        id: `AAMk${randomUUID().replace(/-/g, "")}`,
        internetMessageId: `<${randomUUID()}@${mb.mail.split("@")[1] ?? "stand-in.local"}>`,
        subject: typeof msg.subject === "string" ? msg.subject : "",
        sentDateTime: now,
        receivedDateTime: now,
        from: { emailAddress: { name: mb.displayName, address: mb.mail } },
        toRecipients: lists.toRecipients ?? [],
        ccRecipients: lists.ccRecipients ?? [],
        isDraft: false,
        conversationId: `AAQk${randomUUID().replace(/-/g, "")}`,
        folder: "sentitems",
        body,
        bodyPreview: text.replace(/\s+/g, " ").trim().slice(0, 255),
      });
    }
    return { status: 202, headers: {} };
  }
}

function projectMessage(m: StandInMessage, props: string[], mailboxId: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of props) {
    if (p === "parentFolderId") out.parentFolderId = folderId(mailboxId, m.folder);
    else if (p === "uniqueBody") out.uniqueBody = structuredClone(m.body);
    else out[p] = structuredClone(m[p as keyof StandInMessage]);
  }
  return out;
}

function projectEvent(ev: StandInEvent, props: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of props) out[p] = structuredClone(ev[p as keyof StandInEvent]);
  return out;
}

function send(res: ServerResponse, r: Res): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...r.headers };
  let payload = "";
  if (r.body !== undefined) {
    payload = JSON.stringify(r.body);
    headers["Content-Type"] = r.status >= 400 ? "application/json" : "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
  }
  headers["Content-Length"] = String(Buffer.byteLength(payload));
  res.writeHead(r.status, headers);
  res.end(payload);
}
