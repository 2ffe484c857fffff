/**
 * Logs unlogged Outlook items as Dataverse activities, idempotently: an email activity carries the
 * message's `internetMessageId` in `messageid`, an appointment the event's `iCalUId` in
 * `globalobjectid`, and before anything is created the gateway is asked which of those ids already
 * exist — so running it again (or after a crash half-way) creates nothing twice.
 *
 * Each activity is created completed, owned by the user whose mailbox held the item, regarding the
 * (first) contact, with its parties: contacts and users resolved from their addresses, other
 * addresses kept as unresolved parties (`addressused`). No body is written (none was read).
 */
import type { DataverseGateway, Row, WriteOutcome } from "../dataverse/gateway";
import { normaliseKey, type ScopeContact } from "./gap";
import type { EngagementItem, MailItem, MailParty, MeetingItem } from "./mailbox";
import { existingKeys, PARTICIPATION, type Owner } from "./dataverse";

export interface LogRequest {
  item: EngagementItem;
  /** Contacts the item involves (the first becomes the regarding record). */
  contactIds: string[];
  /** The user whose mailbox held the item: owner of the new activity. */
  ownerId: string;
}

export interface LogReport {
  created: { emails: number; meetings: number };
  /** Already in Dataverse (by messageid / globalobjectid) when logging started. */
  alreadyLogged: number;
  failed: Array<{ key: string; kind: "email" | "meeting"; message: string }>;
  /** Normalised keys of the items that are in Dataverse after this run (created or already there). */
  inDataverse: Set<string>;
}

interface Resolver {
  contactByAddress: Map<string, string>;
  userByAddress: Map<string, string>;
}

function partyRow(p: MailParty, mask: number, r: Resolver): Row {
  const contact = r.contactByAddress.get(p.address);
  if (contact) return { [`partyid_contact@odata.bind`]: `/contacts(${contact})`, participationtypemask: mask, addressused: p.address };
  const user = r.userByAddress.get(p.address);
  if (user) return { [`partyid_systemuser@odata.bind`]: `/systemusers(${user})`, participationtypemask: mask, addressused: p.address };
  return { participationtypemask: mask, addressused: p.address };
}

/** Truncates to a column's maximum length. */
function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

/** The Web API body that creates an email activity with its parties. Pure. */
export function emailBody(m: MailItem, contactIds: readonly string[], ownerId: string, r: Resolver): Row {
  const outgoing = !!m.from && r.userByAddress.has(m.from.address);
  const parties = [
    ...(m.from ? [partyRow(m.from, PARTICIPATION.sender, r)] : []),
    ...m.to.map((p) => partyRow(p, PARTICIPATION.to, r)),
    ...m.cc.map((p) => partyRow(p, PARTICIPATION.cc, r)),
  ];
  return {
    subject: clip(m.subject || "(no subject)", 400),
    messageid: m.key,
    directioncode: outgoing,
    actualend: m.at,
    statecode: 1,
    "regardingobjectid_contact_email@odata.bind": `/contacts(${contactIds[0]})`,
    "ownerid@odata.bind": `/systemusers(${ownerId})`,
    email_activity_parties: parties,
  } as unknown as Row;
}

/** The Web API body that creates a completed appointment with organizer and attendees. Pure. */
export function appointmentBody(e: MeetingItem, contactIds: readonly string[], ownerId: string, r: Resolver): Row {
  const parties = [
    ...(e.organizer ? [partyRow(e.organizer, PARTICIPATION.organizer, r)] : []),
    ...e.attendees.filter((a) => a.address !== e.organizer?.address).map((a) => partyRow(a, PARTICIPATION.required, r)),
  ];
  return {
    subject: clip(e.subject || "(no subject)", 400),
    globalobjectid: e.key,
    scheduledstart: e.start,
    scheduledend: e.end,
    actualstart: e.start,
    actualend: e.end,
    location: clip(e.location, 200),
    statecode: 1,
    "regardingobjectid_contact_appointment@odata.bind": `/contacts(${contactIds[0]})`,
    "ownerid@odata.bind": `/systemusers(${ownerId})`,
    appointment_activity_parties: parties,
  } as unknown as Row;
}

export function resolver(contacts: readonly ScopeContact[], owners: ReadonlyMap<string, Owner>): Resolver {
  const contactByAddress = new Map<string, string>();
  for (const c of contacts) for (const e of c.emails) if (!contactByAddress.has(e)) contactByAddress.set(e, c.id);
  const userByAddress = new Map<string, string>();
  for (const o of owners.values()) if (o.email) userByAddress.set(o.email, o.id);
  return { contactByAddress, userByAddress };
}

export async function logActivities(
  gateway: DataverseGateway,
  requests: readonly LogRequest[],
  r: Resolver,
  onProgress?: (done: number, total: number) => void,
): Promise<LogReport> {
  const report: LogReport = { created: { emails: 0, meetings: 0 }, alreadyLogged: 0, failed: [], inDataverse: new Set() };
  // One request per distinct item.
  const distinct = new Map<string, LogRequest>();
  for (const q of requests) {
    const k = `${q.item.kind}:${normaliseKey(q.item.kind, q.item.key)}`;
    if (!distinct.has(k)) distinct.set(k, q);
  }
  for (const kind of ["email", "meeting"] as const) {
    const todo = [...distinct.values()].filter((q) => q.item.kind === kind);
    if (!todo.length) continue;
    const existing = await existingKeys(gateway, kind, todo.map((q) => q.item.key));
    const fresh = todo.filter((q) => !existing.has(normaliseKey(kind, q.item.key)));
    report.alreadyLogged += todo.length - fresh.length;
    for (const k of existing) report.inDataverse.add(`${kind}:${k}`);
    const bodies = fresh.map((q) => (kind === "email" ? emailBody(q.item as MailItem, q.contactIds, q.ownerId, r) : appointmentBody(q.item as MeetingItem, q.contactIds, q.ownerId, r)));
    for (let i = 0; i < bodies.length; i += 100) {
      const slice = bodies.slice(i, i + 100);
      const outcomes: WriteOutcome[] = await gateway.createMany(kind === "email" ? "email" : "appointment", slice, { batchSize: 100 });
      outcomes.forEach((o, j) => {
        const q = fresh[i + j];
        if (o.ok) {
          if (kind === "email") report.created.emails++;
          else report.created.meetings++;
          report.inDataverse.add(`${kind}:${normaliseKey(kind, q.item.key)}`);
        } else {
          report.failed.push({ key: q.item.key, kind, message: o.error.message });
        }
      });
      onProgress?.(Math.min(i + slice.length, bodies.length), bodies.length);
    }
  }
  return report;
}
