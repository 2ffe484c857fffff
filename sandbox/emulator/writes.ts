/**
 * Writes: create (POST, with activity parties inline), update and upsert (PATCH by id or alternate
 * key; If-Match → 412 on a stale ETag, If-None-Match: * → 412 on an existing record), delete, and
 * the response of a write (204 with OData-EntityId, or the record with Prefer: return=representation).
 * Columns are checked against the schema (unknown property, lookup set without @odata.bind, bad
 * reference, wrong type or length → 400 naming it); security is checked before and after the
 * platform fills owner, business unit, full name and state.
 */
import { CODES, ODataError, badQuery } from "./errors";
import { projectRow, type Preferences } from "./format";
import { parseSelect } from "./odata";
import { parseParties, splitParties } from "./parties";
import { LOOKUP_TYPE_KEY, isLookupType, navigationProperties, partiesNavigation, propertyName, tableDef, type ResolvedTable } from "./schema";
import { assertWrite } from "./security";
import type { Row } from "./store";
import { validateValue } from "./validate";
import {
  GUID, findRow, json, keyText, notFound, resolveReference, type Emulator, type Key, type Req, type Res, type UserEntry,
} from "./context";

/** Converts a request body into stored columns, validating names and types. */
export function writeColumns(em: Emulator, t: ResolvedTable, body: unknown, creating: boolean): Row {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badQuery("The request body must be a JSON object.");
  const navs = navigationProperties(t);
  const out: Row = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k.startsWith("@")) continue;
    if (k.endsWith("@odata.bind")) {
      let nav = k.slice(0, -"@odata.bind".length);
      if (!navs.has(nav) && t.isActivity) nav = nav.replace(new RegExp(`_${t.logicalName}$`), "");
      const n = navs.get(nav);
      if (!n) throw badQuery(`An undeclared property '${nav}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`);
      const prop = propertyName(n.column);
      if (v === null) {
        out[prop] = null;
        continue;
      }
      if (typeof v !== "string") throw badQuery(`The value of '${k}' must be a string such as "/accounts(00000000-0000-0000-0000-000000000000)".`);
      const ref = resolveReference(em.store, v, k);
      if (n.target !== null && ref.table.logicalName !== n.target) {
        throw badQuery(`The reference '${v}' in '${k}' points to '${ref.table.logicalName}', but the navigation property '${nav}' expects '${n.target}'.`);
      }
      if (n.target === null && !(n.column.targets ?? []).includes(ref.table.logicalName)) {
        throw badQuery(`The reference '${v}' in '${k}' points to '${ref.table.logicalName}', but '${nav}' accepts ${(n.column.targets ?? []).join(" or ")}.`);
      }
      out[prop] = ref.id;
      if ((n.column.targets?.length ?? 0) > 1) out[`${prop}${LOOKUP_TYPE_KEY}`] = ref.table.logicalName;
      continue;
    }
    if (k.includes("@")) continue; // instance annotations in the payload are ignored
    const col = t.byColumn.get(k);
    if (!col || isLookupType(col.type)) {
      const lk = t.byProperty.get(k) ?? col;
      if (lk && isLookupType(lk.type)) {
        throw badQuery(`The lookup '${lk.name}' can't be set through the property '${k}'. Use '${[...navs.entries()].filter(([, x]) => x.column === lk).map(([name]) => name)[0] ?? lk.name}@odata.bind' with a value like "/${tableDef(lk.targets?.[0] ?? t.logicalName).entitySetName}(<id>)".`);
      }
      throw badQuery(`The property '${k}' does not exist on type 'Microsoft.Dynamics.CRM.${t.logicalName}'. Make sure to only use property names that are defined by the type.`);
    }
    if (col.name === t.primaryId) {
      if (!creating) continue;
      if (typeof v !== "string" || !GUID.test(v)) throw badQuery(`The value '${String(v)}' of '${k}' is not a GUID.`);
      out[k] = v.toLowerCase();
      continue;
    }
    if (col.readOnly) continue;
    out[k] = validateValue(col, v);
  }
  return out;
}

export function parseBody(r: Req): unknown {
  if (!r.body.trim()) return {};
  try {
    return JSON.parse(r.body) as unknown;
  } catch (e) {
    throw badQuery(`The request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Fills platform-managed columns: owner, business unit, full name, state. */
export function complete(em: Emulator, t: ResolvedTable, row: Row, p: UserEntry, existing: Row | null): void {
  if (t.ownership === "UserOwned") {
    if (!existing && row._ownerid_value == null) {
      row._ownerid_value = p.id;
      row[`_ownerid_value${LOOKUP_TYPE_KEY}`] = "systemuser";
    }
    if (row._ownerid_value != null && (!existing || row._ownerid_value !== existing._ownerid_value)) {
      const ownerType = (row[`_ownerid_value${LOOKUP_TYPE_KEY}`] as string | undefined) ?? "systemuser";
      const owner = em.store.get(ownerType, row._ownerid_value as string);
      row._owningbusinessunit_value = (owner?._businessunitid_value) ?? p.businessUnitId;
    }
  }
  if (["contact", "lead", "systemuser"].includes(t.logicalName) && ("firstname" in row || "lastname" in row)) {
    const first = (row.firstname ?? existing?.firstname ?? "") as string;
    const last = (row.lastname ?? existing?.lastname ?? "") as string;
    row.fullname = `${first} ${last}`.trim();
  }
  if (!existing) {
    const state = t.byColumn.get("statecode");
    const status = t.byColumn.get("statuscode");
    if (state && row.statecode == null) row.statecode = t.logicalName === "duplicaterule" ? 0 : 0;
    if (status && row.statuscode == null) {
      const keys = Object.keys(status.options ?? {}).map(Number);
      row.statuscode = t.logicalName === "duplicaterule" ? 0 : keys.includes(1) ? 1 : keys[0];
    }
  }
}

export function createRecord(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, prefs: Preferences): Res {
  em.count("create");
  if (t.logicalName === "activitypointer") throw badQuery("Records can't be created in activitypointers directly; create an email, task, phonecall or appointment.");
  assertWrite(p, t, null, "Create");
  const { body, parties: partyItems, nav } = splitParties(t, parseBody(r));
  const row = writeColumns(em, t, body, true);
  complete(em, t, row, p, null);
  assertWrite(p, t, row, "Create");
  if (row[t.primaryId] && em.store.get(t.logicalName, row[t.primaryId] as string)) {
    throw new ODataError(412, CODES.duplicate, `A record with the id ${String(row[t.primaryId])} already exists in '${t.logicalName}'.`);
  }
  // Every party is checked before anything is written, so a bad one leaves no activity behind.
  const parties = partyItems !== undefined ? parseParties(em, t, nav!, partyItems) : [];
  const stored = em.store.insert(t.logicalName, row);
  for (const party of parties) {
    em.store.insert("activityparty", { ...party, _activityid_value: stored[t.primaryId], [`_activityid_value${LOOKUP_TYPE_KEY}`]: t.logicalName });
  }
  em.stats.rowsWritten++;
  return writeResponse(em, r, t, p, stored, prefs, 201);
}

export function writeResponse(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, row: Row, prefs: Preferences, createdStatus: 200 | 201): Res {
  const entityId = `${r.base}${t.entitySetName}(${String(row[t.primaryId])})`;
  const headers: Record<string, string> = { "OData-EntityId": entityId, Location: entityId, ETag: `W/"${String(row.versionnumber)}"` };
  if (!prefs.returnRepresentation) return { status: 204, headers };
  const select = r.query.get("$select") ? parseSelect(r.query.get("$select")!, t) : null;
  const out = projectRow({ store: em.store, annotations: prefs.annotations, canRead: em.canRead(p) }, t, row, select, null);
  headers["Preference-Applied"] = "return=representation";
  return json(createdStatus, { "@odata.context": `${r.base}$metadata#${t.entitySetName}/$entity`, ...out }, headers);
}

export function upsertRecord(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, key: Key, prefs: Preferences): Res {
  const ifMatch = r.headers["if-match"];
  const ifNoneMatch = r.headers["if-none-match"];
  em.count(ifMatch ? "update" : "upsert");
  const existing = findRow(em.store, t, key);
  const body = parseBody(r);
  const partiesNav = partiesNavigation(t);
  if (partiesNav && body !== null && typeof body === "object" && partiesNav in body) {
    throw badQuery(`The emulator takes '${partiesNav}' on create only (POST /${t.entitySetName} with the parties inline); a PATCH can't add or replace activity parties.`);
  }
  if (existing) {
    if (ifNoneMatch === "*") throw new ODataError(412, CODES.duplicate, "A record with matching key values already exists.");
    const etag = `W/"${String(existing.versionnumber)}"`;
    if (ifMatch && ifMatch !== "*" && ifMatch !== etag) {
      throw new ODataError(412, CODES.concurrency, "The version of the existing record doesn't match the RowVersion property provided.");
    }
    assertWrite(p, t, existing, "Write");
    const patch = writeColumns(em, t, body, false);
    if (key.alt) for (const [k, v] of Object.entries(key.alt)) if (k in patch && String(patch[k]).toLowerCase() !== String(v).toLowerCase()) {
      throw badQuery(`The body sets '${k}' to '${String(patch[k])}' but the key in the URL says '${String(v)}'.`);
    }
    complete(em, t, patch, p, existing);
    if ("_ownerid_value" in patch) assertWrite(p, t, { ...existing, ...patch }, "Write");
    const updated = em.store.update(t.logicalName, existing[t.primaryId] as string, patch);
    em.stats.rowsWritten++;
    return writeResponse(em, r, t, p, updated, prefs, 200);
  }
  if (ifMatch) throw notFound(t, keyText(key));
  if (t.logicalName === "activitypointer") throw badQuery("Records can't be created in activitypointers directly.");
  assertWrite(p, t, null, "Create");
  const row = writeColumns(em, t, body, true);
  if (key.id) row[t.primaryId] = key.id;
  if (key.alt) Object.assign(row, key.alt);
  complete(em, t, row, p, null);
  assertWrite(p, t, row, "Create");
  const stored = em.store.insert(t.logicalName, row);
  em.stats.rowsWritten++;
  return writeResponse(em, r, t, p, stored, prefs, 201);
}

export function deleteRecord(em: Emulator, r: Req, t: ResolvedTable, p: UserEntry, key: Key): Res {
  em.count("delete");
  const existing = findRow(em.store, t, key);
  if (!existing) throw notFound(t, keyText(key));
  const ifMatch = r.headers["if-match"];
  if (ifMatch && ifMatch !== "*" && ifMatch !== `W/"${String(existing.versionnumber)}"`) {
    throw new ODataError(412, CODES.concurrency, "The version of the existing record doesn't match the RowVersion property provided.");
  }
  assertWrite(p, t, existing, "Delete");
  em.store.delete(t.logicalName, existing[t.primaryId] as string);
  em.stats.rowsWritten++;
  return { status: 204, headers: {} };
}
