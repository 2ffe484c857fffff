/**
 * Activity parties (the `activityparty` rows behind an email's from/to/cc, an appointment's
 * attendees …): they are written only with their activity, as a deep insert on create; any other
 * write is the platform's 400 "The '…' method does not support entities of type 'activityparty'".
 * Every party is validated before anything is stored; a problem is a 400 naming the item.
 */
import { CODES, ODataError, badQuery } from "./errors";
import { lookupName } from "./format";
import {
  LOOKUP_TYPE_KEY, PARTICIPATION_TYPES, PARTY_TARGETS, PARTY_TYPES_BY_ACTIVITY, isLookupType, navigationProperties, partiesNavigation,
  tableDef, type ResolvedTable,
} from "./schema";
import type { Row } from "./store";
import { validateValue } from "./validate";
import { resolveReference, type Emulator } from "./context";

/**
 * Activity parties can't be written on their own (Dataverse: "The 'Create' method does not support
 * entities of type 'activityparty'"); reading the collection is allowed.
 */
export function assertPartyOperation(method: string, single: boolean): void {
  const message = !single && method === "POST" ? "Create" : !single ? null
    : method === "PATCH" ? "Update" : method === "DELETE" ? "Delete" : method === "GET" ? "Retrieve" : null;
  if (!message) return;
  const hint = message === "Retrieve"
    ? "Query the collection instead: GET activityparties?$filter=activitypartyid eq <id>."
    : "Activity parties are written with their activity: POST /emails (or /appointments, /phonecalls, /tasks) with \"email_activity_parties\": [ … ]; deleting the activity deletes its parties.";
  throw new ODataError(400, CODES.notSupported, `The '${message}' method does not support entities of type 'activityparty'. ${hint}`);
}

/** Takes the activity-party collection (deep insert) out of a create body. */
export function splitParties(t: ResolvedTable, body: unknown): { body: unknown; parties?: unknown; nav?: string } {
  const nav = partiesNavigation(t);
  if (!nav || body === null || typeof body !== "object" || Array.isArray(body) || !(nav in body)) return { body };
  const { [nav]: parties, ...rest } = body as Record<string, unknown>;
  return { body: rest, parties, nav };
}

/**
 * Validates the parties of a deep insert (`email_activity_parties` …) and returns the rows to
 * store, without `_activityid_value`. Any problem is a 400 naming the item and the property.
 */
export function parseParties(em: Emulator, activity: ResolvedTable, nav: string, value: unknown): Row[] {
  const example = `[{ "partyid_contact@odata.bind": "/contacts(<id>)", "participationtypemask": ${PARTY_TYPES_BY_ACTIVITY[activity.logicalName]?.[0] ?? 2} }]`;
  if (!Array.isArray(value)) throw badQuery(`'${nav}' must be a JSON array of activity parties, such as ${example}.`);
  const pt = tableDef("activityparty");
  const navs = navigationProperties(pt);
  const allowed = PARTY_TYPES_BY_ACTIVITY[activity.logicalName] ?? [];
  const typeText = (v: number): string => `${v} (${PARTICIPATION_TYPES[v]})`;
  const allowedText = allowed.length
    ? `${activity.logicalName} takes ${allowed.map(typeText).join(", ")}`
    : `${activity.logicalName} has no party-list columns, so it takes no parties`;
  const partyBinds = PARTY_TARGETS.map((x) => `partyid_${x}@odata.bind`).join(", ");
  const ids = new Set<string>();
  return value.map((item: unknown, i): Row => {
    const at = `${nav}[${i}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) throw badQuery(`${at} must be a JSON object (one activity party).`);
    const party: Row = {};
    let target: string | null = null;
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      if (k.startsWith("@")) continue;
      if (k.endsWith("@odata.bind")) {
        const name = k.slice(0, -"@odata.bind".length);
        const n = navs.get(name);
        if (n?.column.name === "activityid") throw badQuery(`${at}: '${k}' can't be set; a party belongs to the ${activity.logicalName} it is created with.`);
        if (!n || n.column.name !== "partyid" || !n.target) throw badQuery(`${at}: '${name}' is not a navigation property of activityparty. A party points to its record with ${partyBinds}.`);
        if (target !== null) throw badQuery(`${at}: '${k}' is a second record for one party; a party points to one record.`);
        if (typeof v !== "string") throw badQuery(`${at}.${k}: the value must be a string such as "/${tableDef(n.target).entitySetName}(<id>)".`);
        let ref: { table: ResolvedTable; id: string };
        try {
          ref = resolveReference(em.store, v, `${at}.${k}`);
        } catch (e) {
          if (e instanceof ODataError) throw new ODataError(400, e.code, `${at}.${k}: ${e.message}`);
          throw e;
        }
        if (ref.table.logicalName !== n.target) {
          throw badQuery(`${at}.${k}: the reference '${v}' points to '${ref.table.logicalName}', but '${name}' expects '${n.target}'.`);
        }
        party._partyid_value = ref.id;
        party[`_partyid_value${LOOKUP_TYPE_KEY}`] = n.target;
        target = n.target;
        continue;
      }
      if (k.includes("@")) continue; // instance annotations are ignored
      const c = pt.byColumn.get(k);
      if (!c || isLookupType(c.type)) {
        throw badQuery(`${at}: the property '${k}' does not exist on type 'Microsoft.Dynamics.CRM.activityparty' or can't be set this way. A party takes ${partyBinds}, participationtypemask and addressused.`);
      }
      if (c.readOnly) continue;
      try {
        party[k] = validateValue(c, v);
      } catch (e) {
        if (e instanceof ODataError) throw new ODataError(400, e.code, `${at}.${k}: ${e.message}`);
        throw e;
      }
      const id = party[k];
      if (c.name === "activitypartyid" && typeof id === "string") {
        if (ids.has(id) || em.store.get("activityparty", id)) throw new ODataError(412, CODES.duplicate, `${at}.activitypartyid: an activity party with the id ${id} already exists.`);
        ids.add(id);
      }
    }
    const mask = party.participationtypemask;
    if (typeof mask !== "number") throw badQuery(`${at}: participationtypemask is required; ${allowedText}.`);
    if (!allowed.includes(mask)) throw badQuery(`${at}.participationtypemask: ${typeText(mask)} is not a participation type of ${activity.logicalName}; ${allowedText}.`);
    if (target === null && (typeof party.addressused !== "string" || party.addressused.trim() === "")) {
      throw badQuery(`${at}: a party needs a record (${partyBinds}) or an address (addressused).`);
    }
    if (target !== null) {
      const rec = em.store.get(target, party._partyid_value as string);
      const email = rec?.[target === "systemuser" ? "internalemailaddress" : "emailaddress1"];
      if (party.addressused == null && typeof email === "string" && email !== "") party.addressused = email;
      party.partyidname = lookupName(em.store, target, party._partyid_value as string) ?? null;
    } else {
      party.partyidname = party.addressused;
    }
    party.ispartydeleted = false;
    return party;
  });
}
