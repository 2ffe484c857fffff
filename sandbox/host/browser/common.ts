/** Shared by the host pages: config, the chosen user, a tiny DOM builder and Web API calls. */
import type { HostConfig, HostUser } from "./config";

export async function loadConfig(): Promise<HostConfig> {
  const res = await fetch("/host/config.json");
  if (!res.ok) throw new Error(`The sandbox host did not answer /host/config.json (HTTP ${res.status}).`);
  return (await res.json()) as HostConfig;
}

const USER_KEY = "crmVitals.sandbox.user";

/** The user from `?user=`, else the last one chosen in this browser, else the default. */
/** Name of the sandbox's session cookie (the signed-in user's token). */
export const SESSION_COOKIE = "vitals_session";

export function currentUser(cfg: HostConfig): HostUser {
  const wanted = new URLSearchParams(location.search).get("user") ?? localStorage.getItem(USER_KEY) ?? cfg.defaultUser;
  const u = cfg.users.find((x) => x.key === wanted) ?? cfg.users.find((x) => x.key === cfg.defaultUser) ?? cfg.users[0];
  localStorage.setItem(USER_KEY, u.key);
  // The session, as Dynamics has one: same-origin requests without a bearer token (the panel's
  // $batch over fetch) are signed in by this cookie at the proxy (../server.ts).
  document.cookie = `${SESSION_COOKIE}=${encodeURIComponent(u.token)}; path=/; SameSite=Strict`;
  return u;
}

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/** `h("a", { href: "/" }, "text")`: attributes as given, `on*` functions as listeners, text as text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A Web API error as Dataverse reports it: `{ error: { code, message } }` plus the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export async function apiRequest(cfg: HostConfig, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const url = path.startsWith("http") || path.startsWith("/") ? path : cfg.apiBase + path;
  const h: Record<string, string> = { Accept: "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0", Authorization: `Bearer ${token}`, ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json; charset=utf-8";
  const res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) {
    const text = await res.text();
    let code: string | undefined;
    let message = `HTTP ${res.status} ${res.statusText}`;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = parsed.error?.code;
      if (parsed.error?.message) message = parsed.error.message;
    } catch {
      if (text.trim()) message = `${message}: ${text.trim().slice(0, 300)}`;
    }
    throw new ApiError(res.status, code, message);
  }
  return res;
}

export async function apiJson<T>(cfg: HostConfig, token: string, path: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await apiRequest(cfg, token, "GET", path, undefined, headers);
  return (await res.json()) as T;
}

/** Display text of a Web API value: "" for null, text as is, JSON for anything structured. */
export function text(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

export const FORMATTED = "@OData.Community.Display.V1.FormattedValue";

/** A header bar shared by both pages: product name, user switcher, optional extra controls. */
export function topBar(cfg: HostConfig, user: HostUser, onUser: (key: string) => void, ...extra: Child[]): HTMLElement {
  const select = h("select", { id: "user", onChange: (e: Event) => onUser((e.target as HTMLSelectElement).value) });
  for (const u of cfg.users) {
    const opt = h("option", { value: u.key }, `${u.fullname} — ${u.role}${u.isdisabled ? " (disabled)" : ""}`);
    if (u.key === user.key) opt.selected = true;
    select.append(opt);
  }
  return h(
    "header",
    { class: "bar" },
    h("a", { class: "brand", href: `/?user=${user.key}` }, "CRM Vitals ", h("span", { class: "brand-sub" }, "sandbox")),
    h("div", { class: "bar-tools" }, ...extra, h("label", { for: "user", class: "bar-label" }, "Signed in as"), select),
  );
}

export function userNote(user: HostUser): HTMLElement {
  return h("p", { class: "user-note" }, h("strong", {}, user.fullname), ` (${user.role}${user.businessUnit ? `, ${user.businessUnit}` : ""}) sees ${user.sees}.`);
}
