/**
 * Where the Governance Center finds Dataverse.
 *
 *  - Inside Dynamics 365 (a web resource in the CRM Vitals app): the organisation URL comes from
 *    `Xrm.Utility.getGlobalContext().getClientUrl()` (the page's own `Xrm`, else the parent
 *    frame's), and the Web API is called same-origin with the signed-in user's session: no
 *    bearer token, no Authorization header.
 *  - In the sandbox: `?orgUrl=<organisation URL>&token=<bearer token>` (the emulator's tokens),
 *    and `?hostUrl=<sandbox host page>` to link records to the host's `/form/<table>/<id>`, or a
 *    template with `{table}` and `{id}` (`http://127.0.0.1:8080/form?table={table}&id={id}`).
 *
 * Settings an administrator controls through the web resource's URL (the app's site map entry,
 * which only customisers can edit): `personRanking=on` shows findings ranked by person; off by
 * default. In Dynamics custom parameters arrive URL-encoded in `?data=` (`data=personRanking%3Don`).
 */
import { createWebApiGateway } from "../../dataverse/webapi";
import { DEFAULT_WRITABLE, type DataverseGateway } from "../../dataverse/gateway";
import { strings } from "./strings";

/** The part of Xrm the Governance Center uses. */
export interface XrmLike {
  Utility: { getGlobalContext(): { getClientUrl(): string } };
  Navigation?: { openForm(options: { entityName: string; entityId: string }): unknown };
}

export interface CenterSettings {
  /** Rank findings by person (names people). Off unless an administrator turns it on. */
  personRanking: boolean;
}

export type Connection =
  | { mode: "dynamics"; orgUrl: string; xrm: XrmLike; settings: CenterSettings }
  | { mode: "sandbox"; orgUrl: string; token: string; hostUrl: string | null; settings: CenterSettings };

export type ConnectionResult = { ok: true; connection: Connection } | { ok: false; error: string };

interface WindowLike {
  location: { search: string };
  Xrm?: unknown;
  parent?: unknown;
}

function isXrm(x: unknown): x is XrmLike {
  const u = (x as { Utility?: { getGlobalContext?: unknown } } | undefined)?.Utility;
  return typeof u?.getGlobalContext === "function";
}

function findXrm(win: WindowLike): XrmLike | null {
  if (isXrm(win.Xrm)) return win.Xrm;
  try {
    const parent = win.parent as WindowLike | undefined;
    if (parent && parent !== win && isXrm(parent.Xrm)) return parent.Xrm;
  } catch {
    // A cross-origin parent cannot be read: not inside Dynamics.
  }
  return null;
}

function settingsFrom(params: URLSearchParams): CenterSettings {
  const data = new URLSearchParams(params.get("data") ?? "");
  const on = (v: string | null): boolean => v !== null && /^(on|true|1|yes)$/i.test(v);
  return { personRanking: on(params.get("personRanking")) || on(data.get("personRanking")) };
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

export function resolveConnection(win: WindowLike): ConnectionResult {
  const params = new URLSearchParams(win.location.search);
  const settings = settingsFrom(params);
  const xrm = findXrm(win);
  if (xrm) {
    const orgUrl = xrm.Utility.getGlobalContext().getClientUrl();
    return { ok: true, connection: { mode: "dynamics", orgUrl: withSlash(orgUrl), xrm, settings } };
  }
  const orgUrl = params.get("orgUrl");
  const token = params.get("token");
  if (!orgUrl || !token) return { ok: false, error: strings.noConnection };
  if (!/^https?:\/\/[^/]+/i.test(orgUrl)) return { ok: false, error: strings.badOrgUrl(orgUrl) };
  const hostUrl = params.get("hostUrl");
  return { ok: true, connection: { mode: "sandbox", orgUrl: withSlash(orgUrl), token, hostUrl: hostUrl && /^https?:\/\//i.test(hostUrl) ? hostUrl : null, settings } };
}

/** Tables the Governance Center writes: CRM Vitals' own, and the rule pack's environment variable value. */
export const GOVERNANCE_WRITABLE: ReadonlyArray<string | RegExp> = [...DEFAULT_WRITABLE, "environmentvariablevalue"];

export function createGateway(connection: Connection): DataverseGateway {
  // Inside Dynamics the browser's session authenticates same-origin calls: no bearer token.
  const token = connection.mode === "sandbox" ? () => connection.token : null;
  return createWebApiGateway({ serverUrl: connection.orgUrl, token, writableTables: GOVERNANCE_WRITABLE, maxConcurrency: 6 });
}

/** Where a record opens: the Dynamics form, or the sandbox host's form page. */
export interface RecordLink {
  href: string | null;
  /** Opens the record in the Dynamics client (Xrm.Navigation.openForm); the href is the fallback. */
  open?: () => void;
}

export function recordLink(connection: Connection, table: string, id: string): RecordLink {
  const etn = encodeURIComponent(table);
  const rid = encodeURIComponent(id);
  if (connection.mode === "dynamics") {
    const nav = connection.xrm.Navigation;
    return {
      href: `${connection.orgUrl}main.aspx?etn=${etn}&id=${rid}&pagetype=entityrecord`,
      open: nav ? () => void nav.openForm({ entityName: table, entityId: id }) : undefined,
    };
  }
  const host = connection.hostUrl;
  if (!host) return { href: null };
  if (host.includes("{table}") || host.includes("{id}")) return { href: host.replace(/\{table\}/g, etn).replace(/\{id\}/g, rid) };
  return { href: `${host.replace(/\/+$/, "")}/form/${etn}/${rid}` };
}
