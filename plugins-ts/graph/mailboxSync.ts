/**
 * Why activity goes unlogged: the server-side synchronisation state of each owner's Dataverse
 * `mailbox` row. A rep whose mailbox does not synchronise cannot have mail and meetings tracked
 * automatically, so the activity-capture gap reports them as "mailbox not synchronising since …"
 * rather than as a rep who does not log.
 *
 * A mailbox synchronises when it is active, its email address is approved, incoming email is
 * delivered by server-side synchronisation and incoming, outgoing and appointments/contacts/tasks
 * (where those go through server-side synchronisation) last ran with "Success". "Since" is the
 * last successful synchronisation, else the last error, else when the mailbox was created.
 * Option values are Microsoft's (Web API reference, mailbox EntityType).
 *
 * Reading needs read access to `mailbox` (the Vitals Governance Owner role grants it); without it,
 * or in an organisation without the table, the states are reported as unknown and the gap is
 * computed as before.
 */
import type { DataverseGateway, Row } from "../dataverse/gateway";
import { chunkIdsForIn, f } from "../dataverse/requests";

export const MAILBOX_COLUMNS = [
  "name", "emailaddress", "_regardingobjectid_value", "statecode", "incomingemaildeliverymethod", "outgoingemaildeliverymethod", "actdeliverymethod",
  "incomingemailstatus", "outgoingemailstatus", "actstatus", "emailrouteraccessapproval", "testemailconfigurationscheduled",
  "testmailboxaccesscompletedon", "lastsuccessfulsynccompletedon", "lastsyncerror", "lastsyncerroroccurredon", "createdon",
] as const;

const STATUS: Readonly<Record<number, string>> = { 0: "not run", 1: "success", 2: "failure" };
const APPROVAL: Readonly<Record<number, string>> = { 0: "empty", 1: "approved", 2: "pending approval", 3: "rejected" };
const SERVER_SIDE_SYNC = 2;
const ACT_SERVER_SIDE_SYNC = 1;

export interface MailboxSync {
  userId: string;
  synchronising: boolean;
  /** Day it stopped (or never started) synchronising, ISO-8601; null when synchronising or unknown. */
  since: string | null;
  /** What is wrong, in words ("incoming email: failure; last error: …"); empty when synchronising. */
  reasons: string[];
  /** The test-and-enable outcome: "never run", "scheduled", or the day it last completed. */
  test: string;
  lastError: string | null;
}

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v.trim() : null);
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);

/** The synchronisation state of one mailbox row. Pure. */
export function mailboxSyncOf(r: Readonly<Row>): MailboxSync {
  const userId = (text(r._regardingobjectid_value) ?? "").toLowerCase();
  const reasons: string[] = [];
  if (r.statecode !== 0 && r.statecode !== undefined && r.statecode !== null) reasons.push("the mailbox is inactive");
  const approval = num(r.emailrouteraccessapproval);
  if (approval !== 1) reasons.push(`email address ${APPROVAL[approval ?? 0] ?? "not approved"}`);
  if (num(r.incomingemaildeliverymethod) !== SERVER_SIDE_SYNC) reasons.push("incoming email is not delivered by server-side synchronisation");
  const status = (label: string, v: unknown): void => {
    const s = num(v);
    if (s !== 1) reasons.push(`${label}: ${STATUS[s ?? 0] ?? "not run"}`);
  };
  status("incoming email", r.incomingemailstatus);
  if (num(r.outgoingemaildeliverymethod) === SERVER_SIDE_SYNC) status("outgoing email", r.outgoingemailstatus);
  if (num(r.actdeliverymethod) === ACT_SERVER_SIDE_SYNC) status("appointments, contacts and tasks", r.actstatus);
  const lastError = text(r.lastsyncerror);
  const tested = text(r.testmailboxaccesscompletedon);
  const test = r.testemailconfigurationscheduled === true ? "scheduled" : tested ? `completed ${tested.slice(0, 10)}` : "never run";
  if (!tested && reasons.length) reasons.push("test and enable never ran");
  if (lastError && reasons.length) reasons.push(`last error: ${lastError.length > 200 ? `${lastError.slice(0, 197)}…` : lastError}`);
  const synchronising = reasons.length === 0;
  const since = synchronising ? null : (text(r.lastsuccessfulsynccompletedon) ?? text(r.lastsyncerroroccurredon) ?? text(r.createdon));
  return { userId, synchronising, since, reasons, test, lastError };
}

/** "mailbox not synchronising since 2026-10-31: incoming email: failure; …" */
export function describeMailboxSync(s: MailboxSync): string {
  if (s.synchronising) return "mailbox synchronising";
  return `mailbox not synchronising${s.since ? ` since ${s.since.slice(0, 10)}` : ""}: ${s.reasons.join("; ")}`;
}

export type MailboxStates = { ok: true; byUser: Map<string, MailboxSync> } | { ok: false; why: string };

/** The mailbox state of each user (the newest active mailbox when a user has several). */
export async function readMailboxStates(gateway: DataverseGateway, userIds: readonly string[]): Promise<MailboxStates> {
  const byUser = new Map<string, MailboxSync>();
  try {
    for (const chunk of chunkIdsForIn("_regardingobjectid_value", userIds)) {
      for await (const page of gateway.streamTable({ table: "mailbox", columns: [...MAILBOX_COLUMNS], filter: f.in("_regardingobjectid_value", chunk) })) {
        for (const r of page.rows) {
          const s = mailboxSyncOf(r);
          const had = byUser.get(s.userId);
          if (!had || (!had.synchronising && s.synchronising)) byUser.set(s.userId, s);
        }
      }
    }
  } catch (err) {
    return { ok: false, why: `the mailbox table could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { ok: true, byUser };
}
