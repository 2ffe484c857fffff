/** The panel's data layer against a fake Web API: what it asks for and how it reads the answers. */
import { compilePack, defaultRulePack, type RulePack } from "../../plugins-ts/engine";
import { activityFetchXml, createWebApiVitalsSource, planRecordQuery, readActivityRows, recordQueryOptions } from "../../plugins-ts/client/vitalsSource";
import { choosePack, resetSessionRulePack, sessionRulePack } from "../../plugins-ts/client/rulePackSource";
import { classifyError } from "../../plugins-ts/client/errors";
import { pruneFilter } from "../../plugins-ts/client/odataPrune";
import { stageReadiness } from "../../controls/shared/readiness";
import { CONTACT_ID, NOW, OPPORTUNITY_ID, daysAgo, fakeWebApi, opportunityFixture } from "../helpers/pcfContext";

const compiled = compilePack(defaultRulePack());

beforeEach(() => resetSessionRulePack());

describe("planRecordQuery", () => {
  it("selects the pack's columns and the stage's exit criteria, and expands owner and parents", () => {
    const plan = planRecordQuery("opportunity", compiled);
    for (const c of compiled.requirements("opportunity").columns) expect(plan.select).toContain(c);
    expect(plan.select).toEqual(expect.arrayContaining(["customerneed", "filedebrief", "versionnumber", "_ownerid_value"]));
    const options = recordQueryOptions("opportunity", plan).options;
    expect(options).toContain("owninguser($select=isdisabled,fullname)");
    expect(options).toContain("parentaccountid($select=statecode,accountid,name)");
    expect(plan).toMatchObject({ owner: true, activities: true, stage: true, duplicates: false });
  });

  it("expands both targets of a polymorphic lookup with the columns the rules compare", () => {
    const plan = planRecordQuery("contact", compiled);
    const options = recordQueryOptions("contact", plan).options;
    expect(options).toContain("parentcustomerid_account($select=statecode,accountid,name,websiteurl)");
    expect(options).toContain("parentcustomerid_contact($select=statecode,contactid,fullname,websiteurl)");
    expect(plan).toMatchObject({ stage: false, duplicates: true });
    expect(plan.select).toEqual(expect.arrayContaining(["emailaddress2", "address1_line1"]));
  });
});

describe("load", () => {
  it("reads an opportunity in three parallel requests and scores it", async () => {
    const fake = fakeWebApi(opportunityFixture());
    const source = createWebApiVitalsSource(fake.api);
    const snap = await source.load("opportunity", `{${OPPORTUNITY_ID.toUpperCase()}}`, compiled);
    expect(snap.requests).toBe(3);
    expect(fake.calls.map((c) => c.table)).toEqual(["opportunity", "activitypointer", "opportunitysalesprocess"]);
    expect(decodeURIComponent(fake.calls[1].options)).toContain(`value="${OPPORTUNITY_ID}"`);
    expect(fake.calls[2].options).toContain(`_bpf_opportunityid_value eq ${OPPORTUNITY_ID}`);
    expect(snap.record.related).toMatchObject({
      ownerEnabled: true,
      ownerName: "Dana Seller",
      lastActivityOn: daysAgo(40),
      nextActivityDueOn: daysAgo(-5),
      stage: { name: "Develop", enteredOn: daysAgo(50) },
      parents: { parentaccountid: { table: "account", active: true, name: "Contoso" } },
    });
    expect(snap.version).toBe("1001");
    const score = compiled.score(snap.record, { now: NOW });
    const failed = score.findings.filter((f) => f.outcome === "failed").map((f) => f.ruleId);
    expect(failed).toEqual(expect.arrayContaining(["opportunity.stage.days", "opportunity.activity.recent"]));
    expect(failed).not.toContain("opportunity.account.active");
  });

  it("finds likely duplicates of a contact with one targeted query and explains them", async () => {
    const other = "aaaaaaaa-0000-0000-0000-000000000009";
    const fake = fakeWebApi({
      records: {
        contact: {
          contactid: CONTACT_ID,
          fullname: "Jane Doe",
          firstname: "Jane",
          lastname: "Doe",
          emailaddress1: "jane.doe@contoso.com",
          telephone1: "+1 425 555 0100",
          statecode: 0,
          modifiedon: daysAgo(1),
          versionnumber: 7,
          _parentcustomerid_value: null,
          parentcustomerid_account: null,
          parentcustomerid_contact: null,
          owninguser: { isdisabled: true, fullname: "Left Company" },
        },
      },
      lists: {
        contact: [{ contactid: other, fullname: "Jane Doe", firstname: "Jane", lastname: "Doe", emailaddress1: "jane.doe@contoso.com", telephone1: "+1 425 555 0100" }],
      },
    });
    const snap = await createWebApiVitalsSource(fake.api).load("contact", CONTACT_ID, compiled);
    // record, activities, the Outlook comparison (vit_activitygap), duplicates
    expect(snap.requests).toBe(4);
    expect(fake.calls.find((c) => c.table === "vit_activitygap")?.options).toContain(`vit_recordid eq '${CONTACT_ID}'`);
    expect(snap.record.related?.engagementGap).toBeNull();
    const dupCall = fake.calls.find((c) => c.method === "retrieveMultipleRecords" && c.table === "contact")!;
    expect(dupCall.options).toContain("emailaddress1 eq 'jane.doe@contoso.com'");
    expect(dupCall.options).toContain(`contactid ne ${CONTACT_ID}`);
    expect(snap.record.related?.duplicates).toEqual([expect.objectContaining({ table: "contact", id: other, name: "Jane Doe" })]);
    expect(snap.record.related?.duplicates?.[0].reason).toMatch(/same e-?mail/i);
    expect(snap.record.related?.ownerEnabled).toBe(false);
    expect(snap.record.related?.parents).toEqual({ parentcustomerid: null });
  });

  it("settles every request and reports the record's error first", async () => {
    const fake = fakeWebApi({ ...opportunityFixture(), fail: { opportunity: { errorCode: -2147220960, message: "missing prvReadOpportunity" } } });
    await expect(createWebApiVitalsSource(fake.api).load("opportunity", OPPORTUNITY_ID, compiled)).rejects.toMatchObject({ message: "missing prvReadOpportunity" });
  });

  it("scores without activities when the user may not read them, and says so", async () => {
    const fake = fakeWebApi({ ...opportunityFixture(), fail: { activitypointer: { status: 403, message: "missing prvReadActivityPointer" } } });
    const snap = await createWebApiVitalsSource(fake.api).load("opportunity", OPPORTUNITY_ID, compiled);
    expect(snap.partial).toEqual([{ fact: "activities", reason: "missing prvReadActivityPointer" }]);
    expect(snap.record.related?.lastActivityOn).toBeUndefined();
    expect(snap.record.related?.stage?.name).toBe("Develop");
  });

  it("leaves out a column the organisation does not have and remembers it", async () => {
    const fixture = opportunityFixture();
    const fake = fakeWebApi(fixture);
    const real = fake.api.retrieveRecord.bind(fake.api);
    fake.api.retrieveRecord = (table, id, options = "") =>
      /[,=]filedebrief[,&]/.test(options) ? Promise.reject(new Error("Could not find a property named 'filedebrief' on type 'Microsoft.Dynamics.CRM.opportunity'.")) : real(table, id, options);
    const source = createWebApiVitalsSource(fake.api);
    const first = await source.load("opportunity", OPPORTUNITY_ID, compiled);
    expect(first.requests).toBe(4);
    expect(first.record.values).not.toHaveProperty("filedebrief");
    expect(first.partial).toEqual([{ fact: "columns", reason: "not in this organisation: filedebrief" }]);
    const second = await source.load("opportunity", OPPORTUNITY_ID, compiled);
    expect(second.requests).toBe(3);
  });

  it("rejects an id that is not a GUID", async () => {
    await expect(createWebApiVitalsSource(fakeWebApi({}).api).load("opportunity", "not-a-guid", compiled)).rejects.toThrow(/not a GUID/);
  });
});

describe("activities", () => {
  it("groups by state: latest completed, earliest open or scheduled, cancelled ignored", () => {
    expect(readActivityRows([
      { state: 1, lastdone: "2026-10-01T10:00:00Z" },
      { state: 2, lastdone: "2026-11-20T10:00:00Z", nextdue: "2026-01-01T00:00:00Z" },
      { state: 0, nextdue: "2026-12-05T09:00:00Z" },
      { state: 3, nextdue: "2026-12-01T09:00:00Z" },
    ])).toEqual({ lastActivityOn: "2026-10-01T10:00:00Z", nextActivityDueOn: "2026-12-01T09:00:00Z" });
    expect(readActivityRows([])).toEqual({ lastActivityOn: null, nextActivityDueOn: null });
    expect(activityFetchXml(OPPORTUNITY_ID)).toMatch(/aggregate="true".*groupby="true".*aggregate="max".*aggregate="min"/);
  });
});

describe("rule pack", () => {
  const custom = (): RulePack => ({ ...defaultRulePack(), id: "contoso", name: "Contoso rules", version: "2.1.0" });

  it("uses the environment variable's current value over its default, read in one request once per session", async () => {
    // The FetchXML outer join answers the definition's columns and the value row's as "v.value".
    const fake = fakeWebApi({
      lists: { environmentvariabledefinition: [{ environmentvariabledefinitionid: "12345678-1234-1234-1234-123456789012", defaultvalue: "{}", "v.value": JSON.stringify(custom()) }] },
    });
    const a = await sessionRulePack(fake.api);
    const b = await sessionRulePack(fake.api);
    expect(a).toBe(b);
    expect(a).toMatchObject({ source: "organisation" });
    expect(a.compiled.pack.name).toBe("Contoso rules");
    expect(fake.calls).toHaveLength(1);
    expect(decodeURIComponent(fake.calls[0].options)).toContain('<condition attribute="schemaname" operator="eq" value="vit_RulePack"/>');
    expect(decodeURIComponent(fake.calls[0].options)).toContain('<link-entity name="environmentvariablevalue" from="environmentvariabledefinitionid" to="environmentvariabledefinitionid" link-type="outer"');
  });

  it("uses the definition's default value when the variable has no current value", async () => {
    const fake = fakeWebApi({ lists: { environmentvariabledefinition: [{ defaultvalue: JSON.stringify(custom()), "v.value": null }] } });
    expect((await sessionRulePack(fake.api)).compiled.pack.name).toBe("Contoso rules");
  });

  it("falls back to the default pack, saying why, when the pack is invalid", () => {
    const bad = { ...custom(), rules: [{ ...defaultRulePack().rules[0], check: { type: "telepathy" } }] };
    const choice = choosePack(JSON.stringify(bad));
    expect(choice.source).toBe("default");
    expect(choice.fallbackReason).toMatch(/vit_RulePack is invalid.*telepathy/s);
    expect(choosePack("{not json").fallbackReason).toMatch(/not valid JSON/);
    expect(choosePack(null)).toMatchObject({ source: "default" });
    expect(choosePack(null).fallbackReason).toBeUndefined();
  });

  it("falls back when the variable cannot be read", async () => {
    const fake = fakeWebApi({ fail: { environmentvariabledefinition: { status: 403, message: "no read on environment variables" } } });
    const choice = await sessionRulePack(fake.api);
    expect(choice.source).toBe("default");
    expect(choice.fallbackReason).toMatch(/could not be read: no read on environment variables/);
  });
});

describe("errors", () => {
  it("tells no access from other failures", () => {
    expect(classifyError({ errorCode: -2147220960, message: "x" }).kind).toBe("noAccess");
    expect(classifyError({ status: 403, message: "Forbidden" }).kind).toBe("noAccess");
    expect(classifyError({ error: { code: "0x80040220", message: "Principal user is missing prvReadLead privilege" } }).kind).toBe("noAccess");
    expect(classifyError(new Error("Failed to fetch")).kind).toBe("failed");
    expect(classifyError({ errorCode: -2147220969, message: "Does Not Exist" }).kind).toBe("notFound");
  });
});

describe("stage readiness", () => {
  it("ticks the current stage's criteria and measures days, cadence and follow-up", async () => {
    const snap = await createWebApiVitalsSource(fakeWebApi(opportunityFixture()).api).load("opportunity", OPPORTUNITY_ID, compiled);
    const r = stageReadiness(compiled, snap.record, NOW)!;
    expect(r).toMatchObject({ processName: "Opportunity Sales Process", status: "fetched", stage: "Develop", daysInStage: 50, maxDays: 45, followUpOverdue: false, lastActivityLate: true });
    expect(r.criteria).toEqual([
      { label: "Customer need", column: "customerneed", met: false },
      { label: "Proposed solution", column: "proposedsolution", met: true },
      { label: "Stakeholders identified", column: "identifycustomercontacts", met: true },
    ]);
    expect(r.earlierMissing).toEqual([]);
    expect(stageReadiness(compiled, { table: "account", id: "x", values: {} }, NOW)).toBeNull();
  });
});

describe("pruneFilter", () => {
  const missing = new Set(["emailaddress2", "emailaddress3", "governmentid"]);
  it("drops alternatives on missing columns and voids and-groups that need them", () => {
    const f =
      "statecode eq 0 and contactid ne 1 and ((emailaddress1 eq 'a@b.com' or emailaddress2 eq 'a@b.com' or emailaddress3 eq 'a@b.com') or governmentid eq 'X' or (lastname eq 'O''Neil or Smith' and (startswith(firstname,'Jan') or firstname eq 'jan')) or (emailaddress2 eq 'c' and lastname eq 'D'))";
    expect(pruneFilter(f, missing)).toBe(
      "statecode eq 0 and contactid ne 1 and (emailaddress1 eq 'a@b.com' or (lastname eq 'O''Neil or Smith' and (startswith(firstname,'Jan') or firstname eq 'jan')))",
    );
    expect(pruneFilter(f, new Set())).toBe(f);
    expect(pruneFilter("emailaddress2 eq 'x' or emailaddress3 eq 'y'", missing)).toBeNull();
    expect(pruneFilter("contains(websiteurl,'a(b)') and statecode eq 0", new Set(["websiteurl"]))).toBeNull();
    expect(() => pruneFilter("(a eq 1", missing)).toThrow(/unbalanced/);
  });
});
