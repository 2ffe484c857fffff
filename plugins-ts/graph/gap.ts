/**
 * The activity-capture gap, pure: which mail and meetings with each contact (read from the owners'
 * mailboxes) have no email or appointment activity in Dataverse.
 *
 * An Outlook item is logged when
 *  1. an activity carries its identity: email `messageid` = the message's `internetMessageId`,
 *     appointment `globalobjectid` = the event's `iCalUId` (what the App for Outlook, server-side
 *     synchronisation and CRM Vitals' own logging write); or
 *  2. an activity of the same kind has the contact as a party or as its regarding record, and its
 *     time is close to the item's (email: within 12 hours of sending; meeting: a start within 1 hour)
 *     — a rep who typed the activity in by hand. Each activity accounts for one item at most,
 *     the closest in time first.
 * Mail is counted once however many mailboxes hold a copy (same internetMessageId), meetings once
 * per iCalUId. Only items inside the window count; meetings that have not started yet do not.
 */
import type { EngagementItem } from "./mailbox";

export const EMAIL_TOLERANCE_MS = 12 * 3600_000;
export const MEETING_TOLERANCE_MS = 3600_000;

export interface ScopeContact {
  id: string;
  name: string;
  /** Lower-case addresses (emailaddress1..3). */
  emails: string[];
  ownerId: string;
  ownerType: "systemuser" | "team";
}

/** An email or appointment activity in Dataverse, as far as matching needs it. */
export interface LoggedActivity {
  id: string;
  kind: "email" | "meeting";
  /** messageid / globalobjectid, when set. */
  key: string | null;
  /** senton / actualend / createdon for email; scheduledstart for appointments (ISO). */
  at: string | null;
  /** Contacts linked as party or regarding. */
  contactIds: string[];
}

export interface ContactGap {
  contactId: string;
  unlogged: EngagementItem[];
  loggedEmails: number;
  loggedMeetings: number;
}

export interface GapResult {
  /** One entry per contact in scope, also when nothing was found. */
  byContact: Map<string, ContactGap>;
  /** Distinct items relevant to some contact. */
  items: number;
}

/** Message ids compare without angle brackets and case; iCalUIds compare exactly but trimmed. */
export function normaliseKey(kind: "email" | "meeting", key: string): string {
  const k = key.trim();
  return kind === "email" ? k.replace(/^<|>$/g, "").toLowerCase() : k;
}

function itemTime(i: EngagementItem): number {
  return Date.parse(i.kind === "email" ? i.at : i.start);
}

function addressesOf(i: EngagementItem): string[] {
  if (i.kind === "email") return [i.from?.address, ...i.to.map((p) => p.address), ...i.cc.map((p) => p.address)].filter((a): a is string => !!a);
  return [i.organizer?.address, ...i.attendees.map((p) => p.address)].filter((a): a is string => !!a);
}

export interface GapInput {
  contacts: readonly ScopeContact[];
  items: readonly EngagementItem[];
  logged: readonly LoggedActivity[];
  since: Date;
  now: Date;
}

export function computeGap(input: GapInput): GapResult {
  const since = input.since.getTime();
  const now = input.now.getTime();
  const byAddress = new Map<string, string[]>();
  for (const c of input.contacts) {
    for (const e of c.emails) {
      const list = byAddress.get(e) ?? [];
      if (!list.includes(c.id)) list.push(c.id);
      byAddress.set(e, list);
    }
  }
  // Distinct relevant items (first copy wins; copies carry the same headers).
  const distinct = new Map<string, { item: EngagementItem; contacts: string[] }>();
  for (const item of input.items) {
    const t = itemTime(item);
    if (!(t >= since && t <= now)) continue;
    const k = `${item.kind}:${normaliseKey(item.kind, item.key)}`;
    if (distinct.has(k)) continue;
    const contacts = [...new Set(addressesOf(item).flatMap((a) => byAddress.get(a.toLowerCase()) ?? []))];
    if (contacts.length) distinct.set(k, { item, contacts });
  }

  const keyed = new Set(input.logged.filter((a) => a.key).map((a) => `${a.kind}:${normaliseKey(a.kind, a.key!)}`));
  const byContact = new Map<string, ContactGap>(input.contacts.map((c) => [c.id, { contactId: c.id, unlogged: [], loggedEmails: 0, loggedMeetings: 0 }]));

  // Activities per contact and kind, for matching by party/regarding and time.
  const free = new Map<string, LoggedActivity[]>();
  for (const a of input.logged) {
    if (a.key && keyed.has(`${a.kind}:${normaliseKey(a.kind, a.key)}`) && distinct.has(`${a.kind}:${normaliseKey(a.kind, a.key)}`)) continue; // used by its own item
    for (const c of a.contactIds) {
      const k = `${c}:${a.kind}`;
      const list = free.get(k) ?? [];
      list.push(a);
      free.set(k, list);
    }
  }
  // Closest pairs first: every (item, activity) within tolerance, by time apart, then ids for stability.
  const pairs: Array<{ item: string; activity: string; delta: number }> = [];
  for (const [k, { item, contacts }] of distinct) {
    if (keyed.has(k)) continue;
    const t = itemTime(item);
    const tolerance = item.kind === "email" ? EMAIL_TOLERANCE_MS : MEETING_TOLERANCE_MS;
    const seen = new Set<string>();
    for (const c of contacts) {
      for (const a of free.get(`${c}:${item.kind}`) ?? []) {
        if (seen.has(a.id) || !a.at) continue;
        seen.add(a.id);
        const delta = Math.abs(Date.parse(a.at) - t);
        if (delta <= tolerance) pairs.push({ item: k, activity: a.id, delta });
      }
    }
  }
  pairs.sort((x, y) => x.delta - y.delta || (x.item < y.item ? -1 : x.item > y.item ? 1 : x.activity < y.activity ? -1 : 1));
  const usedActivities = new Set<string>();
  const matched = new Set<string>();
  for (const p of pairs) {
    if (matched.has(p.item) || usedActivities.has(p.activity)) continue;
    matched.add(p.item);
    usedActivities.add(p.activity);
  }
  for (const [k, { item, contacts }] of distinct) {
    const logged = keyed.has(k) || matched.has(k);
    for (const c of contacts) {
      const g = byContact.get(c)!;
      if (!logged) g.unlogged.push(item);
      else if (item.kind === "email") g.loggedEmails++;
      else g.loggedMeetings++;
    }
  }
  return { byContact, items: distinct.size };
}

export function countUnlogged(g: ContactGap): { emails: number; meetings: number; last: string | null } {
  let emails = 0;
  let meetings = 0;
  let last: string | null = null;
  for (const i of g.unlogged) {
    if (i.kind === "email") emails++;
    else meetings++;
    const at = i.kind === "email" ? i.at : i.start;
    if (!last || at > last) last = at;
  }
  return { emails, meetings, last };
}
