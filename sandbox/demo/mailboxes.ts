/**
 * Demo Outlook mailboxes generated alongside the demo organisation, with the ground truth of
 * unlogged engagement. For a sample of each owner's contacts it writes mail and meetings in the
 * window; each item is either
 *  - logged by id: an email activity with `messageid` = internetMessageId (an appointment with
 *    `globalobjectid` = iCalUId) and the contact as a party — what the App for Outlook does;
 *  - logged by hand: an activity with the contact as a party at a nearby time but no id;
 *  - not logged: only in Outlook.
 * Noise that must not count: drafts, cancelled meetings, meetings still to come, mail older than the
 * window, internal mail between colleagues, and copies of one message in two mailboxes.
 *
 * Generated activities name the contact as a party, never as the regarding record, so the demo
 * organisation's own ground truth (last activity per record) is unchanged; the ground truth's clean
 * contacts get only logged mail and meetings, so they stay clean.
 */
import type { Row } from "../emulator/store";
import type { StandInEvent, StandInMailbox, StandInMessage, GraphRecipient } from "../graph/types";
import type { DemoOrg } from "./generate";
import { Rng } from "./rng";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const VALID = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i;

export interface EngagementTruth {
  unloggedEmails: number;
  unloggedMeetings: number;
  loggedEmails: number;
  loggedMeetings: number;
}

export interface MailGroundTruth {
  now: string;
  windowDays: number;
  /** Per compared contact (owner enabled with a mailbox): what a correct comparison finds. */
  contacts: Record<string, EngagementTruth>;
  /** Contacts whose owner's mailbox cannot be read (disabled owner, no Exchange mailbox). */
  notCompared: string[];
  /** Owners whose mailbox is not enabled (Graph: MailboxNotEnabledForRESTAPI). */
  mailboxNotEnabled: string[];
  totals: EngagementTruth;
}

export interface DemoMail {
  mailboxes: StandInMailbox[];
  /** Rows to load into the emulator: email, appointment, activityparty. */
  rows: { email: Row[]; appointment: Row[]; activityparty: Row[] };
  truth: MailGroundTruth;
}

export interface DemoMailOptions {
  seed?: number;
  /** Days compared (default 30). */
  windowDays?: number;
  /** Contacts with traffic per owner (default 25). */
  contactsPerOwner?: number;
}

const SUBJECTS = ["Proposal follow-up", "Quick question about the renewal", "Meeting notes", "Pricing for next year", "Re: support ticket", "Intro call", "Contract draft", "Site visit", "Quarterly review", "Product demo"];

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
function graphDate(ms: number): { dateTime: string; timeZone: "UTC" } {
  return { dateTime: new Date(ms).toISOString().replace(/\.\d{3}Z$/, ".0000000").replace(/Z$/, ""), timeZone: "UTC" };
}

export function generateDemoMail(org: DemoOrg, opts: DemoMailOptions = {}): DemoMail {
  const seed = opts.seed ?? org.groundTruth.seed;
  const windowDays = opts.windowDays ?? 30;
  const perOwner = opts.contactsPerOwner ?? 25;
  const now = Date.parse(org.groundTruth.now);
  const since = now - windowDays * DAY;
  const rng = new Rng(seed, "mailboxes");

  const users = org.tables.systemuser;
  const userByKey = new Map(org.people.users.map((u) => [u.key, u]));
  const noMailbox = new Set([userByKey.get("rep5")?.systemuserid].filter((x): x is string => !!x));
  const mailboxes = new Map<string, StandInMailbox>();
  for (const u of users) {
    const address = typeof u.internalemailaddress === "string" ? u.internalemailaddress : null;
    if (!address) continue;
    mailboxes.set(String(u.systemuserid), {
      id: String(u.azureactivedirectoryobjectid),
      userPrincipalName: String(u.domainname),
      displayName: String(u.fullname),
      mail: address,
      mailboxEnabled: !noMailbox.has(String(u.systemuserid)),
      messages: [],
      events: [],
    });
  }
  const userInfo = new Map(users.map((u) => [String(u.systemuserid), { disabled: u.isdisabled === true, name: String(u.fullname), address: typeof u.internalemailaddress === "string" ? u.internalemailaddress.toLowerCase() : null }]));

  // Contacts in scope: active, with an address; compared when the owner is an enabled user with a mailbox.
  const contacts = org.tables.contact.filter((c) => c.statecode === 0);
  const emailsOf = (c: Row): string[] => [...new Set([c.emailaddress1, c.emailaddress2, c.emailaddress3].filter((e): e is string => typeof e === "string" && e.includes("@")).map((e) => e.trim().toLowerCase()))];
  const teamOwned = (c: Row) => c._owningteam_value != null && c._owningteam_value === c._ownerid_value;
  const compared = new Set<string>();
  const notCompared: string[] = [];
  for (const c of contacts) {
    if (!emailsOf(c).length) continue;
    const owner = String(c._ownerid_value);
    const info = userInfo.get(owner);
    if (!teamOwned(c) && info && !info.disabled && info.address && mailboxes.get(owner)?.mailboxEnabled) compared.add(String(c.contactid));
    else notCompared.push(String(c.contactid));
  }
  const byAddress = new Map<string, string[]>();
  for (const c of contacts) {
    if (!compared.has(String(c.contactid))) continue;
    for (const e of emailsOf(c)) byAddress.set(e, [...(byAddress.get(e) ?? []), String(c.contactid)]);
  }

  // Days already holding an email/appointment regarding a contact, per address (contacts that share an
  // address share its items), kept clear of new items so no match is accidental.
  const addressesOf = new Map(contacts.map((c) => [String(c.contactid), emailsOf(c)]));
  const busy = new Map<string, Set<number>>();
  const markBusy = (address: string, kind: string, ms: number) => {
    const k = `${address}:${kind}`;
    const s = busy.get(k) ?? new Set<number>();
    for (const d of [-1, 0, 1]) s.add(Math.floor(ms / DAY) + d);
    busy.set(k, s);
  };
  for (const kind of ["email", "appointment"] as const) {
    for (const a of org.tables[kind] ?? []) {
      const when = kind === "email" ? (a.actualend ?? a.createdon) : a.scheduledstart;
      const t = typeof when === "string" ? Date.parse(when) : NaN;
      if (typeof a._regardingobjectid_value !== "string" || Number.isNaN(t)) continue;
      for (const address of addressesOf.get(a._regardingobjectid_value) ?? []) markBusy(address, kind === "email" ? "email" : "meeting", t);
    }
  }
  /** Days with a generated item, per address. */
  const usedDays = new Map<string, Set<number>>();

  const rows: DemoMail["rows"] = { email: [], appointment: [], activityparty: [] };
  const truth: Record<string, EngagementTruth> = {};
  for (const id of compared) truth[id] = { unloggedEmails: 0, unloggedMeetings: 0, loggedEmails: 0, loggedMeetings: 0 };
  const count = (addresses: string[], kind: "email" | "meeting", logged: boolean) => {
    const ids = new Set(addresses.flatMap((a) => byAddress.get(a) ?? []));
    for (const id of ids) {
      const t = truth[id];
      if (kind === "email") {
        if (logged) t.loggedEmails++;
        else t.unloggedEmails++;
      } else if (logged) t.loggedMeetings++;
      else t.unloggedMeetings++;
    }
  };
  const recipient = (address: string, name: string): GraphRecipient => ({ emailAddress: { address, name } });

  // The demo's clean records stay clean: their mail and meetings are all logged.
  const clean = new Set(org.groundTruth.clean.filter((c) => c.table === "contact").map((c) => c.id));
  let serial = 0;
  const party = (activityId: string, address: string, mask: number, contactId: string | null, userId: string | null, owner: Row): Row => ({
    activitypartyid: rng.guid(),
    _activityid_value: activityId,
    _partyid_value: contactId ?? userId,
    "_partyid_value@Microsoft.Dynamics.CRM.lookuplogicalname": contactId ? "contact" : userId ? "systemuser" : null,
    participationtypemask: mask,
    addressused: address,
    ispartydeleted: false,
    _ownerid_value: owner._ownerid_value,
  });

  const owners = [...new Set(contacts.filter((c) => compared.has(String(c.contactid)) || notCompared.includes(String(c.contactid))).map((c) => String(c._ownerid_value)))].sort();
  for (const ownerId of owners) {
    const box = mailboxes.get(ownerId);
    const info = userInfo.get(ownerId);
    if (!box || !info?.address) continue;
    const mine = contacts.filter((c) => String(c._ownerid_value) === ownerId && !teamOwned(c) && emailsOf(c).some((e) => VALID.test(e)));
    const chosen = mine.slice(0, perOwner * 4).filter(() => rng.chance(0.5)).slice(0, perOwner);
    const colleague = [...mailboxes.entries()].find(([uid, b]) => uid !== ownerId && b.mailboxEnabled && !userInfo.get(uid)?.disabled);
    for (const c of chosen) {
      const cid = String(c.contactid);
      const address = emailsOf(c).find((e) => VALID.test(e))!;
      const name = typeof c.fullname === "string" ? c.fullname : address;
      const isCompared = compared.has(cid);
      const used = usedDays.get(address) ?? new Set<number>();
      usedDays.set(address, used);
      const freeDay = (kind: "email" | "meeting"): number | null => {
        const taken = busy.get(`${address}:${kind}`) ?? new Set<number>();
        for (let tries = 0; tries < 20; tries++) {
          const day = Math.floor((since + DAY) / DAY) + rng.int(0, windowDays - 3);
          if (!taken.has(day) && !used.has(day) && !used.has(day - 1) && !used.has(day + 1)) {
            used.add(day);
            return day;
          }
        }
        return null;
      };
      const owner: Row = { _ownerid_value: ownerId };

      for (let n = rng.int(0, 4); n > 0; n--) {
        const day = freeDay("email");
        if (day === null) break;
        const at = day * DAY + rng.int(8, 17) * HOUR + rng.int(0, 59) * 60_000;
        const outgoing = rng.chance(0.5);
        const key = `<${(++serial).toString(36)}.${rng.u32().toString(36)}@${outgoing ? "contoso.onmicrosoft.com" : address.split("@")[1]}>`;
        const withColleague = colleague && rng.chance(0.15);
        const from = outgoing ? recipient(info.address, info.name) : recipient(address, name);
        const to = outgoing ? [recipient(address, name)] : [recipient(info.address, info.name)];
        const cc = withColleague ? [recipient(colleague[1].mail, colleague[1].displayName)] : [];
        const subject = rng.pick(SUBJECTS);
        const msg = (folder: StandInMessage["folder"]): StandInMessage => ({
          id: `AAMk${rng.u32().toString(16)}${serial}`, internetMessageId: key, subject, sentDateTime: iso(at), receivedDateTime: iso(at + 5000),
          from, toRecipients: to, ccRecipients: cc, isDraft: false, conversationId: `conv-${serial}`, folder,
          body: { contentType: "html", content: `<p>${subject}</p>` }, bodyPreview: subject,
        });
        box.messages.push(msg(outgoing ? "sentitems" : "inbox"));
        if (withColleague && colleague[1].mailboxEnabled) colleague[1].messages.push(msg("inbox"));
        const fate = clean.has(cid) ? rng.float() * 0.5 : rng.float();
        const logged = fate < 0.5;
        if (logged) {
          const activityid = rng.guid();
          const byKey = fate < 0.35;
          rows.email.push({
            activityid, subject, messageid: byKey ? key : null, senton: byKey ? iso(at) : null, actualend: iso(byKey ? at : at + rng.int(-3, 3) * HOUR),
            directioncode: outgoing, statecode: 1, statuscode: 2, prioritycode: 1, sender: from.emailAddress.address, torecipients: to.map((r) => r.emailAddress.address).join(";"),
            _ownerid_value: ownerId, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser", createdon: iso(at + HOUR), modifiedon: iso(at + HOUR),
          });
          rows.activityparty.push(
            party(activityid, from.emailAddress.address, 1, outgoing ? null : cid, outgoing ? ownerId : null, owner),
            party(activityid, to[0].emailAddress.address, 2, outgoing ? cid : null, outgoing ? null : ownerId, owner),
          );
        }
        if (isCompared) count([from, ...to, ...cc].map((r) => r.emailAddress.address.toLowerCase()), "email", logged);
      }

      for (let n = rng.int(0, 2); n > 0; n--) {
        const day = freeDay("meeting");
        if (day === null) break;
        const start = day * DAY + rng.int(8, 16) * HOUR;
        const end = start + HOUR;
        const key = `040000008200E00074C5B7101A82E008${rng.u32().toString(16).padStart(8, "0")}${(++serial).toString(16).padStart(8, "0")}`;
        const subject = rng.pick(["Quarterly review", "Product demo", "Site visit", "Kick-off", "Negotiation"]);
        box.events.push({
          id: `AAMkEv${serial}`, iCalUId: key, subject, start: graphDate(start), end: graphDate(end),
          organizer: recipient(info.address, info.name),
          attendees: [{ emailAddress: { address, name }, type: "required", status: { response: "accepted", time: iso(start - DAY) } }],
          isCancelled: false, isAllDay: false, showAs: "busy", type: "singleInstance", location: { displayName: "Microsoft Teams" },
          body: { contentType: "html", content: "<p>Agenda</p>" }, bodyPreview: "Agenda",
        });
        const fate = clean.has(cid) ? rng.float() * 0.5 : rng.float();
        const logged = fate < 0.5;
        if (logged) {
          const activityid = rng.guid();
          const byKey = fate < 0.35;
          const logStart = byKey ? start : start + rng.int(-2, 2) * 15 * 60_000;
          rows.appointment.push({
            activityid, subject, globalobjectid: byKey ? key : null, scheduledstart: iso(logStart), scheduledend: iso(logStart + HOUR), actualstart: iso(logStart), actualend: iso(logStart + HOUR),
            location: "Microsoft Teams", statecode: 1, statuscode: 3, prioritycode: 1,
            _ownerid_value: ownerId, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser", createdon: iso(start - 2 * DAY), modifiedon: iso(end),
          });
          rows.activityparty.push(party(activityid, info.address, 7, null, ownerId, owner), party(activityid, address, 5, cid, null, owner));
        }
        if (isCompared) count([info.address, address], "meeting", logged);
      }

      // Noise that must not count.
      if (rng.chance(0.2)) {
        box.messages.push({
          id: `AAMkDraft${++serial}`, internetMessageId: `<draft${serial}@contoso.onmicrosoft.com>`, subject: "Draft", sentDateTime: iso(now - 2 * DAY), receivedDateTime: iso(now - 2 * DAY),
          from: recipient(info.address, info.name), toRecipients: [recipient(address, name)], ccRecipients: [], isDraft: true, conversationId: `conv-${serial}`, folder: "drafts",
          body: { contentType: "html", content: "" }, bodyPreview: "",
        });
      }
      if (rng.chance(0.2)) {
        const old = since - rng.int(2, 20) * DAY;
        box.messages.push({
          id: `AAMkOld${++serial}`, internetMessageId: `<old${serial}@contoso.onmicrosoft.com>`, subject: "Old thread", sentDateTime: iso(old), receivedDateTime: iso(old),
          from: recipient(info.address, info.name), toRecipients: [recipient(address, name)], ccRecipients: [], isDraft: false, conversationId: `conv-${serial}`, folder: "sentitems",
          body: { contentType: "html", content: "" }, bodyPreview: "",
        });
      }
      if (rng.chance(0.2)) {
        const future = now + rng.int(1, 10) * DAY;
        const cancelled = rng.chance(0.5);
        const start = cancelled ? since + rng.int(3, windowDays - 3) * DAY : future;
        const ev: StandInEvent = {
          id: `AAMkEvN${++serial}`, iCalUId: `NOISE${serial}`, subject: cancelled ? "Cancelled: catch-up" : "Upcoming call", start: graphDate(start), end: graphDate(start + HOUR),
          organizer: recipient(info.address, info.name), attendees: [{ emailAddress: { address, name }, type: "required", status: { response: "none", time: iso(start - DAY) } }],
          isCancelled: cancelled, isAllDay: false, showAs: "busy", type: "singleInstance", location: { displayName: "" }, body: { contentType: "html", content: "" }, bodyPreview: "",
        };
        box.events.push(ev);
      }
    }
    // Internal mail between colleagues (no contact involved).
    if (colleague) {
      for (let n = rng.int(1, 3); n > 0; n--) {
        const at = since + rng.int(1, windowDays - 1) * DAY + 10 * HOUR;
        box.messages.push({
          id: `AAMkInt${++serial}`, internetMessageId: `<int${serial}@contoso.onmicrosoft.com>`, subject: "Pipeline review", sentDateTime: iso(at), receivedDateTime: iso(at),
          from: recipient(info.address, info.name), toRecipients: [recipient(colleague[1].mail, colleague[1].displayName)], ccRecipients: [], isDraft: false, conversationId: `conv-${serial}`, folder: "sentitems",
          body: { contentType: "html", content: "" }, bodyPreview: "",
        });
      }
    }
  }

  const totals: EngagementTruth = { unloggedEmails: 0, unloggedMeetings: 0, loggedEmails: 0, loggedMeetings: 0 };
  for (const t of Object.values(truth)) {
    totals.unloggedEmails += t.unloggedEmails;
    totals.unloggedMeetings += t.unloggedMeetings;
    totals.loggedEmails += t.loggedEmails;
    totals.loggedMeetings += t.loggedMeetings;
  }
  for (const b of mailboxes.values()) b.messages.sort((a, b2) => (a.receivedDateTime < b2.receivedDateTime ? 1 : -1));
  return {
    mailboxes: [...mailboxes.values()],
    rows,
    truth: {
      now: iso(now),
      windowDays,
      contacts: truth,
      notCompared,
      mailboxNotEnabled: [...noMailbox].map((id) => userInfo.get(id)?.name ?? id),
      totals,
    },
  };
}
