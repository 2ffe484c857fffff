/**
 * Requests below a record (`accounts(<id>)/…`):
 * - `GET …/name`, `…/name/$value`: one property; `PUT …/name {"value": …}`: update one column;
 *   `DELETE …/name`: clear it ("Update and delete table rows using the Web API").
 * - `GET …/contact_customer_accounts` (+ query options, paging) and `…/$count`: the related rows of a
 *   collection-valued navigation property.
 * - `$ref` ("Associate and disassociate table rows"): `POST …/<collection>/$ref {"@odata.id": …}`,
 *   `DELETE …/<collection>(<id>)/$ref` or `…/<collection>/$ref?$id=…`, `PUT …/<lookup>/$ref`,
 *   `DELETE …/<lookup>/$ref`.
 * - `…/Microsoft.Dynamics.CRM.<Function>(…)`: a bound function (functions.ts).
 * Security and ETags are checked as for any write; an unknown segment is a 400 naming it.
 */
import { CODES, ODataError, badQuery } from "./errors";
import { type Preferences } from "./format";
import { boundFunction } from "./functions";
import { countOnly, readCollection, readProperty, type Scope } from "./reads";
import { collectionNavigations, type CollectionNav } from "./relationships";
import { LOOKUP_TYPE_KEY, navigationProperties, propertyName, tableDef, type ResolvedTable } from "./schema";
import { assertWrite, missingAccess } from "./security";
import type { Row } from "./store";
import { validateValue } from "./validate";
import { parseBody } from "./writes";
import {
  findRow, keyText, notFound, resolveReference, type Emulator, type Key, type Req, type Res, type UserEntry,
} from "./context";

export function subResource(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, key: Key, sub: string, prefs: Preferences): Res {
  if (sub.startsWith("Microsoft.Dynamics.CRM.")) return boundFunction(em, r, t, p, key, sub);
  const m = /^(\w+)(?:\(([^)]*)\))?(?:\/(.*))?$/.exec(sub);
  if (!m) throw badQuery(`Resource not found for the segment '${sub}'.`);
  const [, name, innerKey, rest] = m;
  const coll = collectionNavigations(t.logicalName).get(name);
  if (rest === "$ref") return reference(em, r, t, p, key, name, coll, innerKey);
  if (coll) {
    if (innerKey !== undefined) throw badQuery(`The emulator reads '${name}' as a collection; address a related record at its own URL (/${tableDef(coll.target).entitySetName}(<id>)).`);
    return related(em, r, t, p, key, coll, rest, prefs);
  }
  if (r.method === "GET") return readProperty(em, r, t, p, key, sub);
  if (rest !== undefined || innerKey !== undefined) throw badQuery(`Resource not found for the segment '${sub}'.`);
  if (r.method === "PUT" || r.method === "DELETE") return writeProperty(em, r, t, p, key, name);
  throw new ODataError(405, CODES.badQuery, `The HTTP method ${r.method} is not allowed on the property '${name}' (GET, PUT or DELETE).`);
}

function existing(em: Emulator, t: ResolvedTable, key: Key): Row {
  const row = findRow(em.store, t, key);
  if (!row) throw notFound(t, keyText(key));
  return row;
}

/** The rows of `coll` that point at `row`. */
function pointsAt(em: Emulator, t: ResolvedTable, row: Row, coll: CollectionNav): (r: Row) => boolean {
  const id = String(row[t.primaryId]);
  const tt = tableDef(coll.target);
  return (r) => typeof r[coll.prop] === "string" && (r[coll.prop] as string).toLowerCase() === id && (!coll.polymorphic || em.store.lookupTarget(tt, r, coll.column.name) === t.logicalName);
}

function related(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, key: Key, coll: CollectionNav, rest: string | undefined, prefs: Preferences): Res {
  if (r.method !== "GET") throw new ODataError(405, CODES.badQuery, `The emulator reads '${coll.name}' with GET; create related records with a deep insert or associate them with POST …/${coll.name}/$ref.`);
  const row = existing(em, t, key);
  const f = em.sec(p, t);
  if (f && !f(row)) throw missingAccess(p, "Read", t, String(row[t.primaryId]));
  for (const k of ["fetchXml", "$apply", "$deltatoken"]) if (r.query.get(k) !== null) throw badQuery(`${k} isn't supported on a navigation property path; query /${tableDef(coll.target).entitySetName} instead.`);
  if (prefs.trackChanges) throw badQuery("Change tracking isn't supported on a navigation property path.");
  const scope: Scope = { rows: pointsAt(em, t, row, coll), path: `${t.entitySetName}(${String(row[t.primaryId])})/${coll.name}` };
  const tt = tableDef(coll.target);
  if (rest === "$count") return countOnly(em, r, tt, p, scope);
  if (rest !== undefined) throw badQuery(`Resource not found for the segment '${rest}'.`);
  return readCollection(em, r, tt, p, prefs, scope);
}

function assertVersion(r: Req, row: Row): void {
  const ifMatch = r.headers["if-match"];
  if (ifMatch && ifMatch !== "*" && ifMatch !== `W/"${String(row.versionnumber)}"`) {
    throw new ODataError(412, CODES.concurrency, "The version of the existing record doesn't match the RowVersion property provided.");
  }
}

/** PUT `{"value": …}` sets one column; DELETE clears it. Lookups go through `$ref`. */
function writeProperty(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, key: Key, name: string): Res {
  const c = t.byColumn.get(name);
  if (!c) throw badQuery(`Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${t.logicalName}'.`);
  if (c.type === "lookup" || c.type === "customer" || c.type === "owner") throw badQuery(`The lookup '${name}' is set with PUT …/${name}/$ref {"@odata.id": "<entityset>(<id>)"} or PATCH with '${name}@odata.bind'.`);
  if (c.readOnly || c.name === t.primaryId) throw badQuery(`The property '${name}' can't be written.`);
  em.count("update");
  const row = existing(em, t, key);
  assertVersion(r, row);
  assertWrite(p, t, row, "Write");
  let value: unknown = null;
  if (r.method === "PUT") {
    const body = parseBody(r);
    if (!body || typeof body !== "object" || !("value" in body)) throw badQuery(`PUT …/${name} takes a body {"value": …}.`);
    value = validateValue(c, (body).value, t.logicalName);
  }
  em.store.update(t.logicalName, String(row[t.primaryId]), { [name]: value });
  em.stats.rowsWritten++;
  return { status: 204, headers: {} };
}

/** `$ref` on a collection-valued or single-valued navigation property. */
function reference(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, key: Key, name: string, coll: CollectionNav | undefined, innerKey: string | undefined): Res {
  em.count("associate");
  const row = existing(em, t, key);
  const id = String(row[t.primaryId]);
  if (coll) {
    const tt = tableDef(coll.target);
    let otherId: string;
    if (r.method === "POST") {
      const body = parseBody(r) as { "@odata.id"?: unknown };
      if (typeof body["@odata.id"] !== "string") throw badQuery(`POST …/${name}/$ref takes a body {"@odata.id": "${tt.entitySetName}(<id>)"}.`);
      const ref = resolveReference(em.store, body["@odata.id"], "@odata.id");
      if (ref.table.logicalName !== tt.logicalName) throw badQuery(`'${name}' relates ${tt.logicalName} rows; the reference points to '${ref.table.logicalName}'.`);
      otherId = ref.id;
    } else if (r.method === "DELETE") {
      const ref = innerKey ?? (r.query.get("$id") ? /\(([^)]+)\)\s*$/.exec(r.query.get("$id")!)?.[1] : undefined);
      if (!ref) throw badQuery(`DELETE …/${name}(<id>)/$ref or …/${name}/$ref?$id=<url of the related record> names the record to disassociate.`);
      const other = findRow(em.store, tt, { id: ref.trim().toLowerCase() });
      if (!other || !pointsAt(em, t, row, coll)(other)) throw notFound(tt, ref);
      otherId = String(other[tt.primaryId]);
    } else {
      throw new ODataError(405, CODES.badQuery, `$ref on '${name}' takes POST (associate) or DELETE (disassociate).`);
    }
    const other = em.store.get(tt.logicalName, otherId)!;
    assertWrite(p, tt, other, "Write");
    const patch: Row = r.method === "POST" ? { [coll.prop]: id } : { [coll.prop]: null };
    if (coll.polymorphic) patch[`${coll.prop}${LOOKUP_TYPE_KEY}`] = r.method === "POST" ? t.logicalName : null;
    em.store.update(tt.logicalName, otherId, patch);
    em.stats.rowsWritten++;
    return { status: 204, headers: {} };
  }
  const nav = navigationProperties(t).get(name);
  if (!nav) throw badQuery(`Could not find a navigation property named '${name}' on type 'Microsoft.Dynamics.CRM.${t.logicalName}'.`);
  if (nav.column.type === "owner") throw badQuery("Assign an owner with PATCH and 'ownerid@odata.bind'.");
  assertVersion(r, row);
  assertWrite(p, t, row, "Write");
  const prop = propertyName(nav.column);
  const patch: Row = {};
  if (r.method === "PUT") {
    const body = parseBody(r) as { "@odata.id"?: unknown };
    if (typeof body["@odata.id"] !== "string") throw badQuery(`PUT …/${name}/$ref takes a body {"@odata.id": "<entityset>(<id>)"}.`);
    const ref = resolveReference(em.store, body["@odata.id"], "@odata.id");
    if (nav.target !== null && ref.table.logicalName !== nav.target) throw badQuery(`'${name}' expects '${nav.target}'; the reference points to '${ref.table.logicalName}'.`);
    patch[prop] = ref.id;
    if ((nav.column.targets?.length ?? 0) > 1) patch[`${prop}${LOOKUP_TYPE_KEY}`] = ref.table.logicalName;
  } else if (r.method === "DELETE") {
    patch[prop] = null;
  } else {
    throw new ODataError(405, CODES.badQuery, `$ref on '${name}' takes PUT (set) or DELETE (clear).`);
  }
  em.store.update(t.logicalName, id, patch);
  em.stats.rowsWritten++;
  return { status: 204, headers: {} };
}

