/**
 * Server-side synchronisation states of the demo users' mailboxes (the `mailbox` table), as an
 * admin sees them in Power Platform admin center > Email > Mailboxes:
 *  - most mailboxes are approved, tested and enabled, and synchronised minutes ago;
 *  - Sofia Alvarez's (rep2) has failed since her password changed 23 days ago: incoming, outgoing
 *    and appointments/contacts/tasks all "Failure", with Exchange's authentication error;
 *  - Lena Hoffmann's (rep5) email address was never approved, so test and enable never ran;
 *  - the mailboxes of people who left are inactive; the audit service's application user has none.
 * Deterministic for the demo clock.
 */
import type { Row } from "../emulator/store";
import type { DemoPeople } from "./users";

const DAY = 86_400_000;
const MINUTE = 60_000;
const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The demo users who do not synchronise, and since how many days: tests and docs name them. */
export const FAILING_MAILBOX = { user: "rep2", days: 23 } as const;
export const UNAPPROVED_MAILBOX = { user: "rep5", days: 60 } as const;

const AUTH_ERROR =
  "Email Server Error Code: Exchange server returned Unauthorized (401). The credentials of the mailbox are not valid or have expired; " +
  "server-side synchronisation stopped processing this mailbox. Update the credentials in the email server profile and test the mailbox again.";

export function demoMailboxRows(people: DemoPeople, now: number): Row[] {
  const rows: Row[] = [];
  people.users.forEach((u, i) => {
    if (u.key === "auditsvc") return;
    const created = now - 400 * DAY;
    const mailboxid = `6d61696c-0000-4000-8000-${String(i + 1).padStart(12, "0")}`;
    const base: Row = {
      mailboxid, name: u.fullname, emailaddress: u.domainname,
      _regardingobjectid_value: u.systemuserid, "_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser",
      _ownerid_value: u.systemuserid, "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser",
      incomingemaildeliverymethod: 2, outgoingemaildeliverymethod: 2, actdeliverymethod: 1,
      incomingemailstatus: 1, outgoingemailstatus: 1, actstatus: 1, mailboxstatus: 1, emailrouteraccessapproval: 1,
      enabledforincomingemail: true, enabledforoutgoingemail: true, enabledforact: true,
      testemailconfigurationscheduled: false, testemailconfigurationretrycount: 0, testmailboxaccesscompletedon: iso(created + DAY),
      lastsuccessfulsynccompletedon: iso(now - (5 + i) * MINUTE), lastsyncerror: null, lastsyncerrorcode: null, lastsyncerrorcount: 0, lastsyncerroroccurredon: null,
      statecode: 0, statuscode: 1, createdon: iso(created), modifiedon: iso(now - (5 + i) * MINUTE),
    };
    if (u.key === FAILING_MAILBOX.user) {
      const failedSince = now - FAILING_MAILBOX.days * DAY;
      Object.assign(base, {
        incomingemailstatus: 2, outgoingemailstatus: 2, actstatus: 2, mailboxstatus: 2,
        lastsuccessfulsynccompletedon: iso(failedSince), lastsyncerror: AUTH_ERROR, lastsyncerrorcode: -2147098092, lastsyncerrorcount: 23 * 96,
        lastsyncerroroccurredon: iso(now - 12 * MINUTE), testemailconfigurationscheduled: true, testemailconfigurationretrycount: 3, modifiedon: iso(now - 12 * MINUTE),
      });
    } else if (u.key === UNAPPROVED_MAILBOX.user) {
      const since = now - UNAPPROVED_MAILBOX.days * DAY;
      Object.assign(base, {
        incomingemailstatus: 0, outgoingemailstatus: 0, actstatus: 0, mailboxstatus: 0, emailrouteraccessapproval: 2,
        enabledforincomingemail: false, enabledforoutgoingemail: false, enabledforact: false,
        testmailboxaccesscompletedon: null, lastsuccessfulsynccompletedon: null, createdon: iso(since), modifiedon: iso(since),
      });
    } else if (u.isdisabled) {
      Object.assign(base, { statecode: 1, statuscode: 2, lastsuccessfulsynccompletedon: iso(now - 200 * DAY), modifiedon: iso(now - 200 * DAY) });
    }
    rows.push(base);
  });
  return rows;
}
