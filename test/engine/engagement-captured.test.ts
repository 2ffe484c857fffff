/** The engagement-captured check: the stored Outlook comparison as a finding a rep can act on. */
import { compilePack, defaultRulePack, type EngagementGapFact } from "../../plugins-ts/engine";
import { judge, NOW, pack, record, rule } from "../helpers/records";

const gap = (over: Partial<EngagementGapFact> = {}): EngagementGapFact => ({
  unloggedEmails: 0,
  unloggedMeetings: 0,
  loggedEmails: 0,
  loggedMeetings: 0,
  windowDays: 30,
  checkedOn: "2026-11-22T06:00:00Z",
  ...over,
});

describe("engagementCaptured", () => {
  const check = { type: "engagementCaptured" as const };

  it("fails with the counts a rep can act on", () => {
    const f = judge("contact", check, {}, { engagementGap: gap({ unloggedEmails: 3, unloggedMeetings: 1, loggedEmails: 2 }) });
    expect(f?.outcome).toBe("failed");
    expect(f?.observed).toBe("3 emails and 1 meeting with this contact in the last 30 days are not in Dynamics (compared 2026-11-22)");
    expect(f?.expected).toMatch(/every email and meeting .* logged in Dynamics \(compared with Outlook within the last 7 days\)/);
    expect(f?.columns).toEqual(["@engagementGap"]);
  });

  it("uses the singular for one item", () => {
    expect(judge("contact", check, {}, { engagementGap: gap({ unloggedMeetings: 1 }) })?.observed).toBe("1 meeting with this contact in the last 30 days is not in Dynamics (compared 2026-11-22)");
  });

  it("passes when everything is logged, or nothing happened", () => {
    expect(judge("contact", check, {}, { engagementGap: gap({ loggedEmails: 4, loggedMeetings: 2 }) })).toMatchObject({ outcome: "passed", observed: "all 4 emails and 2 meetings in the last 30 days are logged (compared 2026-11-22)" });
    expect(judge("contact", check, {}, { engagementGap: gap() })).toMatchObject({ outcome: "passed", observed: "no mail or meetings with this contact in the last 30 days (compared 2026-11-22)" });
  });

  it("tolerates up to maxUnlogged", () => {
    expect(judge("contact", { type: "engagementCaptured", maxUnlogged: 2 }, {}, { engagementGap: gap({ unloggedEmails: 2 }) })?.outcome).toBe("passed");
    expect(judge("contact", { type: "engagementCaptured", maxUnlogged: 2 }, {}, { engagementGap: gap({ unloggedEmails: 2, unloggedMeetings: 1 }) })?.outcome).toBe("failed");
  });

  it("is not evaluated when the contact was never compared or the comparison is stale — never failed", () => {
    expect(judge("contact", check, {}, {})).toMatchObject({ outcome: "notEvaluated", reason: 'related fact "engagementGap" was not fetched' });
    const never = judge("contact", check, {}, { engagementGap: null });
    expect(never?.outcome).toBe("notEvaluated");
    expect(never?.reason).toMatch(/has not compared this contact with Outlook/);
    const stale = judge("contact", check, {}, { engagementGap: gap({ unloggedEmails: 5, checkedOn: "2026-11-10T00:00:00Z" }) });
    expect(stale).toMatchObject({ outcome: "notEvaluated", reason: "the last comparison with Outlook (2026-11-10) is older than 7 days" });
  });

  it("declares the fact it needs and when its verdict expires", () => {
    const compiled = compilePack(pack([rule("contact", check, { dimension: "engagement" })]));
    expect(compiled.requirements("contact").facts).toEqual(["engagementGap"]);
    const s = compiled.score(record("contact", {}, { engagementGap: gap({ unloggedEmails: 1 }) }), { now: NOW });
    expect(s.dimensions.engagement?.failed).toBe(1);
    expect(s.revisitAfter).toBe("2026-11-29T06:00:00.000Z");
  });

  it("is in the default pack for active contacts", () => {
    const r = defaultRulePack().rules.find((x) => x.id === "contact.activity.captured");
    expect(r).toMatchObject({ table: "contact", dimension: "engagement", check: { type: "engagementCaptured", maxUnlogged: 0, maxAgeDays: 7 }, when: { column: "statecode", equals: 0 } });
  });
});
