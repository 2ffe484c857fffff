/**
 * Why activity goes unlogged: the mailbox table's server-side synchronisation states in the demo
 * organisation, read by activity capture, explain a rep with a failing mailbox as such.
 */
import { runCapture } from "../../plugins-ts/graph/capture";
import { describeMailboxSync, mailboxSyncOf, readMailboxStates } from "../../plugins-ts/graph/mailboxSync";
import { renderCaptureText } from "../../plugins-ts/cli/commands/capture";
import { FAILING_MAILBOX, UNAPPROVED_MAILBOX } from "../../sandbox/demo/mailboxStates";
import { gatewayFor } from "../helpers/audit";
import { api, tokenOf, userOf } from "../helpers/emulator";
import { graphClient, NOW, startCaptureWorld, type CaptureWorld } from "../helpers/graph";

const DAY = 86_400_000;
const day = (daysAgo: number): string => new Date(NOW.getTime() - daysAgo * DAY).toISOString().slice(0, 10);

describe("mailbox synchronisation states", () => {
  it("judges one mailbox row by its statuses, approval and test", () => {
    const ok = { _regardingobjectid_value: "U1", statecode: 0, emailrouteraccessapproval: 1, incomingemaildeliverymethod: 2, outgoingemaildeliverymethod: 2, actdeliverymethod: 1, incomingemailstatus: 1, outgoingemailstatus: 1, actstatus: 1, testmailboxaccesscompletedon: "2026-01-02T00:00:00Z" };
    expect(mailboxSyncOf(ok)).toMatchObject({ userId: "u1", synchronising: true, since: null, reasons: [], test: "completed 2026-01-02" });
    const act = mailboxSyncOf({ ...ok, actstatus: 2, lastsuccessfulsynccompletedon: "2026-10-01T08:00:00Z", lastsyncerror: "boom" });
    expect(describeMailboxSync(act)).toBe("mailbox not synchronising since 2026-10-01: appointments, contacts and tasks: failure; last error: boom");
    // Appointments through the App for Outlook instead: their status is not server-side synchronisation's concern.
    expect(mailboxSyncOf({ ...ok, actdeliverymethod: 0, actstatus: 0 }).synchronising).toBe(true);
    const outlook = mailboxSyncOf({ ...ok, incomingemaildeliverymethod: 1, createdon: "2026-05-01T00:00:00Z", testmailboxaccesscompletedon: null });
    expect(outlook.reasons).toEqual(["incoming email is not delivered by server-side synchronisation", "test and enable never ran"]);
    expect(outlook.since).toBe("2026-05-01T00:00:00Z");
  });

  describe("in the demo organisation", () => {
    let world: CaptureWorld;
    beforeAll(async () => {
      world = await startCaptureWorld();
    });
    afterAll(() => world.close());

    it("carries a mailbox per user with realistic states, readable through the Web API", async () => {
      const res = await api(world.emu).get<{ value: Record<string, unknown>[] }>("mailboxes?$select=name,incomingemailstatus,emailrouteraccessapproval,lastsyncerror,_regardingobjectid_value&$filter=incomingemailstatus ne 1");
      expect(res.status).toBe(200);
      const failing = res.body.value.map((m) => String(m._regardingobjectid_value));
      expect(failing).toEqual(expect.arrayContaining([userOf(world.emu, FAILING_MAILBOX.user).systemuserid, userOf(world.emu, UNAPPROVED_MAILBOX.user).systemuserid]));
      expect(res.body.value.find((m) => m._regardingobjectid_value === userOf(world.emu, FAILING_MAILBOX.user).systemuserid)?.lastsyncerror).toMatch(/Unauthorized \(401\)/);
      expect(world.emu.store.rows("mailbox").filter((m) => m.statecode === 0 && m.incomingemailstatus === 1).length).toBeGreaterThan(8);
    });

    it("explains the rep whose mailbox fails as 'mailbox not synchronising since …', not as a rep who does not log", async () => {
      const report = await runCapture({ gateway: gatewayFor(world.emu), graph: graphClient(world), now: NOW, store: false });
      const rep = userOf(world.emu, FAILING_MAILBOX.user);
      const unapproved = userOf(world.emu, UNAPPROVED_MAILBOX.user);
      expect(report.mailboxStatesUnknown).toBeNull();
      expect(report.mailboxSync.map((m) => m.ownerId).sort()).toEqual([rep.systemuserid, unapproved.systemuserid].sort());
      const failing = report.mailboxSync.find((m) => m.ownerId === rep.systemuserid)!;
      expect(failing.text).toMatch(new RegExp(`^mailbox not synchronising since ${day(FAILING_MAILBOX.days)}: incoming email: failure; outgoing email: failure; appointments, contacts and tasks: failure; last error: Email Server Error Code`));
      // Their contacts' gap is the report's own numbers for them.
      const mine = report.results.filter((r) => r.contact.ownerId === rep.systemuserid);
      expect(mine.length).toBeGreaterThan(0);
      expect([failing.contacts, failing.unloggedEmails + failing.unloggedMeetings]).toEqual([mine.length, mine.reduce((t, r) => t + r.unloggedEmails + r.unloggedMeetings, 0)]);
      expect(report.mailboxSync.find((m) => m.ownerId === unapproved.systemuserid)!.text).toBe(`mailbox not synchronising since ${day(UNAPPROVED_MAILBOX.days)}: email address pending approval; incoming email: not run; outgoing email: not run; appointments, contacts and tasks: not run; test and enable never ran`);
      const text = renderCaptureText(report, 1000);
      expect(text).toContain(`  ${rep.fullname}: mailbox not synchronising since ${day(FAILING_MAILBOX.days)}`);
      if (mine.some((r) => r.unloggedEmails + r.unloggedMeetings > 0)) expect(text).toContain(`(${rep.fullname}, mailbox not synchronising)`);
    });

    it("says the states are unknown when the mailbox table cannot be read, and still compares", async () => {
      const states = await readMailboxStates(gatewayFor(world.emu, tokenOf(world.emu, "rep1")), [userOf(world.emu, "rep1").systemuserid]);
      expect(states.ok).toBe(false);
      if (!states.ok) expect(states.why).toMatch(/^the mailbox table could not be read: /);
    });
  });
});
