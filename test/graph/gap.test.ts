/** The activity-capture comparison, pure: what counts as logged, what counts once, what does not count. */
import { computeGap, normaliseKey, type LoggedActivity, type ScopeContact } from "../../plugins-ts/graph/gap";
import type { MailItem, MeetingItem } from "../../plugins-ts/graph/mailbox";
import { GAP_COLUMNS, GAP_TABLE } from "../../plugins-ts/graph/model";
import gapTable from "../../solution/src/tables/vit_activitygap.json";

const NOW = new Date("2026-11-23T00:00:00Z");
const SINCE = new Date("2026-10-24T00:00:00Z");
const ana: ScopeContact = { id: "c1", name: "Ana Ruiz", emails: ["ana@fabrikam.com"], ownerId: "u1", ownerType: "systemuser" };
const dup: ScopeContact = { id: "c2", name: "Ana Ruiz (2)", emails: ["ana@fabrikam.com", "a.ruiz@fabrikam.com"], ownerId: "u2", ownerType: "systemuser" };
const bob: ScopeContact = { id: "c3", name: "Bob Lee", emails: ["bob@contoso.net"], ownerId: "u1", ownerType: "systemuser" };

const mail = (key: string, at: string, to: string, over: Partial<MailItem> = {}): MailItem => ({
  kind: "email", key, subject: "Hello", at, from: { address: "rep@contoso.com", name: "Rep" }, to: [{ address: to, name: to }], cc: [], mailbox: "u1", ...over,
});
const meeting = (key: string, start: string, attendee: string): MeetingItem => ({
  kind: "meeting", key, subject: "Review", start, end: new Date(Date.parse(start) + 3600_000).toISOString(), organizer: { address: "rep@contoso.com", name: "Rep" },
  attendees: [{ address: attendee, name: attendee }], location: "", mailbox: "u1",
});
const activity = (id: string, kind: "email" | "meeting", at: string | null, contactIds: string[], key: string | null = null): LoggedActivity => ({ id, kind, key, at, contactIds });

function counts(contacts: ScopeContact[], items: Array<MailItem | MeetingItem>, logged: LoggedActivity[]) {
  const r = computeGap({ contacts, items, logged, since: SINCE, now: NOW });
  return Object.fromEntries([...r.byContact].map(([id, g]) => [id, { unlogged: g.unlogged.map((i) => i.key).sort(), loggedEmails: g.loggedEmails, loggedMeetings: g.loggedMeetings }]));
}

describe("computeGap", () => {
  it("counts mail and meetings with the contact that have no activity", () => {
    const r = counts([ana, bob], [mail("<m1@x>", "2026-11-20T09:00:00Z", "ana@fabrikam.com"), meeting("ical-1", "2026-11-18T10:00:00Z", "ana@fabrikam.com")], []);
    expect(r.c1).toEqual({ unlogged: ["<m1@x>", "ical-1"], loggedEmails: 0, loggedMeetings: 0 });
    expect(r.c3).toEqual({ unlogged: [], loggedEmails: 0, loggedMeetings: 0 });
  });

  it("matches an activity by its Outlook id, whatever the brackets or case", () => {
    expect(normaliseKey("email", " <AbC@Host> ")).toBe("abc@host");
    const r = counts([ana], [mail("<AbC@Host>", "2026-11-20T09:00:00Z", "ana@fabrikam.com"), meeting("ical-1", "2026-11-18T10:00:00Z", "ana@fabrikam.com")], [
      activity("a1", "email", null, [], "abc@host"),
      activity("a2", "meeting", "2026-01-01T00:00:00Z", [], "ical-1"),
    ]);
    expect(r.c1).toEqual({ unlogged: [], loggedEmails: 1, loggedMeetings: 1 });
  });

  it("matches a hand-logged activity by participant and time, each activity once", () => {
    const items = [mail("<m1@x>", "2026-11-20T09:00:00Z", "ana@fabrikam.com"), mail("<m2@x>", "2026-11-20T11:00:00Z", "ana@fabrikam.com")];
    // One email activity naming Ana 2 hours after the first: it accounts for one message only.
    expect(counts([ana], items, [activity("a1", "email", "2026-11-20T11:30:00Z", ["c1"])]).c1).toEqual({ unlogged: ["<m1@x>"], loggedEmails: 1, loggedMeetings: 0 });
    // Too far apart (13 hours) or the wrong contact or kind: not a match.
    expect(counts([ana], [items[0]], [activity("a1", "email", "2026-11-20T22:01:00Z", ["c1"])]).c1.unlogged).toEqual(["<m1@x>"]);
    expect(counts([ana, bob], [items[0]], [activity("a1", "email", "2026-11-20T09:00:00Z", ["c3"])]).c1.unlogged).toEqual(["<m1@x>"]);
    expect(counts([ana], [items[0]], [activity("a1", "meeting", "2026-11-20T09:00:00Z", ["c1"])]).c1.unlogged).toEqual(["<m1@x>"]);
    // Meetings: within an hour of the start.
    expect(counts([ana], [meeting("i1", "2026-11-18T10:00:00Z", "ana@fabrikam.com")], [activity("a1", "meeting", "2026-11-18T10:45:00Z", ["c1"])]).c1.loggedMeetings).toBe(1);
    expect(counts([ana], [meeting("i1", "2026-11-18T10:00:00Z", "ana@fabrikam.com")], [activity("a1", "meeting", "2026-11-18T11:30:00Z", ["c1"])]).c1.unlogged).toEqual(["i1"]);
  });

  it("counts a message once however many mailboxes hold it, for every contact with that address", () => {
    const copy1 = mail("<m1@x>", "2026-11-20T09:00:00Z", "ana@fabrikam.com");
    const copy2 = { ...copy1, key: "<M1@X>", mailbox: "u2" };
    const r = computeGap({ contacts: [ana, dup], items: [copy1, copy2], logged: [], since: SINCE, now: NOW });
    expect(r.items).toBe(1);
    expect(r.byContact.get("c1")!.unlogged).toHaveLength(1);
    expect(r.byContact.get("c2")!.unlogged).toHaveLength(1);
  });

  it("leaves out items outside the window and meetings that have not started", () => {
    const r = counts([ana], [mail("<old@x>", "2026-10-23T23:59:00Z", "ana@fabrikam.com"), meeting("future", "2026-11-23T10:00:00Z", "ana@fabrikam.com"), mail("<cc@x>", "2026-11-01T09:00:00Z", "someone@else.com", { cc: [{ address: "ana@fabrikam.com", name: "Ana" }] })], []);
    expect(r.c1.unlogged).toEqual(["<cc@x>"]);
  });
});

describe("vit_activitygap model", () => {
  it("names columns that exist in the solution source", () => {
    const names = new Set([(gapTable as { primaryName: { schemaName: string } }).primaryName.schemaName.toLowerCase(), ...(gapTable as { columns: { schemaName: string }[] }).columns.map((c) => c.schemaName.toLowerCase())]);
    expect(GAP_TABLE).toBe((gapTable as { schemaName: string }).schemaName.toLowerCase());
    for (const [k, col] of Object.entries(GAP_COLUMNS)) {
      if (k === "id") expect(col).toBe(`${GAP_TABLE}id`);
      else if (k === "contactNavigation") expect((gapTable as { columns: { schemaName: string }[] }).columns.map((c) => c.schemaName)).toContain(col);
      else expect(names).toContain(col);
    }
  });
});
