/**
 * The digest renderers on fixed data: escaping, what Outlook desktop needs (tables, inline styles,
 * nothing external), subjects and the plain-text alternative.
 */
import { renderGovernanceDigest, renderOwnerDigest, type DigestData, type DigestRecord, type OwnerDigest } from "../../plugins-ts/graph/digest";

const ORG = "https://contoso.crm4.dynamics.com";
const HOSTILE = `<script>alert("x")</script> & Sons`;

function record(over: Partial<DigestRecord> = {}): DigestRecord {
  const id = over.recordId ?? "0b7c6a52-1d2e-4f3a-9b8c-7d6e5f4a3b21";
  const table = over.table ?? "account";
  return {
    table,
    recordId: id,
    name: "Fourth Coffee",
    score: 48.5,
    grade: "F",
    topIssue: "The account has no phone number.",
    findings: 3,
    link: `${ORG}/main.aspx?pagetype=entityrecord&etn=${table}&id=${id}`,
    ...over,
  };
}

function owner(over: Partial<OwnerDigest> = {}): OwnerDigest {
  return {
    ownerId: "5d1f0f0e-9a8b-4c7d-8e6f-5a4b3c2d1e0f",
    kind: "user",
    name: "Jordan Lee",
    email: "jordan.lee@contoso.com",
    disabled: false,
    recordCount: 12,
    findingCount: 30,
    records: [
      record({ name: HOSTILE, topIssue: `Website <img src="https://evil.example/x.png"> is not set` }),
      record({ recordId: "1b7c6a52-1d2e-4f3a-9b8c-7d6e5f4a3b21", name: "Alpine Ski House", table: "contact", score: 71.2, grade: "C", topIssue: null, findings: 1 }),
    ],
    ...over,
  };
}

function governance(over: Partial<DigestData["governance"]> = {}): DigestData {
  const runs = [
    { runId: "r1", name: "Full audit 1", mode: "full" as const, startedOn: "2026-11-09T12:00:00Z", finishedOn: "2026-11-09T12:05:00Z", score: 77.1, grade: "C" as const, change: null, previousStartedOn: null },
    { runId: "r2", name: "Full audit 2", mode: "full" as const, startedOn: "2026-11-16T12:00:00Z", finishedOn: "2026-11-16T12:05:00Z", score: 76.3, grade: "C" as const, change: -0.8, previousStartedOn: "2026-11-09T12:00:00Z" },
    { runId: "r3", name: "Incremental audit 3", mode: "incremental" as const, startedOn: "2026-11-23T12:00:00Z", finishedOn: "2026-11-23T12:01:00Z", score: 78.4, grade: "C" as const, change: 2.1, previousStartedOn: "2026-11-16T12:00:00Z" },
  ];
  return {
    generatedOn: "2026-11-23T13:00:00.000Z",
    orgUrl: ORG,
    owners: [owner(), owner({ ownerId: "6d1f0f0e-9a8b-4c7d-8e6f-5a4b3c2d1e0f", kind: "team", name: `Key <b>Accounts</b>`, email: null, recordCount: 4, findingCount: 9, records: [] })],
    governance: {
      lastRun: {
        runId: "r3",
        name: "Incremental audit 3",
        mode: "incremental",
        scope: { tables: ["account", "contact"], ownerId: null, teamId: null, businessUnitId: null },
        startedOn: "2026-11-23T12:00:00Z",
        finishedOn: "2026-11-23T12:01:00Z",
        overallScore: 78.4,
        grade: "C",
        recordsScanned: 1234,
        recordsChanged: 56,
        report: {
          overall: { records: 1234, scored: 1234, average: 78.4, failed: 4321 },
          grades: { A: 100, B: 300, C: 500, D: 200, F: 134, none: 0 },
          byTable: { account: { records: 400, average: 80.2, failed: 1200 }, contact: { records: 834, average: 77.5, failed: 3121 } },
          byDimension: { completeness: 88.8, validity: 91.2, freshness: 55.5 },
          byRule: [
            { ruleId: "contact.<b>bad</b>", failed: 300, waived: 2 },
            { ruleId: "account.phone.required", failed: 120, waived: 0 },
          ],
          byOwner: {},
          byBusinessUnit: {},
        },
      },
      trend: runs,
      attention: { records: 16, findings: 39, users: 1, teamOwnedRecords: 4, unknownOwnerRecords: 0 },
      ...over,
    },
  };
}

/** What Outlook desktop (Word engine) and mail safety need of every digest. */
function expectMailSafe(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<link/i);
  expect(html).not.toMatch(/<img/i);
  expect(html).not.toMatch(/<style/i);
  expect(html).not.toMatch(/<[a-z][^>]*\ssrc=/i);
  expect(html).not.toMatch(/display\s*:\s*(flex|grid)/i);
  expect(html).toMatch(/<table role="presentation" width="600"/);
  expect(html).toMatch(/<body[^>]*bgcolor="#[0-9a-f]{6}"/);
  expect(html).toContain("font-family:'Segoe UI',Arial,sans-serif;");
  // Every link goes to the organisation, escaped as an attribute value.
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&#x2F;/g, "/").replace(/&amp;/g, "&"));
  for (const h of hrefs) expect(h.startsWith(`${ORG}/main.aspx?`)).toBe(true);
}

describe("renderOwnerDigest", () => {
  const input = { owner: owner(), generatedOn: "2026-11-23T13:00:00.000Z", orgUrl: ORG };

  it("escapes every value from data", () => {
    const { html, text } = renderOwnerDigest(input);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt; &amp; Sons");
    expect(html).toContain("Website &lt;img src=&quot;https:&#x2F;&#x2F;evil.example&#x2F;x.png&quot;&gt; is not set");
    expectMailSafe(html);
    expect(text).toContain(HOSTILE);
  });

  it("says how many records need attention in the subject and the body", () => {
    const mail = renderOwnerDigest(input);
    expect(mail.subject).toBe("CRM Vitals: 12 of your records need attention");
    expect(mail.html).toContain("<title>CRM Vitals: 12 of your records need attention</title>");
    expect(mail.html).toContain("12 of your records need attention</td>");
    expect(mail.html).toContain("12 records you own have 30 open findings.");
    expect(renderOwnerDigest({ ...input, owner: owner({ recordCount: 1, findingCount: 1, records: [record()] }) }).subject).toBe("CRM Vitals: 1 of your records needs attention");
  });

  it("lists records in a table with grade badges that carry their letter, and links to each record", () => {
    const { html, text } = renderOwnerDigest(input);
    expect(html).toMatch(/<th scope="col"[^>]*>Grade<\/th>/);
    expect(html).toMatch(/bgcolor="#a4262c"[^>]*title="Grade F">F<\/td>/);
    expect(html).toMatch(/bgcolor="#7a5c00"[^>]*title="Grade C">C<\/td>/);
    expect(html).toContain(`href="${`${ORG}/main.aspx?pagetype=entityrecord&etn=account&id=0b7c6a52-1d2e-4f3a-9b8c-7d6e5f4a3b21`.replace(/&/g, "&amp;").replace(/\//g, "&#x2F;")}"`);
    expect(html.indexOf("48.5")).toBeLessThan(html.indexOf("71.2"));
    expect(text).toContain("[F] 48.5");
    expect(text).toContain(`${ORG}/main.aspx?pagetype=entityrecord&etn=contact&id=1b7c6a52-1d2e-4f3a-9b8c-7d6e5f4a3b21`);
  });

  it("says how many more records there are than listed", () => {
    const { html, text } = renderOwnerDigest(input);
    expect(html).toContain("…and 10 more records.");
    expect(text).toContain("…and 10 more records. See them all in Dynamics 365: https://contoso.crm4.dynamics.com/main.aspx?pagetype=entitylist&etn=vit_recordhealth");
  });

  it("renders without links when there is no organisation URL", () => {
    const { html } = renderOwnerDigest({ ...input, owner: owner({ records: [record({ link: null })] }), orgUrl: null });
    expect(html).not.toContain("href=");
  });

  it("takes other strings", () => {
    const mail = renderOwnerDigest(input, { ownerSubject: (n) => `CRM Vitals: ${n} Datensätze brauchen Aufmerksamkeit`, ownerGreeting: (n) => `Hallo ${n},` });
    expect(mail.subject).toBe("CRM Vitals: 12 Datensätze brauchen Aufmerksamkeit");
    expect(mail.text).toContain("Hallo Jordan Lee,");
  });
});

describe("renderGovernanceDigest", () => {
  it("puts the score and its change since the previous run in the subject", () => {
    const mail = renderGovernanceDigest(governance());
    expect(mail.subject).toBe("CRM Vitals governance digest: score 78.4 (▲ 2.1 since 2026-11-16)");
    expect(mail.text.split("\n")[0]).toBe(mail.subject);
    expect(mail.text).toContain("Score 78.4 (grade C), ▲ 2.1 since 2026-11-16");
  });

  it("shows the trend as a table of runs with arrows and numbers", () => {
    const { html, text } = renderGovernanceDigest(governance());
    expect(html).toMatch(/<th scope="col"[^>]*>Change<\/th>/);
    const table = html.slice(html.indexOf("Trend over audits"));
    expect(table.indexOf("2026-11-09")).toBeLessThan(table.indexOf("2026-11-16"));
    expect(table.indexOf("2026-11-16")).toBeLessThan(table.indexOf("2026-11-23"));
    expect(html).toContain(">▼ 0.8</span>");
    expect(html).toContain(">▲ 2.1</span>");
    expect(text).toMatch(/2026-11-16 {2}full +76\.3 {2}▼ 0\.8/);
    expect(text).toMatch(/2026-11-23 {2}incremental +78\.4 {2}▲ 2\.1/);
  });

  it("reports the last run, its aggregates and the records that need attention, escaped", () => {
    const { html, text } = renderGovernanceDigest(governance());
    expectMailSafe(html);
    expect(html).toContain("contact.&lt;b&gt;bad&lt;&#x2F;b&gt;");
    expect(html).toContain("Key &lt;b&gt;Accounts&lt;&#x2F;b&gt;");
    expect(html).not.toContain("<b>");
    for (const s of ["1234", "account, contact", "80.2", "3121", "freshness", "55.5", "account.phone.required", "Records owned by teams (no personal digest)"]) expect(html).toContain(s);
    expect(text).toContain("Records owned by teams (no personal digest): 4");
    expect(text).toContain("Key <b>Accounts</b> (team): 4 records, 9 findings");
  });

  it("says when nothing changed, and when there is no previous run", () => {
    const flat = governance();
    flat.governance.trend[2] = { ...flat.governance.trend[2], change: 0 };
    expect(renderGovernanceDigest(flat).subject).toBe("CRM Vitals governance digest: score 78.4 (no change since 2026-11-16)");
    const single = governance({ trend: [{ ...governance().governance.trend[2], change: null, previousStartedOn: null }] });
    expect(renderGovernanceDigest(single).subject).toBe("CRM Vitals governance digest: score 78.4");
  });

  it("says when no audit has completed", () => {
    const mail = renderGovernanceDigest(governance({ lastRun: null, trend: [] }));
    expect(mail.subject).toBe("CRM Vitals governance digest: no completed audit yet");
    expect(mail.html).toContain("No audit has completed yet.");
    expectMailSafe(mail.html);
  });
});
