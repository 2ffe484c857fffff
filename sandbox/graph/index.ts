/**
 * A local stand-in for Microsoft Graph v1.0 (Outlook mail and calendar), for tests and the demo.
 *
 *   const graph = await startGraphStandIn({ mailboxes });
 *   fetch(`${graph.baseUrl}/users/${upn}/messages?$top=50`, { headers: { Authorization: `Bearer ${graph.appToken(["Mail.ReadBasic.All"])}` } });
 *
 * Loopback only (127.0.0.1). See sandbox/graph/README.md for what it simplifies.
 */
import { GraphStandInServer, DEFAULT_THROTTLE, emptyStats, type GraphStandInStats, type SentMail, type ThrottleSettings } from "./server";
import { mintAppToken, mintDelegatedToken } from "./tokens";
import type { StandInEvent, StandInMailbox, StandInMessage } from "./types";

export type * from "./types";
export type { GraphStandInStats, SentMail, ThrottleSettings } from "./server";
export { DEFAULT_THROTTLE } from "./server";
export { GRAPH_AUDIENCE, mintAppToken, mintDelegatedToken } from "./tokens";

export interface GraphStandInOptions {
  mailboxes: StandInMailbox[];
  /** 0 = ephemeral (default). */
  port?: number;
  /** Outlook's per-app-per-mailbox limits: concurrent requests (default 4) and a request budget per window (default 10,000 per 600 s). */
  throttle?: { concurrentPerMailbox?: number; requestsPerWindow?: number; windowMs?: number; retryAfterSeconds?: number } | false;
  /** Milliseconds each admitted request is held before it is answered (default 0), so concurrency can be observed. */
  latencyMs?: number;
}

export interface GraphStandInHandle {
  /** http(s)://127.0.0.1:<port>/v1.0 (no trailing slash) */
  baseUrl: string;
  /** "127.0.0.1:<port>" */
  host: string;
  /** "127.0.0.1": what `customHosts` must hold — graph-client 3.0.7 compares the host name without the port, and only for https URLs. */
  hostname: string;
  /** A bearer token: application permissions (JWT `roles` claim) or delegated for one user (`scp` + `oid`). */
  appToken(roles: string[]): string;
  delegatedToken(userIdOrUpn: string, scopes: string[]): string;
  /** Messages accepted by sendMail, in order: who sent, the message as posted, saveToSentItems. */
  sent: SentMail[];
  stats(): GraphStandInStats;
  resetStats(): void;
  /** The next `requests` requests (any endpoint) answer 429 with Retry-After `retryAfterSeconds` (may be fractional, e.g. 0.05, so tests stay fast). */
  throttleStorm(o: { requests: number; retryAfterSeconds: number }): void;
  close(): Promise<void>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkMailboxes(mailboxes: unknown): StandInMailbox[] {
  if (!Array.isArray(mailboxes)) throw new Error("mailboxes must be an array of StandInMailbox");
  const seen = new Map<string, string>();
  mailboxes.forEach((mb: Partial<StandInMailbox> | null, i) => {
    const at = `mailboxes[${i}]`;
    if (typeof mb !== "object" || mb === null) throw new Error(`${at} must be an object`);
    if (typeof mb.id !== "string" || !GUID.test(mb.id)) throw new Error(`${at}.id must be an Entra object id (GUID), got ${JSON.stringify(mb.id)}`);
    for (const k of ["userPrincipalName", "mail", "displayName"] as const) {
      if (typeof mb[k] !== "string" || mb[k] === "") throw new Error(`${at}.${k} must be a non-empty string`);
    }
    if (typeof mb.mailboxEnabled !== "boolean") throw new Error(`${at}.mailboxEnabled must be true or false`);
    if (!Array.isArray(mb.messages)) throw new Error(`${at}.messages must be an array`);
    if (!Array.isArray(mb.events)) throw new Error(`${at}.events must be an array`);
    for (const key of [mb.id.toLowerCase(), mb.userPrincipalName!.toLowerCase()]) {
      const other = seen.get(key);
      if (other) throw new Error(`${at} reuses '${key}' of ${other}: ids and userPrincipalNames must be unique`);
      seen.set(key, at);
    }
    mb.messages.forEach((m: Partial<StandInMessage> | null, j) => {
      const where = `${at}.messages[${j}]`;
      if (typeof m?.id !== "string") throw new Error(`${where}.id must be a string`);
      for (const k of ["receivedDateTime", "sentDateTime"] as const) {
        if (typeof m[k] !== "string" || Number.isNaN(Date.parse(m[k]))) throw new Error(`${where}.${k} must be an ISO date and time, got ${JSON.stringify(m[k])}`);
      }
      if (m.folder !== "inbox" && m.folder !== "sentitems" && m.folder !== "drafts") throw new Error(`${where}.folder must be inbox, sentitems or drafts`);
    });
    mb.events.forEach((ev: Partial<StandInEvent> | null, j) => {
      const where = `${at}.events[${j}]`;
      if (typeof ev?.id !== "string") throw new Error(`${where}.id must be a string`);
      for (const k of ["start", "end"] as const) {
        const dt = ev[k]?.dateTime;
        if (typeof dt !== "string" || Number.isNaN(Date.parse(`${dt.replace(/(\.\d{3})\d*$/, "$1")}Z`))) {
          throw new Error(`${where}.${k}.dateTime must look like 2026-11-20T09:00:00.0000000 (UTC, no offset), got ${JSON.stringify(dt)}`);
        }
      }
    });
  });
  return mailboxes as StandInMailbox[];
}

function checkThrottle(t: GraphStandInOptions["throttle"]): ThrottleSettings | null {
  if (t === false) return null;
  const out = { ...DEFAULT_THROTTLE };
  for (const [k, v] of Object.entries(t ?? {})) {
    if (!(k in DEFAULT_THROTTLE)) throw new Error(`throttle.${k} is not a throttle setting (${Object.keys(DEFAULT_THROTTLE).join(", ")})`);
    if (v === undefined) continue;
    const whole = k === "concurrentPerMailbox" || k === "requestsPerWindow";
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (whole && !Number.isInteger(v))) {
      throw new Error(`throttle.${k} must be a positive ${whole ? "whole " : ""}number, got ${String(v)}`);
    }
    out[k as keyof ThrottleSettings] = v;
  }
  return out;
}

export async function startGraphStandIn(o: GraphStandInOptions): Promise<GraphStandInHandle> {
  if (typeof o !== "object" || o === null) throw new Error("startGraphStandIn needs options { mailboxes }");
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) {
    throw new Error(`port must be a whole number between 0 and 65535, got ${o.port}`);
  }
  if (o.latencyMs !== undefined && (typeof o.latencyMs !== "number" || !Number.isFinite(o.latencyMs) || o.latencyMs < 0)) {
    throw new Error(`latencyMs must be a number ≥ 0, got ${String(o.latencyMs)}`);
  }
  // the stand-in appends sent mail to the sender's copy, never to the caller's objects
  const mailboxes = structuredClone(checkMailboxes(o.mailboxes));
  const server = new GraphStandInServer(mailboxes, checkThrottle(o.throttle), o.latencyMs ?? 0);
  const port = await server.listen(o.port ?? 0);
  const byKey = new Map<string, StandInMailbox>();
  for (const mb of mailboxes) {
    byKey.set(mb.id.toLowerCase(), mb);
    byKey.set(mb.userPrincipalName.toLowerCase(), mb);
  }
  return {
    baseUrl: `http://127.0.0.1:${port}/v1.0`,
    host: `127.0.0.1:${port}`,
    hostname: "127.0.0.1",
    appToken: (roles) => mintAppToken(roles),
    delegatedToken: (userIdOrUpn, scopes) => {
      const mb = typeof userIdOrUpn === "string" ? byKey.get(userIdOrUpn.toLowerCase()) : undefined;
      if (!mb) throw new Error(`delegatedToken: no mailbox with id or userPrincipalName '${String(userIdOrUpn)}'`);
      return mintDelegatedToken(mb.id, scopes);
    },
    sent: server.sent,
    stats: () => structuredClone(server.stats),
    resetStats: () => {
      server.stats = emptyStats();
    },
    throttleStorm: ({ requests, retryAfterSeconds }) => {
      if (!Number.isInteger(requests) || requests < 0) throw new Error(`throttleStorm.requests must be a whole number ≥ 0, got ${String(requests)}`);
      if (typeof retryAfterSeconds !== "number" || !Number.isFinite(retryAfterSeconds) || retryAfterSeconds <= 0) {
        throw new Error(`throttleStorm.retryAfterSeconds must be a positive number, got ${String(retryAfterSeconds)}`);
      }
      server.throttleStorm(requests, retryAfterSeconds);
    },
    close: () => server.close(),
  };
}
