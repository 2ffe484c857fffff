/**
 * One activity-capture run: contacts in scope → their owners' mailboxes (Graph, headers only) →
 * the activities already in Dataverse → the gap per contact → optionally log what is missing →
 * one `vit_activitygap` row per compared contact (counts only), which the audit, the panel and the
 * readiness scorecard read as the engagement finding.
 *
 * Owners whose Dataverse mailbox does not synchronise (mailboxSync.ts) are reported with their
 * mailbox's state, so their gap reads as "mailbox not synchronising since …", not as not logging.
 *
 * Off unless the environment variable vit_GraphIntegrationEnabled is yes.
 */
import { readEnvironmentVariable } from "../audit/settings";
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { mapLimit } from "../dataverse/resilience";
import { describeEngagement } from "../engine";
import { GraphAccessError, type VitalsGraphClient } from "./client";
import { readLogged, readScope, type Owner } from "./dataverse";
import { computeGap, countUnlogged, normaliseKey, type ContactGap, type ScopeContact } from "./gap";
import { logActivities, resolver, type LogReport, type LogRequest } from "./log";
import { listMail, listMeetings, type EngagementItem } from "./mailbox";
import { describeMailboxSync, readMailboxStates, type MailboxSync } from "./mailboxSync";
import { GAP_COLUMNS, GAP_TABLE } from "./model";
import { GRAPH_INTEGRATION_VARIABLE, isYes } from "./digest/recipients";

export const DEFAULT_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

export class CaptureDisabledError extends Error {
  constructor() {
    super(
      `activity capture is off: the environment variable ${GRAPH_INTEGRATION_VARIABLE} is not Yes. An administrator turns it on in ` +
        `Power Apps > Solutions > CRM Vitals > Environment variables once admin consent for the Microsoft Graph permissions is granted (see docs/activity-capture.md).`,
    );
    this.name = "CaptureDisabledError";
  }
}

export type CaptureProgress =
  | { phase: "scope"; contacts: number; owners: number }
  | { phase: "mailbox"; done: number; total: number; mailbox: string; items: number }
  | { phase: "compare"; activities: number }
  | { phase: "log"; done: number; total: number }
  | { phase: "store"; done: number; total: number };

export interface CaptureOptions {
  gateway: DataverseGateway;
  graph: VitalsGraphClient;
  now: Date;
  windowDays?: number;
  /** Only contacts of these owners (systemuser ids). */
  ownerIds?: readonly string[];
  /** Create the missing email and appointment activities. */
  log?: boolean;
  /** Write vit_activitygap rows (default true). */
  store?: boolean;
  /** Mailboxes read at once (default 4, Outlook's concurrency limit per mailbox is 4 per app). */
  concurrency?: number;
  /** Items per Graph page (default 250). */
  pageSize?: number;
  /** Skip the environment-variable check (the caller already checked it). */
  skipSwitchCheck?: boolean;
  onProgress?: (p: CaptureProgress) => void;
}

export interface ContactResult {
  contact: ScopeContact;
  /** The owner's name, for reports. */
  ownerName: string;
  unloggedEmails: number;
  unloggedMeetings: number;
  loggedEmails: number;
  loggedMeetings: number;
  lastUnloggedOn: string | null;
  /** Unlogged items (after logging, what is still missing). */
  items: EngagementItem[];
}

export interface CaptureReport {
  since: string;
  until: string;
  windowDays: number;
  contacts: number;
  mailboxesRead: number;
  /** Owners whose mailbox could not be read, and why (no mailbox, disabled, no address). */
  mailboxesSkipped: Array<{ owner: string; why: string }>;
  /** Contacts not compared because their owner's mailbox was not read (team-owned, skipped). */
  contactsNotCompared: number;
  itemsFound: number;
  totals: { unloggedEmails: number; unloggedMeetings: number; loggedEmails: number; loggedMeetings: number };
  results: ContactResult[];
  logged: LogReport | null;
  rowsWritten: number;
  graph: { requests: number; throttled: number; pages: number };
  /** Owners in scope whose mailbox does not synchronise (server-side synchronisation), with what their contacts miss. */
  mailboxSync: OwnerMailboxSync[];
  /** Why mailbox states are unknown (no read access to mailbox), or null. */
  mailboxStatesUnknown: string | null;
}

export interface OwnerMailboxSync {
  ownerId: string;
  ownerName: string;
  state: MailboxSync;
  /** "mailbox not synchronising since …: …" */
  text: string;
  contacts: number;
  unloggedEmails: number;
  unloggedMeetings: number;
}

export async function runCapture(o: CaptureOptions): Promise<CaptureReport> {
  const windowDays = o.windowDays ?? DEFAULT_WINDOW_DAYS;
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 365) throw new Error(`window must be a whole number of days from 1 to 365, got ${String(o.windowDays)}`);
  if (!o.skipSwitchCheck && !isYes(await readEnvironmentVariable(o.gateway, GRAPH_INTEGRATION_VARIABLE))) throw new CaptureDisabledError();
  const until = o.now;
  const since = new Date(until.getTime() - windowDays * DAY_MS);
  const progress = o.onProgress ?? (() => undefined);

  const { contacts, owners } = await readScope(o.gateway, { ownerIds: o.ownerIds });
  const ownerIdsInScope = [...new Set(contacts.filter((c) => c.ownerType === "systemuser").map((c) => c.ownerId))];
  progress({ phase: "scope", contacts: contacts.length, owners: ownerIdsInScope.length });

  const skipped: CaptureReport["mailboxesSkipped"] = [];
  const readable: Owner[] = [];
  for (const oid of ownerIdsInScope.sort()) {
    const owner = owners.get(oid);
    if (!owner) skipped.push({ owner: oid, why: "the owning user could not be read" });
    else if (owner.disabled) skipped.push({ owner: owner.name, why: "the user is disabled" });
    else if (!owner.mailbox) skipped.push({ owner: owner.name, why: "the user has no Entra object id or primary email" });
    else readable.push(owner);
  }
  const teamOwned = contacts.filter((c) => c.ownerType === "team").length;
  if (teamOwned) skipped.push({ owner: "teams", why: `${teamOwned} contacts are owned by teams, which have no mailbox` });

  const items: EngagementItem[] = [];
  const read = new Set<string>();
  let done = 0;
  await mapLimit(readable, o.concurrency ?? 4, async (owner) => {
    try {
      const window = { since, until, pageSize: o.pageSize };
      // One request at a time per mailbox: Graph's Retry-After holds for the app and mailbox, so a
      // second request in flight would come back too early while the first one waits.
      const mail = await listMail(o.graph, owner.mailbox!, window);
      const meetings = await listMeetings(o.graph, owner.mailbox!, window);
      items.push(...mail, ...meetings);
      read.add(owner.id);
      progress({ phase: "mailbox", done: ++done, total: readable.length, mailbox: owner.name, items: mail.length + meetings.length });
    } catch (err) {
      // A missing permission is tenant-wide: stop and say what to grant. One mailbox without
      // Exchange Online is that user's problem only.
      if (err instanceof GraphAccessError && err.status === 404) {
        skipped.push({ owner: owner.name, why: err.message });
        progress({ phase: "mailbox", done: ++done, total: readable.length, mailbox: owner.name, items: 0 });
        return;
      }
      throw err;
    }
  });

  const compared = contacts.filter((c) => c.ownerType === "systemuser" && read.has(c.ownerId));
  const keys = { emails: [...new Set(items.filter((i) => i.kind === "email").map((i) => i.key))], meetings: [...new Set(items.filter((i) => i.kind === "meeting").map((i) => i.key))] };
  const logged = await readLogged(o.gateway, compared.map((c) => c.id), keys, since);
  progress({ phase: "compare", activities: logged.length });
  const gap = computeGap({ contacts: compared, items, logged, since, now: until });

  let logReport: LogReport | null = null;
  if (o.log) {
    // One request per distinct item, with every compared contact it involves (the first is the regarding record).
    const ownerByMailbox = new Map(readable.map((r) => [r.mailbox!, r.id]));
    const byItem = new Map<string, { item: EngagementItem; contactIds: string[] }>();
    for (const g of gap.byContact.values()) {
      for (const item of g.unlogged) {
        const k = `${item.kind}:${normaliseKey(item.kind, item.key)}`;
        const entry = byItem.get(k) ?? { item, contactIds: [] };
        entry.contactIds.push(g.contactId);
        byItem.set(k, entry);
      }
    }
    const ownerOfContact = new Map(compared.map((c) => [c.id, c.ownerId]));
    const requests: LogRequest[] = [...byItem.values()].map(({ item, contactIds }) => {
      const sorted = contactIds.sort();
      return { item, contactIds: sorted, ownerId: ownerByMailbox.get(item.mailbox) ?? ownerOfContact.get(sorted[0])! };
    });
    logReport = await logActivities(o.gateway, requests, resolver(compared, owners), (d, t) => progress({ phase: "log", done: d, total: t }));
  }

  const results: ContactResult[] = [];
  const totals = { unloggedEmails: 0, unloggedMeetings: 0, loggedEmails: 0, loggedMeetings: 0 };
  for (const c of compared) {
    const g: ContactGap = gap.byContact.get(c.id)!;
    let loggedEmails = g.loggedEmails;
    let loggedMeetings = g.loggedMeetings;
    const still: EngagementItem[] = [];
    for (const it of g.unlogged) {
      if (logReport?.inDataverse.has(`${it.kind}:${normaliseKey(it.kind, it.key)}`)) {
        if (it.kind === "email") loggedEmails++;
        else loggedMeetings++;
      } else still.push(it);
    }
    const n = countUnlogged({ ...g, unlogged: still });
    results.push({ contact: c, ownerName: owners.get(c.ownerId)?.name ?? c.ownerId, unloggedEmails: n.emails, unloggedMeetings: n.meetings, loggedEmails, loggedMeetings, lastUnloggedOn: n.last, items: still });
    totals.unloggedEmails += n.emails;
    totals.unloggedMeetings += n.meetings;
    totals.loggedEmails += loggedEmails;
    totals.loggedMeetings += loggedMeetings;
  }

  let rowsWritten = 0;
  if (o.store !== false && results.length) {
    const rows = results.map((r) => gapRow(r, windowDays, until));
    for (let i = 0; i < rows.length; i += 1000) {
      const outcomes = await o.gateway.upsertMany(GAP_TABLE, rows.slice(i, i + 1000), { alternateKey: [GAP_COLUMNS.recordId] });
      const failed = outcomes.filter((x) => !x.ok);
      if (failed.length) {
        const first = failed[0];
        throw new Error(`writing ${GAP_TABLE}: ${failed.length} of ${outcomes.length} rows failed; first (${first.key}): ${first.ok ? "" : first.error.message}`);
      }
      rowsWritten += outcomes.length;
      progress({ phase: "store", done: rowsWritten, total: rows.length });
    }
  }

  const sync = await ownersNotSynchronising(o.gateway, ownerIdsInScope, owners, results);
  return {
    ...sync,
    since: since.toISOString(),
    until: until.toISOString(),
    windowDays,
    contacts: contacts.length,
    mailboxesRead: read.size,
    mailboxesSkipped: skipped,
    contactsNotCompared: contacts.length - compared.length,
    itemsFound: gap.items,
    totals,
    results: results.sort((a, b) => b.unloggedEmails + b.unloggedMeetings - (a.unloggedEmails + a.unloggedMeetings) || a.contact.name.localeCompare(b.contact.name)),
    logged: logReport,
    rowsWritten,
    graph: o.graph.stats(),
  };
}

/** The stored row for one contact: counts only, owned by the contact's owner. Pure. */
export function gapRow(r: ContactResult, windowDays: number, checkedOn: Date): Row {
  const c = r.contact;
  const what = r.unloggedEmails + r.unloggedMeetings > 0 ? `${describeEngagement(r.unloggedEmails, r.unloggedMeetings)} not logged` : "all logged";
  return {
    [GAP_COLUMNS.recordId]: c.id,
    [GAP_COLUMNS.name]: `${c.name}: ${what}`.slice(0, 200),
    [`${GAP_COLUMNS.contactNavigation}@odata.bind`]: `/contacts(${c.id})`,
    "ownerid@odata.bind": c.ownerType === "team" ? `/teams(${c.ownerId})` : `/systemusers(${c.ownerId})`,
    [GAP_COLUMNS.unloggedEmails]: r.unloggedEmails,
    [GAP_COLUMNS.unloggedMeetings]: r.unloggedMeetings,
    [GAP_COLUMNS.loggedEmails]: r.loggedEmails,
    [GAP_COLUMNS.loggedMeetings]: r.loggedMeetings,
    [GAP_COLUMNS.windowDays]: windowDays,
    [GAP_COLUMNS.checkedOn]: checkedOn.toISOString(),
    [GAP_COLUMNS.lastUnloggedOn]: r.lastUnloggedOn,
  };
}

/** Removes every stored comparison (when the integration is switched off). */
export async function purgeGaps(gateway: DataverseGateway): Promise<number> {
  const ids: string[] = [];
  for await (const page of gateway.streamTable({ table: GAP_TABLE, columns: [GAP_COLUMNS.id] })) for (const r of page.rows) ids.push(String(r[GAP_COLUMNS.id]));
  if (!ids.length) return 0;
  const outcomes = await gateway.deleteMany(GAP_TABLE, ids);
  return outcomes.filter((x) => x.ok).length;
}

/** Owners whose mailbox does not synchronise: their unlogged engagement is explained by that, not by not logging. */
async function ownersNotSynchronising(gateway: DataverseGateway, ownerIds: string[], owners: Map<string, Owner>, results: readonly ContactResult[]): Promise<Pick<CaptureReport, "mailboxSync" | "mailboxStatesUnknown">> {
  if (!ownerIds.length) return { mailboxSync: [], mailboxStatesUnknown: null };
  const states = await readMailboxStates(gateway, ownerIds);
  if (!states.ok) return { mailboxSync: [], mailboxStatesUnknown: states.why };
  const out: OwnerMailboxSync[] = [];
  for (const id of ownerIds) {
    const state = states.byUser.get(id.toLowerCase());
    if (!state || state.synchronising || owners.get(id)?.disabled) continue;
    const mine = results.filter((r) => r.contact.ownerId === id);
    out.push({
      ownerId: id,
      ownerName: owners.get(id)?.name ?? id,
      state,
      text: describeMailboxSync(state),
      contacts: mine.length,
      unloggedEmails: mine.reduce((t, r) => t + r.unloggedEmails, 0),
      unloggedMeetings: mine.reduce((t, r) => t + r.unloggedMeetings, 0),
    });
  }
  return { mailboxSync: out.sort((a, b) => a.ownerName.localeCompare(b.ownerName)), mailboxStatesUnknown: null };
}
