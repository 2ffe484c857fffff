/**
 * Activity capture end to end: the demo organisation's owners' mailboxes in the Graph stand-in,
 * compared with the activities in the emulator. The gap must equal the generator's ground truth;
 * logging must create each missing activity once; Graph's paging, throttling and missing consent
 * must be handled; the audit must turn the stored gap into findings.
 */
import { runAudit } from "../../plugins-ts/audit/run";
import { defaultRulePack } from "../../plugins-ts/engine";
import { CaptureDisabledError, runCapture, type CaptureReport } from "../../plugins-ts/graph/capture";
import { GraphAccessError } from "../../plugins-ts/graph/client";
import { GAP_COLUMNS } from "../../plugins-ts/graph/model";
import { startEmulator } from "../../sandbox/emulator";
import { gatewayFor, storedHealth } from "../helpers/audit";
import { graphClient, NOW, startCaptureWorld, type CaptureWorld } from "../helpers/graph";

function byContact(r: CaptureReport) {
  return Object.fromEntries(r.results.map((x) => [x.contact.id, { unloggedEmails: x.unloggedEmails, unloggedMeetings: x.unloggedMeetings, loggedEmails: x.loggedEmails, loggedMeetings: x.loggedMeetings }]));
}

describe("activity capture against the Graph stand-in", () => {
  let world: CaptureWorld;
  beforeAll(async () => {
    world = await startCaptureWorld();
  });
  afterAll(() => world.close());

  it("finds exactly the unlogged engagement of the ground truth, reading headers only", async () => {
    const truth = world.emu.mail!.truth;
    // Small pages, so every mailbox takes several: the result must not depend on paging.
    const report = await runCapture({ gateway: gatewayFor(world.emu), graph: graphClient(world), now: NOW, store: true, pageSize: 7 });
    expect(byContact(report)).toEqual(truth.contacts);
    expect(report.totals).toEqual(truth.totals);
    expect(report.totals.unloggedEmails).toBeGreaterThan(20);
    expect(report.totals.unloggedMeetings).toBeGreaterThan(10);
    // The owner without an Exchange Online mailbox is skipped by name; their contacts are not compared.
    expect(report.mailboxesSkipped.map((s) => s.owner)).toEqual(expect.arrayContaining(truth.mailboxNotEnabled));
    for (const id of truth.notCompared) expect(report.results.find((r) => r.contact.id === id)).toBeUndefined();
    // Least data: no body or preview was ever asked for; every page was followed.
    const stats = world.graph.stats();
    expect(stats.selects.length).toBeGreaterThan(0);
    for (const s of stats.selects) expect(s).not.toMatch(/body|bodyPreview|uniqueBody/i);
    expect(report.graph.pages).toBeGreaterThan(report.mailboxesRead * 4);
    // One row per compared contact, with the counts.
    const rows = world.emu.store.rows("vit_activitygap");
    expect(rows).toHaveLength(Object.keys(truth.contacts).length);
    for (const row of rows) {
      const t = truth.contacts[String(row[GAP_COLUMNS.recordId])];
      expect([row[GAP_COLUMNS.unloggedEmails], row[GAP_COLUMNS.unloggedMeetings], row[GAP_COLUMNS.loggedEmails], row[GAP_COLUMNS.loggedMeetings]]).toEqual([t.unloggedEmails, t.unloggedMeetings, t.loggedEmails, t.loggedMeetings]);
    }
  });

  it("puts the gap into the audit as an engagement finding", async () => {
    const gateway = gatewayFor(world.emu);
    const result = await runAudit({ gateway, pack: defaultRulePack(), scope: { tables: ["contact"] }, mode: "full", now: NOW });
    expect(result.status).toBe("completed");
    const truth = world.emu.mail!.truth.contacts;
    const health = storedHealth(world.emu);
    const active = new Set(world.emu.store.rows("contact").filter((c) => c.statecode === 0).map((c) => String(c.contactid)));
    let failing = 0;
    for (const [id, t] of Object.entries(truth)) {
      if (!active.has(id)) continue;
      const h = health.get(`contact|${id}`);
      expect(h).toBeDefined();
      const gap = t.unloggedEmails + t.unloggedMeetings > 0;
      expect(h!.failed.has("contact.activity.captured")).toBe(gap);
      if (gap) failing++;
    }
    expect(failing).toBeGreaterThan(10);
    // The stored finding says what is missing.
    const [someId, t] = Object.entries(truth).find(([id, x]) => active.has(id) && x.unloggedEmails > 0 && x.unloggedMeetings > 0)!;
    const row = world.emu.store.rows("vit_recordhealth").find((r) => r.vit_recordid === someId)!;
    expect(String(row.vit_findings)).toContain(`${t.unloggedEmails} email${t.unloggedEmails === 1 ? "" : "s"} and ${t.unloggedMeetings} meeting${t.unloggedMeetings === 1 ? "" : "s"} with this contact in the last 30 days`);
  });

  it("logs the missing activities once: a second run creates nothing", async () => {
    const gateway = gatewayFor(world.emu);
    const emailsBefore = world.emu.store.rows("email").length;
    const appointmentsBefore = world.emu.store.rows("appointment").length;
    const first = await runCapture({ gateway, graph: graphClient(world), now: NOW, log: true });
    const created = first.logged!.created;
    expect(first.logged!.failed).toEqual([]);
    expect(created.emails).toBeGreaterThan(10);
    expect(created.meetings).toBeGreaterThan(5);
    expect(world.emu.store.rows("email").length).toBe(emailsBefore + created.emails);
    expect(world.emu.store.rows("appointment").length).toBe(appointmentsBefore + created.meetings);
    // After logging nothing is missing, and the stored rows say so.
    expect(first.totals.unloggedEmails + first.totals.unloggedMeetings).toBe(0);
    expect(world.emu.store.rows("vit_activitygap").every((r) => r[GAP_COLUMNS.unloggedEmails] === 0 && r[GAP_COLUMNS.unloggedMeetings] === 0)).toBe(true);

    // A logged email: keyed on the message id, regarding the contact, with its parties.
    const email = world.emu.store.rows("email").find((e) => typeof e.messageid === "string" && e._regardingobjectid_value && e.createdon! > "2026-11-23")!;
    expect(email).toBeDefined();
    const parties = world.emu.store.rows("activityparty").filter((p) => p._activityid_value === email.activityid);
    expect(parties.map((p) => p.participationtypemask).sort()).toEqual(expect.arrayContaining([1, 2]));
    expect(parties.some((p) => p._partyid_value === email._regardingobjectid_value)).toBe(true);

    const second = await runCapture({ gateway, graph: graphClient(world), now: NOW, log: true });
    expect(second.logged!.created).toEqual({ emails: 0, meetings: 0 });
    expect(world.emu.store.rows("email").length).toBe(emailsBefore + created.emails);
    expect(world.emu.store.rows("appointment").length).toBe(appointmentsBefore + created.meetings);
  });
});

describe("Graph failure modes", () => {
  let world: CaptureWorld;
  beforeAll(async () => {
    world = await startCaptureWorld(300, 5);
  });
  afterAll(() => world.close());

  it("survives a 429 storm, waiting what Retry-After says", async () => {
    const gateway = gatewayFor(world.emu);
    const calm = await runCapture({ gateway, graph: graphClient(world), now: NOW, store: false });
    world.graph.resetStats();
    world.graph.throttleStorm({ requests: 24, retryAfterSeconds: 0.05 });
    const waits: Array<string | null> = [];
    const stormy = await runCapture({ gateway, graph: graphClient(world, undefined, { onThrottle: (i) => waits.push(i.retryAfter) }), now: NOW, store: false });
    expect(byContact(stormy)).toEqual(byContact(calm));
    const stats = world.graph.stats();
    expect(stats.throttled).toBeGreaterThanOrEqual(24);
    expect(stats.prematureRetries).toBe(0);
    expect(stormy.graph.throttled).toBeGreaterThanOrEqual(24);
    expect(waits.length).toBeGreaterThanOrEqual(24);
    expect(waits.every((w) => w === "0.05")).toBe(true);
  });

  it("tells the admin which permission to grant when consent is missing", async () => {
    const gateway = gatewayFor(world.emu);
    const noMail = graphClient(world, ["Calendars.ReadBasic.All"]);
    const err = await runCapture({ gateway, graph: noMail, now: NOW }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphAccessError);
    expect((err as GraphAccessError).permission).toBe("Mail.ReadBasic.All");
    expect((err as Error).message).toMatch(/access denied \(ErrorAccessDenied\)\. An administrator must grant the Microsoft Graph application permission Mail\.ReadBasic\.All .*grant admin consent/);
    const noCalendar = await runCapture({ gateway, graph: graphClient(world, ["Mail.ReadBasic.All"]), now: NOW }).catch((e: unknown) => e);
    expect((noCalendar as GraphAccessError).permission).toBe("Calendars.ReadBasic.All");
  });
});

it("is off unless vit_GraphIntegrationEnabled is yes", async () => {
  const emu = await startEmulator({ size: 200, seed: 2, now: NOW, throttle: false });
  try {
    const graph = { list: jest.fn(), post: jest.fn(), stats: () => ({ requests: 0, throttled: 0, pages: 0 }) } as unknown as Parameters<typeof runCapture>[0]["graph"];
    await expect(runCapture({ gateway: gatewayFor(emu), graph, now: NOW })).rejects.toBeInstanceOf(CaptureDisabledError);
    await expect(runCapture({ gateway: gatewayFor(emu), graph, now: NOW })).rejects.toThrow(/vit_GraphIntegrationEnabled is not Yes/);
    expect((graph as unknown as { list: jest.Mock }).list).not.toHaveBeenCalled();
  } finally {
    await emu.close();
  }
});
