/**
 * Test helpers for the Dataverse emulator: start one per test file and call it with Node's fetch.
 */
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../sandbox/emulator";
import type { WebApiPort, WebApiRow } from "../../plugins-ts/client/webApiPort";

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface Api {
  get<T = Record<string, unknown>>(path: string, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  post<T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  patch<T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  del<T = Record<string, unknown>>(path: string, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  /** Sends a raw request (body as given). */
  raw(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<ApiResponse<unknown>>;
}

/** A client for one user. `path` is relative to the service root unless it starts with http. */
export function api(emu: EmulatorHandle, token: string | null = emu.adminToken): Api {
  const send = async <T>(method: string, path: string, body: string | undefined, headers: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const url = path.startsWith("http") ? path : emu.baseUrl + path;
    const h: Record<string, string> = { Accept: "application/json", ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    if (body !== undefined && !h["Content-Type"]) h["Content-Type"] = "application/json";
    const res = await fetch(url, { method, headers: h, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("application/json") && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
  return {
    get: (p, h) => send("GET", p, undefined, h),
    post: (p, b, h) => send("POST", p, JSON.stringify(b), h),
    patch: (p, b, h) => send("PATCH", p, JSON.stringify(b), h),
    del: (p, h) => send("DELETE", p, undefined, h),
    raw: (m, p, b, h) => send(m, p, b, h),
  };
}

export function tokenOf(emu: EmulatorHandle, key: string): string {
  const u = emu.users.find((x) => x.key === key);
  if (!u) throw new Error(`no demo user '${key}' (have ${emu.users.map((x) => x.key).join(", ")})`);
  return u.token;
}

export function userOf(emu: EmulatorHandle, key: string): EmulatorHandle["users"][number] {
  const u = emu.users.find((x) => x.key === key);
  if (!u) throw new Error(`no demo user '${key}'`);
  return u;
}

/** Starts an emulator with throttling off unless asked for (tests are bursty). */
export function start(opts: EmulatorOptions = {}): Promise<EmulatorHandle> {
  return startEmulator({ throttle: false, ...opts });
}

/** Follows @odata.nextLink until the end; returns every row and the number of pages. */
export async function readAll(a: Api, path: string, headers: Record<string, string> = {}): Promise<{ rows: Record<string, unknown>[]; pages: number }> {
  const rows: Record<string, unknown>[] = [];
  let pages = 0;
  let next: string | undefined = path;
  while (next) {
    const res: ApiResponse = await a.get(next, headers);
    if (res.status !== 200) throw new Error(`GET ${next} → ${res.status} ${res.text}`);
    pages++;
    rows.push(...(res.body.value as Record<string, unknown>[]));
    next = res.body["@odata.nextLink"] as string | undefined;
  }
  return { rows, pages };
}

/** The record id at the end of an OData-EntityId header (`…/contacts(<id>)`). */
export function idFrom(entityId: string | null): string {
  const m = /\(([0-9a-f-]{36})\)$/.exec(entityId ?? "");
  if (!m) throw new Error(`no record id in OData-EntityId '${String(entityId)}'`);
  return m[1];
}

/** Entity sets of the tables the record panel reads. */
const ENTITY_SETS: Record<string, string> = {
  account: "accounts",
  contact: "contacts",
  lead: "leads",
  opportunity: "opportunities",
  activitypointer: "activitypointers",
  opportunitysalesprocess: "opportunitysalesprocesses",
  leadtoopportunitysalesprocess: "leadtoopportunitysalesprocesses",
  environmentvariabledefinition: "environmentvariabledefinitions",
  environmentvariablevalue: "environmentvariablevalues",
  vit_activitygap: "vit_activitygaps",
};

/** What a PCF host does with context.webAPI: GET against the Web API, errors as { status, errorCode, message }. */
export function httpPort(emu: EmulatorHandle, token: string, log: string[]): WebApiPort {
  const get = async (path: string): Promise<WebApiRow> => {
    log.push(path);
    const res = await fetch(emu.baseUrl + path, { headers: { Accept: "application/json", Authorization: `Bearer ${token}`, Prefer: 'odata.include-annotations="*"' } });
    const body = (await res.json()) as WebApiRow & { error?: { code: string; message: string } };
    if (!res.ok) throw Object.assign(new Error(body.error?.message ?? `HTTP ${res.status}`), { status: res.status, code: body.error?.code });
    return body;
  };
  const set = (table: string) => {
    const s = ENTITY_SETS[table];
    if (!s) throw new Error(`test port: no entity set for ${table}`);
    return s;
  };
  return {
    retrieveRecord: (table, id, options = "") => get(`${set(table)}(${id})${options}`),
    retrieveMultipleRecords: async (table, options = "") => ({ entities: (await get(`${set(table)}${options}`)).value as WebApiRow[] }),
  };
}
