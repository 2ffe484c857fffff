import { compilePack, type Check } from "../../plugins-ts/engine";
import { judge, NOW, pack, record, rule } from "../helpers/records";

const outcome = (...args: Parameters<typeof judge>): string | undefined => judge(...args)?.outcome;
const LONG = "x".repeat(100_000);

describe("presence checks", () => {
  const req: Check = { type: "required", column: "lastname" };
  it("fails on null, empty and whitespace-only values, passes on any text", () => {
    expect(outcome("contact", req, { lastname: null })).toBe("failed");
    expect(outcome("contact", req, { lastname: "" })).toBe("failed");
    expect(outcome("contact", req, { lastname: " \t\u00a0\n" })).toBe("failed");
    expect(outcome("contact", req, { lastname: "Ø" })).toBe("passed");
    expect(outcome("contact", req, { lastname: 0 })).toBe("passed");
    expect(outcome("contact", req, { lastname: false })).toBe("passed");
  });
  it("is not evaluated (never failed) when the column was not fetched", () => {
    const f = judge("contact", req, {});
    expect(f?.outcome).toBe("notEvaluated");
    expect(f?.reason).toContain('"lastname" was not fetched');
  });
  it("requiredAny passes on any filled column, fails when all are empty, is unknown when empties are not all fetched", () => {
    const c: Check = { type: "requiredAny", columns: ["telephone1", "mobilephone"] };
    expect(outcome("contact", c, { telephone1: null, mobilephone: "+14255550100" })).toBe("passed");
    expect(outcome("contact", c, { telephone1: "", mobilephone: null })).toBe("failed");
    expect(outcome("contact", c, { telephone1: "" })).toBe("notEvaluated");
  });
  it("requiredWhen applies only when its condition holds", () => {
    const c: Check = { type: "requiredWhen", column: "actualvalue", if: { column: "statecode", equals: 1 } };
    expect(judge("opportunity", c, { statecode: 0, actualvalue: null })).toBeUndefined();
    expect(outcome("opportunity", c, { statecode: 1, actualvalue: null })).toBe("failed");
    expect(outcome("opportunity", c, { statecode: 1, actualvalue: 5000 })).toBe("passed");
    expect(outcome("opportunity", c, { actualvalue: null })).toBe("notEvaluated");
  });
});

describe("format checks", () => {
  const email: Check = { type: "format", column: "emailaddress1", format: "email" };
  it("email: validator's rules, empty is not a format failure", () => {
    expect(outcome("contact", email, { emailaddress1: "maria.garcia@contoso.com" })).toBe("passed");
    expect(outcome("contact", email, { emailaddress1: "  maria@contoso.co.uk  " })).toBe("passed");
    expect(outcome("contact", email, { emailaddress1: "maria@contoso" })).toBe("failed");
    expect(outcome("contact", email, { emailaddress1: "maria contoso.com" })).toBe("failed");
    expect(outcome("contact", email, { emailaddress1: "maria@@contoso.com" })).toBe("failed");
    expect(outcome("contact", email, { emailaddress1: `${LONG}@contoso.com` })).toBe("failed");
    expect(outcome("contact", email, { emailaddress1: "" })).toBe("notEvaluated");
    expect(outcome("contact", email, { emailaddress1: "   " })).toBe("notEvaluated");
  });
  it("a value of the wrong type fails and says what it was", () => {
    const f = judge("contact", email, { emailaddress1: 12345 });
    expect(f?.outcome).toBe("failed");
    expect(f?.observed).toContain("a number, not text");
  });
  it("phone: region from the country column, the pack default otherwise", () => {
    const phone: Check = { type: "format", column: "telephone1", format: "phone", countryColumn: "address1_country" };
    expect(outcome("contact", phone, { telephone1: "(425) 555-0100", address1_country: "United States" })).toBe("passed");
    expect(outcome("contact", phone, { telephone1: "020 7946 0958", address1_country: "United Kingdom" })).toBe("passed");
    expect(outcome("contact", phone, { telephone1: "020 7946 0958", address1_country: "GB" })).toBe("passed");
    expect(outcome("contact", phone, { telephone1: "030 901820", address1_country: "Deutschland" })).toBe("passed");
    // a UK number read as a US number is not valid
    expect(outcome("contact", phone, { telephone1: "020 7946 0958", address1_country: "United States" })).toBe("failed");
    expect(outcome("contact", phone, { telephone1: "555-0100", address1_country: "United States" })).toBe("failed");
    expect(outcome("contact", phone, { telephone1: "(425) 555-0100", address1_country: null })).toBe("passed");
    expect(outcome("contact", phone, { telephone1: "(425) 555-0100" }, undefined, { extra: { defaultRegion: "GB" } })).toBe("notEvaluated");
    expect(outcome("contact", phone, { telephone1: "(425) 555-0100", address1_country: null }, undefined, { extra: { defaultRegion: "GB" } })).toBe("failed");
    const unknownCountry = judge("contact", phone, { telephone1: "12345", address1_country: "Atlantis" });
    expect(unknownCountry?.outcome).toBe("notEvaluated");
    expect(unknownCountry?.reason).toContain("Atlantis");
    expect(outcome("contact", phone, { telephone1: "+44 20 7946 0958", address1_country: "Atlantis" })).toBe("passed");
  });
  it("phone: the expected text names the region used", () => {
    const phone: Check = { type: "format", column: "telephone1", format: "phone", countryColumn: "address1_country" };
    expect(judge("contact", phone, { telephone1: "12", address1_country: "Germany" })?.expected).toBe("a valid phone number for Germany (DE)");
  });
  it("url and domain through tldts", () => {
    const url: Check = { type: "format", column: "websiteurl", format: "url" };
    expect(outcome("account", url, { websiteurl: "www.contoso.com" })).toBe("passed");
    expect(outcome("account", url, { websiteurl: "https://contoso.co.uk/about" })).toBe("passed");
    expect(outcome("account", url, { websiteurl: "contoso" })).toBe("failed");
    expect(outcome("account", url, { websiteurl: "http://192.168.0.1" })).toBe("failed");
    expect(outcome("account", url, { websiteurl: "www.contoso .com" })).toBe("failed");
    expect(outcome("account", url, { websiteurl: "ftp://contoso.com" })).toBe("failed");
    const domain: Check = { type: "format", column: "websiteurl", format: "domain" };
    expect(outcome("account", domain, { websiteurl: "contoso.com" })).toBe("passed");
    expect(outcome("account", domain, { websiteurl: "https://contoso.com" })).toBe("failed");
    expect(outcome("account", domain, { websiteurl: "contoso..com" })).toBe("failed");
  });
  it("postal codes per country", () => {
    const pc: Check = { type: "format", column: "address1_postalcode", format: "postalCode", countryColumn: "address1_country" };
    expect(outcome("account", pc, { address1_postalcode: "98052", address1_country: "United States" })).toBe("passed");
    expect(outcome("account", pc, { address1_postalcode: "98052-6399", address1_country: "US" })).toBe("passed");
    expect(outcome("account", pc, { address1_postalcode: "SW1A 1AA", address1_country: "United Kingdom" })).toBe("passed");
    expect(outcome("account", pc, { address1_postalcode: "10115", address1_country: "Germany" })).toBe("passed");
    expect(outcome("account", pc, { address1_postalcode: "SW1A 1AA", address1_country: "Germany" })).toBe("failed");
    expect(outcome("account", pc, { address1_postalcode: "9805", address1_country: "United States" })).toBe("failed");
  });
});

describe("value checks", () => {
  it("pattern, allowed values, range and length", () => {
    const pat: Check = { type: "pattern", column: "accountnumber", pattern: "^AC-\\d{6}$", description: "AC- and six digits" };
    expect(outcome("account", pat, { accountnumber: "AC-123456" })).toBe("passed");
    expect(outcome("account", pat, { accountnumber: "AC-12345" })).toBe("failed");
    expect(judge("account", pat, { accountnumber: "x" })?.expected).toBe("AC- and six digits");
    const allowed: Check = { type: "allowedValues", column: "address1_country", values: ["United States", "Canada"] };
    expect(outcome("account", allowed, { address1_country: "united states" })).toBe("passed");
    expect(outcome("account", allowed, { address1_country: "Mexico" })).toBe("failed");
    const range: Check = { type: "range", column: "closeprobability", min: 0, max: 100 };
    expect(outcome("opportunity", range, { closeprobability: 100 })).toBe("passed");
    expect(outcome("opportunity", range, { closeprobability: 101 })).toBe("failed");
    expect(outcome("opportunity", range, { closeprobability: -1 })).toBe("failed");
    expect(outcome("opportunity", range, { closeprobability: "50" })).toBe("passed");
    const nan = judge("opportunity", range, { closeprobability: "fifty" });
    expect(nan?.outcome).toBe("notEvaluated");
    expect(nan?.reason).toContain("not a number");
    expect(judge("opportunity", range, { closeprobability: 5 })?.expected).toBe("a number between 0 and 100");
    const len: Check = { type: "length", column: "name", min: 2, max: 5 };
    expect(outcome("account", len, { name: "日本語" })).toBe("passed");
    expect(outcome("account", len, { name: "👍🏽" })).toBe("passed"); // two code points
    expect(outcome("account", len, { name: LONG })).toBe("failed");
  });
  it("placeholder and junk values", () => {
    const c: Check = { type: "placeholder", columns: ["firstname", "lastname", "emailaddress1"] };
    for (const junk of ["test", "TEST", " n/a ", "asdf", "xxxx", "aaaaaa", "0000000", "qwerty", "-", "?"]) {
      expect(outcome("contact", c, { firstname: "Maria", lastname: junk, emailaddress1: null })).toBe("failed");
    }
    expect(outcome("contact", c, { firstname: "Maria", lastname: "García", emailaddress1: "test@test.com" })).toBe("failed");
    expect(outcome("contact", c, { firstname: "Maria", lastname: "García", emailaddress1: "anna@example.com" })).toBe("failed");
    expect(outcome("contact", c, { firstname: "Maria", lastname: "García", emailaddress1: "maria@contoso.com" })).toBe("passed");
    for (const real of ["Lee", "Ng", "Testa", "Nash", "Abcarian", "Xu"]) {
      expect(outcome("contact", c, { firstname: "Maria", lastname: real })).toBe("passed");
    }
    expect(outcome("contact", { type: "placeholder", columns: ["lastname"], extraValues: ["Mustermann"] }, { lastname: "mustermann" })).toBe("failed");
    expect(outcome("contact", c, { firstname: null, lastname: "" })).toBe("notEvaluated");
    expect(judge("contact", c, { firstname: "Maria", lastname: "asdf" })?.observed).toBe('lastname: "asdf" is a placeholder');
  });
  it("casing: all capitals and all lower case, short and caseless text passes", () => {
    const c: Check = { type: "casing", column: "lastname", reject: ["upper", "lower"] };
    expect(outcome("contact", c, { lastname: "SMITH" })).toBe("failed");
    expect(outcome("contact", c, { lastname: "smith" })).toBe("failed");
    expect(outcome("contact", c, { lastname: "ÖZTÜRK" })).toBe("failed");
    expect(outcome("contact", c, { lastname: "McDonald" })).toBe("passed");
    expect(outcome("contact", c, { lastname: "Ng" })).toBe("passed");
    expect(outcome("contact", c, { lastname: "王" })).toBe("passed");
    expect(outcome("contact", { type: "casing", column: "lastname", reject: ["upper"] }, { lastname: "smith" })).toBe("passed");
  });
});

describe("clock-dependent checks", () => {
  const day = (iso: string): string => `${iso}T00:00:00Z`;
  it("freshness passes within the limit, fails after, and says when it flips", () => {
    const c: Check = { type: "freshness", column: "modifiedon", maxDays: 90 };
    const fresh = judge("contact", c, { modifiedon: day("2026-10-01") });
    expect(fresh?.outcome).toBe("passed");
    expect(fresh?.observed).toBe("2026-10-01 (53 days ago)");
    const stale = judge("contact", c, { modifiedon: day("2026-01-01") });
    expect(stale?.outcome).toBe("failed");
    expect(stale?.expected).toBe("modifiedon within the last 90 days");
    const p = pack([rule("contact", c)]);
    const s = compilePack(p).score(record("contact", { modifiedon: day("2026-10-01") }), { now: NOW });
    expect(s.revisitAfter).toBe("2026-12-30T00:00:00.000Z");
    // a failure does not flip by the clock alone
    expect(compilePack(p).score(record("contact", { modifiedon: day("2026-01-01") }), { now: NOW }).revisitAfter).toBeNull();
    expect(outcome("contact", c, { modifiedon: "yesterday" })).toBe("notEvaluated");
  });
  it("last activity: none logged fails, not fetched is not evaluated", () => {
    const c: Check = { type: "lastActivity", maxDays: 30 };
    expect(outcome("lead", c, {}, { lastActivityOn: day("2026-11-01") })).toBe("passed");
    expect(outcome("lead", c, {}, { lastActivityOn: day("2026-09-01") })).toBe("failed");
    expect(judge("lead", c, {}, { lastActivityOn: null })?.observed).toBe("no completed activity");
    expect(outcome("lead", c, {}, {})).toBe("notEvaluated");
  });
  it("follow-up: missing or overdue fails", () => {
    const c: Check = { type: "followUp" };
    expect(outcome("lead", c, {}, { nextActivityDueOn: day("2026-11-30") })).toBe("passed");
    expect(outcome("lead", c, {}, { nextActivityDueOn: "2026-11-23" })).toBe("passed"); // due today
    expect(judge("lead", c, {}, { nextActivityDueOn: day("2026-11-20") })?.observed).toBe("overdue: due 2026-11-20 (3 days ago)");
    expect(outcome("lead", c, {}, { nextActivityDueOn: null })).toBe("failed");
    expect(outcome("lead", { type: "followUp", overdueGraceDays: 7 }, {}, { nextActivityDueOn: day("2026-11-20") })).toBe("passed");
  });
  it("days in stage uses the stage's limit and quotes it", () => {
    const c: Check = { type: "daysInStage" };
    const ok = judge("opportunity", c, {}, { stage: { name: "Qualify", enteredOn: day("2026-11-01") } });
    expect(ok?.outcome).toBe("passed");
    const stuck = judge("opportunity", c, {}, { stage: { name: "Develop", enteredOn: day("2026-08-01") } });
    expect(stuck?.outcome).toBe("failed");
    expect(stuck?.observed).toBe("114 days in Develop (since 2026-08-01)");
    expect(stuck?.expected).toBe("at most 45 days in Develop");
    expect(judge("opportunity", c, {}, { stage: { name: "Propose", enteredOn: day("2026-08-01") } })?.reason).toContain("no day limit");
    expect(outcome("opportunity", c, {}, { stage: null })).toBe("notEvaluated");
    expect(outcome("opportunity", { type: "daysInStage", maxDays: 10 }, {}, { stage: { name: "Qualify", enteredOn: day("2026-11-01") } })).toBe("failed");
  });
  it("a close date in the past fails; a date-only value counts for the whole day", () => {
    const c: Check = { type: "dateNotPast", column: "estimatedclosedate" };
    expect(outcome("opportunity", c, { estimatedclosedate: "2026-11-23" })).toBe("passed");
    expect(outcome("opportunity", c, { estimatedclosedate: "2026-11-22" })).toBe("failed");
    expect(outcome("opportunity", { type: "dateNotPast", column: "estimatedclosedate", graceDays: 7 }, { estimatedclosedate: "2026-11-20" })).toBe("passed");
  });
});

describe("process checks", () => {
  const c: Check = { type: "stageExitCriteria" };
  const entered = "2026-11-01T00:00:00Z";
  it("the first stage has no earlier criteria", () => {
    expect(outcome("opportunity", c, { budgetamount: null, decisionmaker: null, customerneed: null }, { stage: { name: "Qualify", enteredOn: entered } })).toBe("passed");
  });
  it("a later stage needs every earlier stage's criteria and names what is missing", () => {
    const f = judge("opportunity", c, { budgetamount: 5000, decisionmaker: false, customerneed: null }, { stage: { name: "Propose", enteredOn: entered } });
    expect(f?.outcome).toBe("failed");
    expect(f?.observed).toBe("in Propose; missing: Decision maker (Qualify), Customer need (Develop)");
    expect(f?.expected).toBe("before Propose: Budget, Decision maker, Customer need");
    expect(outcome("opportunity", c, { budgetamount: 5000, decisionmaker: true, customerneed: "Faster invoicing" }, { stage: { name: "Propose", enteredOn: entered } })).toBe("passed");
  });
  it("an unknown stage or unfetched criterion is not evaluated", () => {
    expect(outcome("opportunity", c, { budgetamount: 1, decisionmaker: true, customerneed: "x" }, { stage: { name: "Negotiate", enteredOn: entered } })).toBe("notEvaluated");
    expect(outcome("opportunity", c, { budgetamount: 1 }, { stage: { name: "Develop", enteredOn: entered } })).toBe("notEvaluated");
  });
  it("stage conditions in `when`", () => {
    const req: Check = { type: "required", column: "customerneed" };
    const when = { stageAtLeast: "Develop" };
    expect(judge("opportunity", req, { customerneed: null }, { stage: { name: "Qualify", enteredOn: entered } }, { when })).toBeUndefined();
    expect(outcome("opportunity", req, { customerneed: null }, { stage: { name: "Propose", enteredOn: entered } }, { when })).toBe("failed");
    expect(outcome("opportunity", req, { customerneed: null }, {}, { when })).toBe("notEvaluated");
  });
});

describe("relations, ownership, consistency, duplicates", () => {
  it("relation present and active", () => {
    const c: Check = { type: "relation", lookup: "parentcustomerid", mustBeActive: true };
    const id = "7d3a3c5e-0000-0000-0000-000000000001";
    expect(outcome("contact", c, { _parentcustomerid_value: id }, { parents: { parentcustomerid: { table: "account", id, active: true, name: "Contoso" } } })).toBe("passed");
    expect(judge("contact", c, { _parentcustomerid_value: id }, { parents: { parentcustomerid: { table: "account", id, active: false, name: "Contoso" } } })?.observed).toBe(
      "Contoso (account) is inactive",
    );
    expect(outcome("contact", c, { _parentcustomerid_value: null }, { parents: {} })).toBe("failed");
    expect(outcome("contact", c, { _parentcustomerid_value: id }, { parents: { parentcustomerid: null } })).toBe("failed");
    expect(outcome("contact", c, { _parentcustomerid_value: id }, {})).toBe("notEvaluated");
    expect(outcome("contact", { type: "relation", lookup: "parentcustomerid" }, { _parentcustomerid_value: id })).toBe("passed");
  });
  it("owner is an enabled user", () => {
    const c: Check = { type: "ownerEnabled" };
    expect(outcome("account", c, {}, { ownerEnabled: true })).toBe("passed");
    expect(judge("account", c, {}, { ownerEnabled: false, ownerName: "Dan Jump" })?.observed).toBe("Dan Jump is a disabled user");
    expect(outcome("account", c, {}, {})).toBe("notEvaluated");
  });
  it("dates in order", () => {
    const c: Check = { type: "dateOrder", earlier: "createdon", later: "estimatedclosedate" };
    expect(outcome("opportunity", c, { createdon: "2026-01-05T10:00:00Z", estimatedclosedate: "2026-01-05" })).toBe("passed");
    expect(outcome("opportunity", c, { createdon: "2026-01-05T10:00:00Z", estimatedclosedate: "2025-12-31" })).toBe("failed");
  });
  it("email domain against the website, on the record or its parent; personal mail is not judged", () => {
    const own: Check = { type: "emailDomainMatchesWebsite", emailColumn: "emailaddress1", websiteColumn: "websiteurl" };
    expect(outcome("lead", own, { emailaddress1: "a@sales.contoso.co.uk", websiteurl: "https://www.contoso.co.uk" })).toBe("passed");
    expect(outcome("lead", own, { emailaddress1: "a@fabrikam.com", websiteurl: "www.contoso.com" })).toBe("failed");
    expect(judge("lead", own, { emailaddress1: "a@gmail.com", websiteurl: "www.contoso.com" })?.reason).toContain("personal mail provider");
    const parent: Check = { ...own, parentLookup: "parentcustomerid" };
    const acct = { table: "account", id: "1", active: true, values: { websiteurl: "contoso.com" } };
    expect(outcome("contact", parent, { emailaddress1: "a@contoso.com" }, { parents: { parentcustomerid: acct } })).toBe("passed");
    expect(outcome("contact", parent, { emailaddress1: "a@fabrikam.com" }, { parents: { parentcustomerid: acct } })).toBe("failed");
    expect(outcome("contact", parent, { emailaddress1: "a@contoso.com" }, {})).toBe("notEvaluated");
  });
  it("duplicates name the other record and why it matches", () => {
    const c: Check = { type: "duplicate", minScore: 0.8 };
    const f = judge("contact", c, {}, { duplicates: [{ table: "contact", id: "2", name: "Jon Smith", score: 0.97, reason: "same email" }, { table: "contact", id: "3", score: 0.6, reason: "similar name" }] });
    expect(f?.outcome).toBe("failed");
    expect(f?.observed).toBe("Jon Smith (contact, 97 %: same email)");
    expect(outcome("contact", c, {}, { duplicates: [] })).toBe("passed");
    expect(outcome("contact", c, {}, { duplicates: null })).toBe("passed");
    expect(outcome("contact", c, {}, {})).toBe("notEvaluated");
  });
});
