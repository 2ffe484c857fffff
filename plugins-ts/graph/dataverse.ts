/**
 * The Dataverse side of activity capture, through the gateway: the contacts in scope and their
 * owners, the email and appointment activities already logged for them, and the queries that make
 * logging idempotent (activities by `messageid` / `globalobjectid`).
 */
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { chunkIdsForIn, chunkTextForIn, DEFAULT_MAX_FILTER_CHARS, f, type Filter, normaliseGuid } from "../dataverse/requests";
import { EMAIL_TOLERANCE_MS, MEETING_TOLERANCE_MS, normaliseKey, type LoggedActivity, type ScopeContact } from "./gap";

/** activityparty participation types that make a contact part of the conversation. */
export const PARTICIPATION = { sender: 1, to: 2, cc: 3, bcc: 4, required: 5, optional: 6, organizer: 7 } as const;
const CONVERSATION_TYPES = [1, 2, 3, 4, 5, 6, 7];

export interface Owner {
  id: string;
  name: string;
  /** Graph user id (Entra object id), else the primary email / UPN. */
  mailbox: string | null;
  email: string | null;
  disabled: boolean;
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() ? v.trim() : null;
}

function id(v: unknown): string | null {
  const s = str(v);
  if (!s) return null;
  try {
    return normaliseGuid(s);
  } catch {
    return null;
  }
}

/** All rows of `table` whose `column` is one of `values` (chunked under the URL limit). */
export async function readIn(gateway: DataverseGateway, table: string, columns: readonly string[], column: string, values: readonly string[], extra?: Filter, text = false): Promise<Row[]> {
  const out: Row[] = [];
  if (!values.length) return out;
  const budget = DEFAULT_MAX_FILTER_CHARS - (extra ? encodeURIComponent(extra.odata).length + 16 : 0);
  const chunks = text ? chunkTextForIn(column, values, budget) : chunkIdsForIn(column, values, budget);
  for (const chunk of chunks) {
    for await (const page of gateway.streamTable({ table, columns, filter: f.and(extra, f.in(column, chunk)) })) out.push(...page.rows);
  }
  return out;
}

export interface ScopeOptions {
  /** Only contacts owned by these users (ids). */
  ownerIds?: readonly string[];
}

/** Active contacts with at least one email address, with their owners. */
export async function readScope(gateway: DataverseGateway, o: ScopeOptions = {}): Promise<{ contacts: ScopeContact[]; owners: Map<string, Owner> }> {
  const columns = ["contactid", "fullname", "emailaddress1", "emailaddress2", "emailaddress3", "_ownerid_value", "_owninguser_value", "_owningteam_value"];
  const hasMail = f.or(f.notNull("emailaddress1"), f.notNull("emailaddress2"), f.notNull("emailaddress3"));
  const owned = o.ownerIds?.length ? f.in("_ownerid_value", o.ownerIds.map((x) => normaliseGuid(x, "owner id"))) : undefined;
  const contacts: ScopeContact[] = [];
  for await (const page of gateway.streamTable({ table: "contact", columns, filter: f.and(f.eq("statecode", 0), hasMail, owned) })) {
    for (const r of page.rows) {
      const cid = id(r.contactid);
      const owner = id(r._ownerid_value);
      if (!cid || !owner) continue;
      const emails = [...new Set([r.emailaddress1, r.emailaddress2, r.emailaddress3].map(str).filter((e): e is string => !!e && e.includes("@")).map((e) => e.toLowerCase()))];
      if (!emails.length) continue;
      contacts.push({ id: cid, name: str(r.fullname) ?? cid, emails, ownerId: owner, ownerType: id(r._owningteam_value) === owner ? "team" : "systemuser" });
    }
  }
  const userIds = [...new Set(contacts.filter((c) => c.ownerType === "systemuser").map((c) => c.ownerId))];
  const owners = new Map<string, Owner>();
  for (const u of await readIn(gateway, "systemuser", ["systemuserid", "fullname", "internalemailaddress", "azureactivedirectoryobjectid", "isdisabled"], "systemuserid", userIds)) {
    const uid = id(u.systemuserid);
    if (!uid) continue;
    const email = str(u.internalemailaddress);
    owners.set(uid, { id: uid, name: str(u.fullname) ?? uid, mailbox: id(u.azureactivedirectoryobjectid) ?? email, email: email?.toLowerCase() ?? null, disabled: u.isdisabled === true });
  }
  return { contacts, owners };
}

/**
 * Email and appointment activities linked to the contacts (as a party or the regarding record) around
 * the window, plus every activity carrying one of the Outlook items' ids.
 */
export async function readLogged(
  gateway: DataverseGateway,
  contactIds: readonly string[],
  keys: { emails: readonly string[]; meetings: readonly string[] },
  since: Date,
): Promise<LoggedActivity[]> {
  const contactSet = new Set(contactIds);
  const links = new Map<string, Set<string>>();
  const link = (activity: string | null, contact: string | null) => {
    if (!activity || !contact || !contactSet.has(contact)) return;
    const s = links.get(activity) ?? new Set<string>();
    s.add(contact);
    links.set(activity, s);
  };
  const parties = await readIn(gateway, "activityparty", ["_activityid_value", "_partyid_value", "participationtypemask"], "_partyid_value", contactIds, f.in("participationtypemask", CONVERSATION_TYPES));
  for (const p of parties) link(id(p._activityid_value), id(p._partyid_value));

  const emailSince = f.ge("createdon", new Date(since.getTime() - EMAIL_TOLERANCE_MS));
  const meetingSince = f.ge("scheduledstart", new Date(since.getTime() - MEETING_TOLERANCE_MS));
  const emailCols = ["activityid", "messageid", "senton", "actualend", "createdon", "_regardingobjectid_value"];
  const meetingCols = ["activityid", "globalobjectid", "scheduledstart", "_regardingobjectid_value"];
  const partyActivityIds = [...links.keys()];
  const rows = {
    email: [
      ...(await readIn(gateway, "email", emailCols, "activityid", partyActivityIds, emailSince)),
      ...(await readIn(gateway, "email", emailCols, "_regardingobjectid_value", contactIds, emailSince)),
      ...(await readIn(gateway, "email", emailCols, "messageid", keys.emails, undefined, true)),
    ],
    meeting: [
      ...(await readIn(gateway, "appointment", meetingCols, "activityid", partyActivityIds, meetingSince)),
      ...(await readIn(gateway, "appointment", meetingCols, "_regardingobjectid_value", contactIds, meetingSince)),
      ...(await readIn(gateway, "appointment", meetingCols, "globalobjectid", keys.meetings, undefined, true)),
    ],
  };
  const out = new Map<string, LoggedActivity>();
  for (const kind of ["email", "meeting"] as const) {
    for (const r of rows[kind]) {
      const aid = id(r.activityid);
      if (!aid || out.has(aid)) continue;
      link(aid, id(r._regardingobjectid_value));
      const key = str(kind === "email" ? r.messageid : r.globalobjectid);
      const at = kind === "email" ? (str(r.senton) ?? str(r.actualend) ?? str(r.createdon)) : str(r.scheduledstart);
      out.set(aid, { id: aid, kind, key, at, contactIds: [] });
    }
  }
  for (const a of out.values()) a.contactIds = [...(links.get(a.id) ?? [])].sort();
  return [...out.values()];
}

/** Keys (normalised) of the given items that already have an activity in Dataverse. */
export async function existingKeys(gateway: DataverseGateway, kind: "email" | "meeting", keys: readonly string[]): Promise<Set<string>> {
  const table = kind === "email" ? "email" : "appointment";
  const column = kind === "email" ? "messageid" : "globalobjectid";
  const rows = await readIn(gateway, table, ["activityid", column], column, keys, undefined, true);
  return new Set(rows.map((r) => str(r[column])).filter((k): k is string => !!k).map((k) => normaliseKey(kind, k)));
}
