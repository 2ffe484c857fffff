import { createGraphClient, GraphAccessError } from "../../plugins-ts/graph/client";
import { standInGraphClient } from "../../sandbox/graph/client";
import {
  startGraphStandIn, type GraphStandInHandle, type StandInEvent, type StandInMailbox, type StandInMessage,
} from "../../sandbox/graph";

const ALICE = "0b9a3c1e-1111-4a2b-8c3d-000000000001";
const BOB = "0b9a3c1e-2222-4a2b-8c3d-000000000002";
const CAROL = "0b9a3c1e-3333-4a2b-8c3d-000000000003";
const who = (name: string, address: string) => ({ emailAddress: { name, address } });

function message(id: string, receivedDateTime: string, folder: StandInMessage["folder"] = "inbox", isDraft = false): StandInMessage {
  return {
    id, internetMessageId: `<${id}@contoso.com>`, subject: `Subject ${id}`, sentDateTime: receivedDateTime, receivedDateTime,
    from: who("Dana Client", "dana@fabrikam.com"), toRecipients: [who("Alice", "alice@contoso.com")], ccRecipients: [],
    isDraft, conversationId: `conv-${id}`, folder, body: { contentType: "html", content: `<p>secret ${id}</p>` }, bodyPreview: `secret ${id}`,
  };
}

function event(id: string, start: string, end: string): StandInEvent {
  return {
    id, iCalUId: `ical-${id}`, subject: `Meeting ${id}`, start: { dateTime: `${start}.0000000`, timeZone: "UTC" }, end: { dateTime: `${end}.0000000`, timeZone: "UTC" },
    organizer: who("Alice", "alice@contoso.com"), attendees: [{ emailAddress: { name: "Dana", address: "dana@fabrikam.com" }, type: "required", status: { response: "accepted", time: "2026-11-01T10:00:00Z" } }],
    isCancelled: false, isAllDay: false, showAs: "busy", type: "singleInstance", location: { displayName: "Room 1" },
    body: { contentType: "html", content: "<p>agenda</p>" }, bodyPreview: "agenda",
  };
}

// Alice: 8 messages on distinct days, one of them a draft; 4 events around 20 Nov.
const ALICE_MESSAGES = [
  message("m1", "2026-11-10T09:00:00Z"), message("m2", "2026-11-11T09:00:00Z", "sentitems"), message("m3", "2026-11-12T09:00:00Z"),
  message("m4", "2026-11-13T09:00:00Z", "drafts", true), message("m5", "2026-11-14T09:00:00Z"), message("m6", "2026-11-15T09:00:00Z", "sentitems"),
  message("m7", "2026-11-16T09:00:00Z"), message("m8", "2026-11-17T09:00:00Z"),
];
const MAILBOXES: StandInMailbox[] = [
  {
    id: ALICE, userPrincipalName: "alice@contoso.com", displayName: "Alice", mail: "alice@contoso.com", mailboxEnabled: true, messages: ALICE_MESSAGES,
    events: [
      event("e-before", "2026-11-19T08:00:00", "2026-11-20T00:00:00"), // ends exactly at the window start
      event("e-cross", "2026-11-19T23:00:00", "2026-11-20T01:00:00"), // overlaps the start
      event("e-in", "2026-11-20T09:00:00", "2026-11-20T10:00:00"),
      event("e-after", "2026-11-21T00:00:00", "2026-11-21T01:00:00"), // starts exactly at the window end
    ],
  },
  { id: BOB, userPrincipalName: "bob@contoso.com", displayName: "Bob", mail: "bob@contoso.com", mailboxEnabled: true, messages: [message("b1", "2026-11-12T10:00:00Z")], events: [] },
  { id: CAROL, userPrincipalName: "carol@contoso.com", displayName: "Carol", mail: "carol@contoso.com", mailboxEnabled: false, messages: [], events: [] },
];

interface Reply {
  status: number;
  headers: Headers;
  json: Record<string, unknown> & { value?: Record<string, unknown>[]; error?: { code: string; message: string; innerError: Record<string, string> } };
  text: string;
}

async function call(url: string, token?: string, init: RequestInit = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? (JSON.parse(text) as Reply["json"]) : {} };
}

const ids = (r: Reply): unknown[] => r.json.value!.map((m) => m.id);

describe("Graph stand-in", () => {
  let g: GraphStandInHandle;
  let read: string;
  beforeAll(async () => {
    g = await startGraphStandIn({ mailboxes: MAILBOXES });
    read = g.appToken(["Mail.Read", "Calendars.Read"]);
  });
  afterAll(() => g.close());

  it("pages every message once, newest first, across nextLinks with $skip", async () => {
    g.resetStats();
    const seen: unknown[] = [];
    let url: string | undefined = `${g.baseUrl}/users/alice@contoso.com/messages?$top=3&$select=subject,receivedDateTime`;
    let pages = 0;
    while (url) {
      const r = await call(url, read);
      expect(r.status).toBe(200);
      expect(r.json["@odata.context"]).toContain("/v1.0/$metadata#users('alice%40contoso.com')/messages(id,subject,receivedDateTime)");
      seen.push(...ids(r));
      for (const m of r.json.value!) expect(Object.keys(m).sort()).toEqual(["id", "receivedDateTime", "subject"]);
      url = r.json["@odata.nextLink"] as string | undefined;
      if (url) expect(new URL(url).searchParams.get("$skip")).toBe(String((pages + 1) * 3));
      pages++;
    }
    expect(seen).toEqual(["m8", "m7", "m6", "m5", "m4", "m3", "m2", "m1"]);
    expect(pages).toBe(3);
    expect(g.stats()).toMatchObject({ requests: 3, pagesServed: 3, byEndpoint: { "GET messages": 3 }, selects: ["subject,receivedDateTime", "subject,receivedDateTime", "subject,receivedDateTime"] });
  });

  it("filters on a receivedDateTime window and isDraft, ordered as asked", async () => {
    const filter = "receivedDateTime ge 2026-11-12T00:00:00Z and receivedDateTime lt 2026-11-16T00:00:00Z and isDraft eq false";
    const r = await call(`${g.baseUrl}/users/${ALICE}/messages?$filter=${encodeURIComponent(filter)}&$orderby=receivedDateTime asc&$top=50`, read);
    expect(r.status).toBe(200);
    expect(ids(r)).toEqual(["m3", "m5", "m6"]);
    const sent = await call(`${g.baseUrl}/users/${ALICE}/messages?$filter=${encodeURIComponent("sentDateTime lt 2026-11-11T12:00:00Z")}`, read);
    expect(ids(sent)).toEqual(["m2", "m1"]);
  });

  it("refuses queries Graph refuses, naming what is wrong", async () => {
    const base = `${g.baseUrl}/users/${ALICE}/messages`;
    const bad = await call(`${base}?$filter=${encodeURIComponent("subject eq 'x'")}`, read);
    expect([bad.status, bad.json.error!.code]).toEqual([400, "ErrorInvalidUrlQueryFilter"]);
    expect(bad.json.error!.message).toContain("subject eq 'x'");
    const date = await call(`${base}?$filter=${encodeURIComponent("receivedDateTime ge yesterday")}`, read);
    expect([date.status, date.json.error!.code]).toEqual([400, "ErrorInvalidUrlQueryFilter"]);
    const order = await call(`${base}?$filter=${encodeURIComponent("isDraft eq false and receivedDateTime ge 2026-11-01T00:00:00Z")}&$orderby=receivedDateTime desc`, read);
    expect([order.status, order.json.error!.code]).toEqual([400, "InefficientFilter"]);
    for (const top of ["0", "1001", "ten"]) {
      const r = await call(`${base}?$top=${top}`, read);
      expect([r.status, r.json.error!.code]).toEqual([400, "ErrorInvalidUrlQuery"]);
      expect(r.json.error!.message).toContain("$top");
    }
    const select = await call(`${base}?$select=subject,folder`, read);
    expect([select.status, select.json.error!.code]).toEqual([400, "RequestBroker--ParseUri"]);
    expect(select.json.error!.message).toContain("'folder'");
  });

  it("never returns bodies under ReadBasic and answers the documented 403 body", async () => {
    const basic = g.appToken(["Mail.ReadBasic.All"]);
    const r = await call(`${g.baseUrl}/users/${ALICE}/messages?$select=subject,body`, basic, { headers: { "client-request-id": "5d1c3a52-7e1f-4e55-8f1a-1a2b3c4d5e6f" } });
    expect(r.status).toBe(403);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.json.error).toEqual({
      code: "ErrorAccessDenied",
      message: "Access is denied. Check credentials and try again.",
      innerError: { date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/) as unknown, "request-id": r.headers.get("request-id"), "client-request-id": "5d1c3a52-7e1f-4e55-8f1a-1a2b3c4d5e6f" },
    });
    expect(r.headers.get("client-request-id")).toBe("5d1c3a52-7e1f-4e55-8f1a-1a2b3c4d5e6f");

    const all = await call(`${g.baseUrl}/users/${ALICE}/messages?$top=1`, basic);
    expect(all.status).toBe(200);
    const keys = Object.keys(all.json.value![0]);
    expect(keys).toEqual(expect.arrayContaining(["id", "internetMessageId", "subject", "from", "isDraft", "parentFolderId"]));
    for (const hidden of ["body", "bodyPreview", "uniqueBody", "folder"]) expect(keys).not.toContain(hidden);
    expect(all.text).not.toContain("secret");

    const full = await call(`${g.baseUrl}/users/${ALICE}/messages?$top=1&$select=body`, read);
    expect(full.json.value![0].body).toEqual({ contentType: "html", content: "<p>secret m8</p>" });

    const none = await call(`${g.baseUrl}/users/${ALICE}/messages`, g.appToken(["Calendars.Read"]));
    expect([none.status, none.json.error!.code, none.json.error!.message]).toEqual([403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."]);
  });

  it("answers 401 InvalidAuthenticationToken without a usable token", async () => {
    const url = `${g.baseUrl}/users/${ALICE}/messages`;
    const missing = await call(url);
    expect([missing.status, missing.json.error!.code, missing.json.error!.message]).toEqual([401, "InvalidAuthenticationToken", "Access token is empty."]);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(missing.headers.get("request-id")).toBe(missing.json.error!.innerError["request-id"]);
    const garbage = await call(url, "not-a-jwt");
    expect([garbage.status, garbage.json.error!.code]).toEqual([401, "InvalidAuthenticationToken"]);
    expect(garbage.json.error!.message).toContain("IDX14100");
    const otherAudience = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"aud":"https://contoso.crm.dynamics.com","roles":["Mail.Read"]}').toString("base64url")}.`;
    const aud = await call(url, otherAudience);
    expect([aud.status, aud.json.error!.code]).toEqual([401, "InvalidAuthenticationToken"]);
    expect(aud.json.error!.message).toContain("Invalid audience");
  });

  it("serves calendarView: events overlapping the window, and requires the window", async () => {
    const view = `${g.baseUrl}/users/${ALICE}/calendarView`;
    const r = await call(`${view}?startDateTime=2026-11-20T00:00:00Z&endDateTime=2026-11-21T00:00:00Z&$select=subject,start,end`, read);
    expect(r.status).toBe(200);
    expect(ids(r)).toEqual(["e-cross", "e-in"]);
    expect(r.json.value![1]).toEqual({ id: "e-in", subject: "Meeting e-in", start: { dateTime: "2026-11-20T09:00:00.0000000", timeZone: "UTC" }, end: { dateTime: "2026-11-20T10:00:00.0000000", timeZone: "UTC" } });

    const paged = await call(`${view}?startDateTime=2026-11-01T00:00:00&endDateTime=2026-12-01T00:00:00&$top=3&$orderby=start/dateTime`, read);
    expect(ids(paged)).toEqual(["e-before", "e-cross", "e-in"]);
    const rest = await call(paged.json["@odata.nextLink"] as string, read);
    expect(ids(rest)).toEqual(["e-after"]);
    expect(rest.json["@odata.nextLink"]).toBeUndefined();

    const missing = await call(`${view}?startDateTime=2026-11-20T00:00:00Z`, read);
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ code: "ErrorInvalidParameter", message: "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime." });
    const badDate = await call(`${view}?startDateTime=20/11/2026&endDateTime=2026-11-21T00:00:00Z`, read);
    expect([badDate.status, badDate.json.error!.code]).toEqual([400, "ErrorInvalidParameter"]);
    expect(badDate.json.error!.message).toContain("StartDateTime");

    const basic = g.appToken(["Calendars.ReadBasic.All"]);
    const body = await call(`${view}?startDateTime=2026-11-20T00:00:00Z&endDateTime=2026-11-21T00:00:00Z&$select=subject,bodyPreview`, basic);
    expect([body.status, body.json.error!.code]).toEqual([403, "ErrorAccessDenied"]);
    const plain = await call(`${view}?startDateTime=2026-11-20T00:00:00Z&endDateTime=2026-11-21T00:00:00Z`, basic);
    expect(plain.status).toBe(200);
    expect(plain.text).not.toContain("agenda");
  });

  it("lets a delegated token read its own mailbox (also as /me) and nobody else's", async () => {
    const token = g.delegatedToken("Alice@Contoso.com", ["Mail.ReadBasic", "Calendars.ReadBasic"]);
    const own = await call(`${g.baseUrl}/users/alice@contoso.com/messages?$top=2&$select=subject`, token);
    expect(ids(own)).toEqual(["m8", "m7"]);
    const me = await call(`${g.baseUrl}/me/messages?$top=2&$select=subject`, token);
    expect(ids(me)).toEqual(["m8", "m7"]);
    const other = await call(`${g.baseUrl}/users/${BOB}/messages`, token);
    expect([other.status, other.json.error!.code]).toEqual([403, "ErrorAccessDenied"]);
    const appMe = await call(`${g.baseUrl}/me/messages`, read);
    expect([appMe.status, appMe.json.error!.message]).toEqual([400, "/me request is only valid with delegated authentication flow."]);
  });

  it("answers unknown users, mailboxes without Exchange Online and unknown segments like Graph", async () => {
    const unknown = await call(`${g.baseUrl}/users/nobody@contoso.com/messages`, read);
    expect([unknown.status, unknown.json.error!.code]).toEqual([404, "ErrorInvalidUser"]);
    expect(unknown.json.error!.message).toContain("nobody@contoso.com");
    const carol = await call(`${g.baseUrl}/users/carol@contoso.com/messages`, read);
    expect([carol.status, carol.json.error!.code, carol.json.error!.message]).toEqual([404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise."]);
    const segment = await call(`${g.baseUrl}/users/${ALICE}/contacts`, read);
    expect([segment.status, segment.json.error!.code, segment.json.error!.message]).toEqual([400, "BadRequest", "Resource not found for the segment 'contacts'."]);
  });

  it("accepts sendMail with 202, records it and keeps a copy in Sent Items", async () => {
    const send = g.appToken(["Mail.Send", "Mail.Read"]);
    const before = g.sent.length;
    const message = { subject: "Your vitals digest", body: { contentType: "HTML", content: "<p>3 records need attention</p>" }, toRecipients: [{ emailAddress: { address: "bob@contoso.com" } }] };
    const r = await call(`${g.baseUrl}/users/alice@contoso.com/sendMail`, send, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message }) });
    expect([r.status, r.text]).toEqual([202, ""]);
    expect(g.sent.slice(before)).toEqual([{ from: "alice@contoso.com", message, saveToSentItems: true }]);
    const sentItems = await call(`${g.baseUrl}/users/${ALICE}/messages?$top=1&$select=subject,parentFolderId,toRecipients`, send);
    expect(sentItems.json.value![0]).toMatchObject({ subject: "Your vitals digest", toRecipients: [{ emailAddress: { address: "bob@contoso.com" } }] });
    expect(sentItems.json.value![0].parentFolderId).toBe(Buffer.from(`${ALICE}:sentitems`).toString("base64url"));

    const quiet = await call(`${g.baseUrl}/users/bob@contoso.com/sendMail`, send, { method: "POST", body: JSON.stringify({ message, saveToSentItems: false }) });
    expect(quiet.status).toBe(202);
    expect(g.sent.at(-1)).toMatchObject({ from: "bob@contoso.com", saveToSentItems: false });
    expect(ids(await call(`${g.baseUrl}/users/${BOB}/messages`, send))).toEqual(["b1"]);

    const badRecipient = await call(`${g.baseUrl}/users/${ALICE}/sendMail`, send, {
      method: "POST", body: JSON.stringify({ message: { ...message, toRecipients: [{ emailAddress: { address: "bob@contoso.com" } }, { emailAddress: { address: "not an address" } }] } }),
    });
    expect([badRecipient.status, badRecipient.json.error!.code]).toEqual([400, "ErrorInvalidRecipients"]);
    expect(badRecipient.json.error!.message).toContain("message.toRecipients[1].emailAddress.address");
    const noRecipient = await call(`${g.baseUrl}/users/${ALICE}/sendMail`, send, { method: "POST", body: JSON.stringify({ message: { subject: "x" } }) });
    expect([noRecipient.status, noRecipient.json.error!.code]).toEqual([400, "ErrorInvalidRecipients"]);
    const noMessage = await call(`${g.baseUrl}/users/${ALICE}/sendMail`, send, { method: "POST", body: JSON.stringify({ saveToSentItems: true }) });
    expect(noMessage.status).toBe(400);
    expect(noMessage.json.error!.message).toContain("'message'");
    const noPermission = await call(`${g.baseUrl}/users/${ALICE}/sendMail`, read, { method: "POST", body: JSON.stringify({ message }) });
    expect([noPermission.status, noPermission.json.error!.code]).toEqual([403, "ErrorAccessDenied"]);
    expect(g.sent.length).toBe(before + 2);
  });
});

describe("Graph stand-in throttling", () => {
  it("answers a storm with 429 + Retry-After and counts a retry that comes back too early", async () => {
    const g = await startGraphStandIn({ mailboxes: MAILBOXES });
    try {
      const token = g.appToken(["Mail.ReadBasic.All"]);
      const url = `${g.baseUrl}/users/${ALICE}/messages?$select=subject`;
      g.throttleStorm({ requests: 1, retryAfterSeconds: 30 });
      const first = await call(url, token);
      expect([first.status, first.headers.get("retry-after"), first.json.error!.code]).toEqual([429, "30", "ApplicationThrottled"]);
      const early = await call(url, token);
      expect(early.status).toBe(429);
      expect(Number(early.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(g.stats()).toMatchObject({ throttled: 2, prematureRetries: 1 });
      // another mailbox is another budget: the storm is spent, so it is served
      expect((await call(`${g.baseUrl}/users/${BOB}/messages`, token)).status).toBe(200);

      g.throttleStorm({ requests: 1, retryAfterSeconds: 0.05 });
      const bobUrl = `${g.baseUrl}/users/${BOB}/messages`;
      const short = await call(bobUrl, token);
      expect([short.status, short.headers.get("retry-after")]).toEqual([429, "0.05"]);
      await new Promise((r) => setTimeout(r, 200));
      expect((await call(bobUrl, token)).status).toBe(200);
      expect(g.stats()).toMatchObject({ throttled: 3, prematureRetries: 1 });
    } finally {
      await g.close();
    }
  });

  it("limits concurrent requests and the request budget per mailbox", async () => {
    const g = await startGraphStandIn({ mailboxes: MAILBOXES, throttle: { concurrentPerMailbox: 2, requestsPerWindow: 6, windowMs: 60_000 }, latencyMs: 300 });
    try {
      const token = g.appToken(["Mail.ReadBasic.All"]);
      const url = `${g.baseUrl}/users/${ALICE}/messages?$top=1&$select=subject`;
      const burst = await Promise.all(Array.from({ length: 5 }, () => call(url, token)));
      const throttled = burst.filter((r) => r.status === 429);
      expect(burst.filter((r) => r.status === 200).length).toBe(2);
      expect(throttled.length).toBe(3);
      expect(throttled[0].json.error).toMatchObject({ code: "ApplicationThrottled", message: "Application is over its MailboxConcurrency limit." });
      expect(throttled[0].headers.get("retry-after")).toBe("1");
      expect(g.stats().maxConcurrentPerMailbox).toBe(2);

      // Bob's mailbox has its own budget: 6 admitted, the 7th waits for the window
      const bob = `${g.baseUrl}/users/${BOB}/messages`;
      for (let i = 0; i < 6; i++) expect((await call(bob, token)).status).toBe(200);
      const over = await call(bob, token);
      expect([over.status, over.json.error!.code]).toEqual([429, "ApplicationThrottled"]);
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
    } finally {
      await g.close();
    }
  });

  it("refuses bad options with a message naming them", async () => {
    await expect(startGraphStandIn({ mailboxes: MAILBOXES, throttle: { concurrentPerMailbox: 1.5 } })).rejects.toThrow("throttle.concurrentPerMailbox must be a positive whole number");
    await expect(startGraphStandIn({ mailboxes: [{ ...MAILBOXES[0], id: "alice" }] })).rejects.toThrow("mailboxes[0].id must be an Entra object id");
    await expect(startGraphStandIn({ mailboxes: [MAILBOXES[0], { ...MAILBOXES[1], userPrincipalName: "ALICE@contoso.com" }] })).rejects.toThrow("mailboxes[1] reuses 'alice@contoso.com'");
  });
});

describe("Graph stand-in driven by @microsoft/microsoft-graph-client", () => {
  let g: GraphStandInHandle;
  beforeAll(async () => {
    g = await startGraphStandIn({ mailboxes: MAILBOXES });
  });
  afterAll(() => g.close());

  it("pages through every message and rides out a storm with the client's RetryHandler", async () => {
    g.resetStats();
    const throttles: Array<string | null> = [];
    const client = standInGraphClient(g, ["Mail.ReadBasic.All"], { onThrottle: (t) => throttles.push(t.retryAfter) });
    g.throttleStorm({ requests: 3, retryAfterSeconds: 0.05 });
    const seen = await client.list<{ id: string }>(`/users/${ALICE}/messages`, { $top: "3", $select: "subject,receivedDateTime" }, "mail");
    expect(seen.map((m) => m.id)).toEqual(["m8", "m7", "m6", "m5", "m4", "m3", "m2", "m1"]);
    const s = g.stats();
    expect(s.throttled).toBe(3);
    expect(throttles).toEqual(["0.05", "0.05", "0.05"]);
    expect(s.pagesServed).toBe(3);
    expect(s.selects).toEqual(["subject,receivedDateTime", "subject,receivedDateTime", "subject,receivedDateTime"]);
  });

  it("sends the bearer token on every page, and a wrong one gets the sign-in message", async () => {
    const client = createGraphClient({ token: () => Promise.resolve("not-a-token"), route: new URL(g.baseUrl).origin });
    const err = await client.list(`/users/${ALICE}/messages`, {}, "mail").then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(GraphAccessError);
    expect(err).toMatchObject({ status: 401, code: "InvalidAuthenticationToken" });
    expect((err as Error).message).toMatch(/the sign-in was refused .*Check that the token is for https:\/\/graph\.microsoft\.com\/\.default/);
  });
});
