/**
 * Functions the emulator answers, with the response shapes of the Web API reference:
 * unbound `WhoAmI`, `RetrieveTotalRecordCount(EntityNames=[…])`, `RetrieveCurrentOrganization(AccessType=…)`,
 * `InitializeFrom(EntityMoniker=…,TargetEntityName=…,TargetFieldType=…)`, `FormatAddress(Line1=…,…)`,
 * and bound `systemusers(<id>)/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=…)`. Parameters
 * may be literals or aliases (`@p1`). Any other function or action is a 404 saying it isn't
 * supported; a bad parameter is a 400 naming it.
 */
import { substituteAliases } from "./aliases";
import { CODES, ODataError, badQuery } from "./errors";
import { BY_LOGICAL, BY_SET, tableDef, type ResolvedTable } from "./schema";
import type { Row } from "./store";
import { collectionNavigations } from "./relationships";
import { accessRights } from "./security";
import { findRow, json, keyText, notFound, resolveReference, type Emulator, type Key, type Req, type Res, type UserEntry } from "./context";

const UNBOUND = ["WhoAmI", "RetrieveTotalRecordCount", "RetrieveCurrentOrganization", "InitializeFrom", "FormatAddress"];
const BOUND = ["RetrievePrincipalAccess (systemusers)"];

/** 404 for a function or action the emulator doesn't implement. */
export function unsupportedOperation(name: string): ODataError {
  return new ODataError(404, CODES.notSupported, `Resource not found for the segment '${name}': the function or action is not supported by the emulator. It answers ${UNBOUND.join(", ")} and, bound, ${BOUND.join(", ")} (see sandbox/README.md).`);
}

/** Splits `A=1,B='x,y',C=[…]` at top-level commas into a map of raw values, aliases resolved. */
function parameters(text: string, query: URLSearchParams, fn: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  let q = false;
  let cur = "";
  const push = (): void => {
    if (!cur.trim()) return;
    const eq = cur.indexOf("=");
    if (eq < 0) throw badQuery(`${fn}: the parameter '${cur.trim()}' needs the form Name=value.`);
    out.set(cur.slice(0, eq).trim(), substituteAliases(cur.slice(eq + 1).trim(), query, `the parameters of ${fn}`));
    cur = "";
  };
  for (const ch of text) {
    if (ch === "'") q = !q;
    if (!q && (ch === "[" || ch === "{")) depth++;
    if (!q && (ch === "]" || ch === "}")) depth--;
    if (ch === "," && !q && depth === 0) push();
    else cur += ch;
  }
  push();
  return out;
}

/** A parameter value: 'text', a number, true/false, an enum (Type'Member') or JSON (single quotes allowed). */
function value(raw: string, name: string, fn: string): unknown {
  const s = raw.trim();
  if (/^'.*'$/s.test(s)) return s.slice(1, -1).replace(/''/g, "'");
  const en = /^[\w.]+'(\w+)'$/.exec(s);
  if (en) return en[1];
  if (s === "true" || s === "false") return s === "true";
  if (s !== "" && !Number.isNaN(Number(s))) return Number(s);
  try {
    return JSON.parse(s) as unknown;
  } catch {
    try {
      return JSON.parse(s.replace(/'/g, '"')) as unknown;
    } catch {
      throw badQuery(`${fn}: the value of the parameter '${name}' ('${s}') is not a literal, an enum member or JSON.`);
    }
  }
}

function required(params: Map<string, string>, name: string, fn: string): unknown {
  const raw = params.get(name);
  if (raw === undefined) throw badQuery(`${fn}: the parameter '${name}' is required.`);
  return value(raw, name, fn);
}

function context(r: Req, type: string): string {
  return `${r.base}$metadata#Microsoft.Dynamics.CRM.${type}`;
}

/** Unbound functions at the service root; null when `path` is not a function call (an entity set, …). */
export function functionCall(em: Emulator, r: Req, p: UserEntry, path: string): Res | null {
  const m = /^([A-Za-z_][\w.]*)(?:\((.*)\))?$/s.exec(path);
  if (!m || BY_SET.has(m[1]) || path.startsWith("EntityDefinitions")) return null;
  // A bare name is an entity set unless it is a function the emulator knows (WhoAmI).
  if (m[2] === undefined && !UNBOUND.includes(m[1].replace(/^Microsoft\.Dynamics\.CRM\./, ""))) return null;
  const name = m[1].replace(/^Microsoft\.Dynamics\.CRM\./, "");
  const params = parameters(m[2] ?? "", r.query, name);
  if (r.method !== "GET") throw unsupportedOperation(name);
  em.count("function");
  switch (name) {
    case "WhoAmI":
      em.count("whoami");
      return json(200, { "@odata.context": context(r, "WhoAmIResponse"), BusinessUnitId: p.businessUnitId, UserId: p.id, OrganizationId: em.organizationId });
    case "RetrieveTotalRecordCount": {
      const names = required(params, "EntityNames", name);
      if (!Array.isArray(names) || !names.every((x) => typeof x === "string")) throw badQuery(`${name}: EntityNames must be an array of table logical names, e.g. ["account","contact"].`);
      const values = names.map((n) => {
        if (!BY_LOGICAL.has(n)) throw badQuery(`${name}: '${n}' is not a table logical name.`);
        return em.store.count(n);
      });
      return json(200, { "@odata.context": context(r, "RetrieveTotalRecordCountResponse"), EntityRecordCountCollection: { Count: names.length, IsReadOnly: false, Keys: names, Values: values } });
    }
    case "RetrieveCurrentOrganization":
      return json(200, { "@odata.context": context(r, "RetrieveCurrentOrganizationResponse"), Detail: organizationDetail(em, r) });
    case "InitializeFrom":
      return initializeFrom(em, r, p, params);
    case "FormatAddress":
      return json(200, { "@odata.context": context(r, "FormatAddressResponse"), Address: formatAddress(params, name) });
    default:
      throw unsupportedOperation(name);
  }
}

function organizationDetail(em: Emulator, r: Req): Record<string, unknown> {
  const web = r.base.replace(/\/api\/data\/v9\.\d\/$/, "/");
  const endpoints = { WebApplication: web, OrganizationService: `${web}XRMServices/2011/Organization.svc`, OrganizationDataService: `${web}XRMServices/2011/OrganizationData.svc` };
  return {
    OrganizationId: em.organizationId, FriendlyName: "CRM Vitals Demo", OrganizationVersion: "9.2.0.0", EnvironmentId: em.organizationId,
    DatacenterId: "00000000-0000-0000-0000-000000000000", Geo: "LOCAL", TenantId: "00000000-0000-0000-0000-000000000000",
    UrlName: "emulator", UniqueName: "emulator", State: "Enabled",
    Endpoints: { Count: 3, IsReadOnly: false, Keys: Object.keys(endpoints), Values: Object.values(endpoints) },
  };
}

/** Lines of an address as the en-US address format writes them. */
function formatAddress(params: Map<string, string>, fn: string): string {
  const get = (k: string): string => {
    const raw = params.get(k);
    if (raw === undefined) return "";
    const v = value(raw, k, fn);
    return typeof v === "string" || typeof v === "number" ? String(v) : "";
  };
  const cityLine = [get("City"), [get("StateOrProvince"), get("PostalCode")].filter(Boolean).join(" ")].filter(Boolean).join(", ");
  return [get("Line1"), cityLine, get("Country")].filter(Boolean).join("\r\n");
}

/**
 * InitializeFrom: a new, unsaved record of the target table, with the lookup back to the source
 * (the relationship between them) and the source's values of the columns both tables have
 * (a simplification of the attribute maps an organisation can edit).
 */
function initializeFrom(em: Emulator, r: Req, p: UserEntry, params: Map<string, string>): Res {
  const fn = "InitializeFrom";
  const moniker = required(params, "EntityMoniker", fn) as { "@odata.id"?: unknown } | null;
  const targetName = required(params, "TargetEntityName", fn);
  if (!moniker || typeof moniker["@odata.id"] !== "string") throw badQuery(`${fn}: EntityMoniker must be {'@odata.id':'<entityset>(<id>)'}.`);
  if (typeof targetName !== "string" || !BY_LOGICAL.has(targetName)) throw badQuery(`${fn}: TargetEntityName '${String(targetName)}' is not a table logical name.`);
  const ref = resolveReference(em.store, moniker["@odata.id"], "EntityMoniker");
  const source = em.store.get(ref.table.logicalName, ref.id)!;
  const sec = em.sec(p, ref.table);
  if (sec && !sec(source)) throw notFound(ref.table, ref.id);
  const target = tableDef(targetName);
  const out: Row = { "@odata.context": `${r.base}$metadata#${target.entitySetName}/$entity`, "@odata.type": `#Microsoft.Dynamics.CRM.${target.logicalName}` };
  const nav = [...collectionNavigations(ref.table.logicalName).values()].find((n) => n.target === target.logicalName && n.column.name !== "regardingobjectid");
  if (nav) {
    const bindName = nav.polymorphic ? `${nav.column.name}_${ref.table.logicalName}` : nav.column.name;
    out[`${bindName}@odata.bind`] = `${ref.table.entitySetName}(${ref.id})`;
  }
  const skip = new Set([ref.table.primaryId, target.primaryId, "statecode", "statuscode", "versionnumber", "createdon", "modifiedon"]);
  for (const c of target.columns) {
    if (skip.has(c.name) || c.readOnly || c.type === "lookup" || c.type === "customer" || c.type === "owner") continue;
    const sc = ref.table.byColumn.get(c.name);
    if (sc && sc.type === c.type && source[c.name] != null) out[c.name] = source[c.name];
  }
  return json(200, out);
}

/** A function bound to a record: `<set>(<id>)/Microsoft.Dynamics.CRM.<Name>(…)`. */
export function boundFunction(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, key: Key, sub: string): Res {
  const m = /^Microsoft\.Dynamics\.CRM\.(\w+)(?:\((.*)\))?$/s.exec(sub);
  if (!m) throw badQuery(`Resource not found for the segment '${sub}'.`);
  const name = m[1];
  if (!(name === "RetrievePrincipalAccess" && t.logicalName === "systemuser" && r.method === "GET")) throw unsupportedOperation(`${t.logicalName}/${name}`);
  em.count("function");
  const user = findRow(em.store, t, key);
  if (!user) throw notFound(t, keyText(key));
  const params = parameters(m[2] ?? "", r.query, name);
  const target = required(params, "Target", name) as { "@odata.id"?: unknown } | null;
  if (!target || typeof target["@odata.id"] !== "string") throw badQuery(`${name}: Target must be {'@odata.id':'<entityset>(<id>)'}.`);
  const ref = resolveReference(em.store, target["@odata.id"], "Target");
  const principal = em.principal(String(user[t.primaryId]));
  const rights = principal ? accessRights(principal, ref.table, em.store.get(ref.table.logicalName, ref.id)!, (id) => em.store.get("activitypointer", id)) : [];
  return json(200, { "@odata.context": context(r, "RetrievePrincipalAccessResponse"), AccessRights: rights.length ? rights.join(", ") : "None" });
}

