/**
 * What the emulator's request handlers share: the request and response shapes, the caller, the
 * `Emulator` a handler works against (store, statistics, the caller's read filter, the dispatcher
 * `$batch` re-enters), and record keys (GUID or alternate key). Handlers live in reads.ts,
 * writes.ts, fetch-apply.ts, functions.ts, definitions.ts and batch.ts; server.ts routes to them.
 * Failures are thrown as ODataError (the documented error body); the dispatcher turns them into
 * responses.
 */
import { CODES, ODataError, badQuery } from "./errors";
import type { QueryContext } from "./odata";
import { BY_SET, tableDef, type ResolvedTable } from "./schema";
import type { Principal } from "./security";
import { keyIndexesOf } from "./keyindexes";
import type { EmulatorStore, Row } from "./store";
import { isNumericType } from "./values";

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

export interface Req {
  method: string;
  /** Path after the service root, percent-decoded, e.g. `accounts(…)`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  /** Service root, e.g. http://127.0.0.1:1234/api/data/v9.2/ */
  base: string;
}

export interface Res {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  text?: string;
}

/** The server state a handler works against. */
export interface Emulator {
  readonly store: EmulatorStore;
  /** Replaced by a reset: read it at the time of counting, don't keep it. */
  readonly stats: EmulatorStats;
  readonly organizationId: string;
  count(kind: string, n?: number): void;
  /** The caller's read filter for a table; null = every row. */
  sec(p: UserEntry, t: ResolvedTable): ((row: Row) => boolean) | null;
  /** Whether the caller may read a related row (for $expand and lookups). */
  canRead(p: UserEntry): (t: ResolvedTable, row: Row) => boolean;
  ctx(p: UserEntry): QueryContext;
  /** A user of the organisation by systemuserid (for functions about another principal). */
  principal(userId: string): UserEntry | undefined;
  /** Runs one request (a `$batch` item when `topLevel` is false) and answers errors as responses. */
  dispatch(r: Req, p: UserEntry, topLevel: boolean): Res;
}

export const MAX_PAGE = 5000;
export const COUNT_CAP = 5000;
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Res {
  return { status, headers, body };
}
export function errorRes(e: ODataError): Res {
  return { status: e.status, headers: { ...e.headers }, body: e.body() };
}
export function notFound(t: ResolvedTable, id: string): ODataError {
  return new ODataError(404, CODES.notFound, `Entity '${t.logicalName}' With Id = ${id} Does Not Exist`);
}

/** A record key from the URL: the primary id, or the columns of an alternate key. */
export interface Key {
  id?: string;
  alt?: Record<string, unknown>;
}

export function parseKey(t: ResolvedTable, text: string): Key {
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

export function findRow(store: EmulatorStore, t: ResolvedTable, key: Key): Row | undefined {
  if (key.alt) keyIndexesOf(store).requireActive(t, Object.keys(key.alt));
  return key.id ? store.get(t.logicalName, key.id) : store.findByKey(t.logicalName, key.alt!);
}

export function keyText(key: Key): string {
  return key.id ?? Object.entries(key.alt!).map(([k, v]) => `${k}=${String(v)}`).join(",");
}

/** Resolves an `@odata.bind` reference such as "/accounts(<id>)" to an existing record (400 / 404 otherwise). */
export function resolveReference(store: EmulatorStore, v: string, where: string): { table: ResolvedTable; id: string } {
  let s = v.trim();
  const rootIdx = s.indexOf("/api/data/v9.");
  if (rootIdx >= 0) s = s.slice(rootIdx).replace(/^\/api\/data\/v9\.\d\//, "");
  s = s.replace(/^\//, "");
  const m = /^(\w+)\((.+)\)$/.exec(s);
  const set = m ? BY_SET.get(m[1]) : undefined;
  if (!m || !set) throw badQuery(`The reference '${v}' in '${where}' is not of the form /<entityset>(<id>).`);
  const t = tableDef(set.logicalName);
  const key = parseKey(t, m[2]);
  const row = findRow(store, t, key);
  if (!row) throw notFound(t, keyText(key));
  return { table: t, id: row[t.primaryId] as string };
}
