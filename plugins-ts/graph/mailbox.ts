/**
 * Reads one mailbox through Microsoft Graph with the least data that answers "who did this user
 * mail and meet, and when": message headers (no body, no preview) and calendar-view events (no
 * body), with the ReadBasic permissions. The whole window is listed once per mailbox and matched
 * against the contacts' addresses locally, rather than one query per contact.
 */
import { userSegment, type VitalsGraphClient } from "./client";

/** Message properties read: identity, time, people, subject (for a logged activity's subject). */
export const MESSAGE_SELECT = ["internetMessageId", "subject", "sentDateTime", "receivedDateTime", "from", "toRecipients", "ccRecipients", "isDraft"] as const;
/** Event properties read. */
export const EVENT_SELECT = ["iCalUId", "subject", "start", "end", "organizer", "attendees", "isCancelled", "location"] as const;

/** Rows per page asked of Graph (it may return fewer). */
export const PAGE_SIZE = 250;

export interface MailParty {
  address: string;
  name: string;
}

export interface MailItem {
  kind: "email";
  /** RFC 5322 Message-ID as Graph gives it (`<…@…>`). */
  key: string;
  subject: string;
  /** ISO-8601 UTC. */
  at: string;
  from: MailParty | null;
  to: MailParty[];
  cc: MailParty[];
  /** The mailbox the copy was read from. */
  mailbox: string;
}

export interface MeetingItem {
  kind: "meeting";
  /** Graph `iCalUId` (unique per occurrence). */
  key: string;
  subject: string;
  start: string;
  end: string;
  organizer: MailParty | null;
  attendees: MailParty[];
  location: string;
  mailbox: string;
}

export type EngagementItem = MailItem | MeetingItem;

interface GraphAddress {
  emailAddress?: { address?: string | null; name?: string | null } | null;
}
interface GraphMessage {
  internetMessageId?: string | null;
  subject?: string | null;
  sentDateTime?: string | null;
  receivedDateTime?: string | null;
  from?: GraphAddress | null;
  toRecipients?: GraphAddress[] | null;
  ccRecipients?: GraphAddress[] | null;
  isDraft?: boolean | null;
}
interface GraphEvent {
  iCalUId?: string | null;
  subject?: string | null;
  start?: { dateTime?: string; timeZone?: string } | null;
  end?: { dateTime?: string; timeZone?: string } | null;
  organizer?: GraphAddress | null;
  attendees?: GraphAddress[] | null;
  isCancelled?: boolean | null;
  location?: { displayName?: string | null } | null;
}

function party(a: GraphAddress | null | undefined): MailParty | null {
  const address = a?.emailAddress?.address?.trim();
  if (!address) return null;
  return { address: address.toLowerCase(), name: a?.emailAddress?.name?.trim() || address };
}

function parties(list: GraphAddress[] | null | undefined): MailParty[] {
  return (list ?? []).map(party).filter((p): p is MailParty => p !== null);
}

/** Graph's `dateTimeTimeZone` in UTC (`2026-11-20T09:00:00.0000000`) → ISO-8601 with Z. */
export function utcFromGraph(v: { dateTime?: string; timeZone?: string } | null | undefined): string | null {
  if (!v?.dateTime) return null;
  if (v.timeZone && v.timeZone.toUpperCase() !== "UTC") return null;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(v.dateTime) ? v.dateTime : `${v.dateTime}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export interface WindowOptions {
  since: Date;
  until: Date;
  /** Items per page asked of Graph (default PAGE_SIZE). */
  pageSize?: number;
}

/** Sent and received mail of the window (drafts excluded), headers only. */
export async function listMail(graph: VitalsGraphClient, mailbox: string, o: WindowOptions): Promise<MailItem[]> {
  const rows = await graph.list<GraphMessage>(
    `/users/${userSegment(mailbox)}/messages`,
    {
      $select: MESSAGE_SELECT.join(","),
      $filter: `receivedDateTime ge ${o.since.toISOString()} and receivedDateTime lt ${o.until.toISOString()} and isDraft eq false`,
      $orderby: "receivedDateTime desc",
      $top: String(o.pageSize ?? PAGE_SIZE),
    },
    "mail",
  );
  const out: MailItem[] = [];
  for (const m of rows) {
    if (m.isDraft || !m.internetMessageId) continue;
    const at = m.sentDateTime ?? m.receivedDateTime;
    if (!at) continue;
    out.push({ kind: "email", key: m.internetMessageId, subject: m.subject ?? "", at: new Date(at).toISOString(), from: party(m.from), to: parties(m.toRecipients), cc: parties(m.ccRecipients), mailbox });
  }
  return out;
}

/** Meetings of the window (occurrences expanded by calendarView; cancelled ones left out). */
export async function listMeetings(graph: VitalsGraphClient, mailbox: string, o: WindowOptions): Promise<MeetingItem[]> {
  const rows = await graph.list<GraphEvent>(
    `/users/${userSegment(mailbox)}/calendarView`,
    { startDateTime: o.since.toISOString(), endDateTime: o.until.toISOString(), $select: EVENT_SELECT.join(","), $top: String(o.pageSize ?? PAGE_SIZE) },
    "calendar",
  );
  const out: MeetingItem[] = [];
  for (const e of rows) {
    if (e.isCancelled || !e.iCalUId) continue;
    const start = utcFromGraph(e.start);
    const end = utcFromGraph(e.end);
    if (!start || !end) continue;
    out.push({
      kind: "meeting",
      key: e.iCalUId,
      subject: e.subject ?? "",
      start,
      end,
      organizer: party(e.organizer),
      attendees: parties(e.attendees),
      location: e.location?.displayName ?? "",
      mailbox,
    });
  }
  return out;
}
