import { compilePack, defaultRulePack, validateRulePack, type EngineRecord } from "../../plugins-ts/engine";
import { caseName, normaliseWebsite, phoneToE164, proposeFixes, type FixContext } from "../../plugins-ts/engine/fixes";
import { NOW } from "../helpers/records";

const pack = defaultRulePack();
const compiled = compilePack(pack);
const optional = (_t: string, c: string): boolean => ["name", "lastname"].includes(c);
const ctx: FixContext = { now: NOW, isRequired: optional };

function fixesOf(table: string, values: EngineRecord["values"], extra: Partial<FixContext> = {}, related: EngineRecord["related"] = {}) {
  const record: EngineRecord = { table, id: "00000000-0000-0000-0000-000000000001", values, related };
  return proposeFixes(compiled, record, compiled.score(record, { now: NOW }), { ...ctx, ...extra });
}

describe("phone to E.164", () => {
  it("reads a national number with the record's country, then the organisation's default", () => {
    expect(phoneToE164("020 7946 0958", { country: "United Kingdom", defaultRegion: "US" })).toMatchObject({ ok: true, value: "+442079460958" });
    expect(phoneToE164("(415) 555-0134", { country: null, defaultRegion: "US" })).toMatchObject({ ok: true, value: "+14155550134" });
    expect(phoneToE164("030 1234567", { country: "DE" })).toMatchObject({ ok: true, value: "+49301234567" });
  });
  it("keeps an extension", () => {
    expect(phoneToE164("(415) 555-0134 ext. 12", { country: "US" })).toMatchObject({ ok: true, value: "+14155550134 ext. 12" });
    expect(phoneToE164("415-555-0134 x7", { country: "US" })).toMatchObject({ ok: true, value: "+14155550134 ext. 7" });
  });
  it("says 'needs a country' instead of guessing", () => {
    expect(phoneToE164("020 7946 0958", { country: "Atlantis", defaultRegion: "US" })).toMatchObject({ ok: false, needs: "country" });
    expect(phoneToE164("020 7946 0958", { country: null, defaultRegion: "US" })).toMatchObject({ ok: false, needs: "country" });
    expect(phoneToE164("020 7946 0958", { country: null })).toMatchObject({ ok: false, needs: "country" });
    // an international number carries its own country
    expect(phoneToE164("+44 20 7946 0958", { country: "Atlantis" })).toMatchObject({ ok: true, value: "+442079460958" });
  });
  it("does not invent a number from junk", () => {
    expect(phoneToE164("555-CALL-NOW", { country: "US" })).toMatchObject({ ok: false });
  });
});

describe("name casing", () => {
  it.each([
    ["MCDONALD", "McDonald"],
    ["o'neil", "O'Neil"],
    ["JAN VAN DER BERG", "Jan van der Berg"],
    ["IBM CORPORATION", "IBM Corporation"],
    ["KPMG LLP", "KPMG LLP"],
    ["CONTOSO GMBH", "Contoso GmbH"],
    ["  mary   smith-jones ", "Mary Smith-Jones"],
  ])("%s → %s", (input, expected) => {
    expect(caseName(input).value).toBe(expected);
  });
  it("marks ambiguous names as unsure (not applied unattended)", () => {
    expect(caseName("MACHADO").unsure).toBe(true);
    expect(caseName("van der berg")).toEqual({ value: "van der Berg", unsure: true });
    expect(caseName("JONES").unsure).toBe(false);
  });
});

describe("website", () => {
  it("normalises scheme, host and a bare slash", () => {
    expect(normaliseWebsite("WWW.Contoso.COM/")).toBe("https://www.contoso.com");
    expect(normaliseWebsite("http://Contoso.com/About")).toBe("http://contoso.com/About");
    expect(normaliseWebsite("not a site")).toBeNull();
  });
});

describe("proposals from findings", () => {
  it("turns a failed casing finding into a safe proposal with before and after", () => {
    const { proposals } = fixesOf("contact", { firstname: "MARY", lastname: "MCDONALD", statecode: 0 });
    const byRule = new Map(proposals.map((p) => [p.ruleId, p]));
    expect(byRule.get("contact.firstname.casing")).toMatchObject({ action: "update", safe: true, changes: [{ column: "firstname", before: "MARY", after: "Mary" }] });
    expect(byRule.get("contact.lastname.casing")?.changes[0].after).toBe("McDonald");
  });

  it("normalises a valid phone to E.164 and reports an ambiguous one as needing a country", () => {
    const ok = fixesOf("contact", { telephone1: "(415) 555-0134", address1_country: "United States" });
    expect(ok.proposals.find((p) => p.ruleId === "contact.phone.format")?.changes[0]).toEqual({ column: "telephone1", before: "(415) 555-0134", after: "+14155550134" });
    const unsure = fixesOf("contact", { telephone1: "020 7946 0958", address1_country: "Atlantis" });
    expect(unsure.proposals.some((p) => p.ruleId === "contact.phone.format")).toBe(false);
    expect(unsure.blocked.find((b) => b.ruleId === "contact.phone.format")).toMatchObject({ needs: "country", column: "telephone1" });
  });

  it("clears a placeholder only where the column is optional", () => {
    const { proposals, blocked } = fixesOf("contact", { firstname: "Test", lastname: "Test", emailaddress1: "test@test.com", statecode: 0 });
    const cleared = proposals.flatMap((p) => p.changes).filter((c) => c.after === null).map((c) => c.column).sort();
    expect(cleared).toEqual(["emailaddress1", "firstname"]);
    expect(blocked.find((b) => b.column === "lastname")?.reason).toMatch(/required/);
    // without knowing which columns are required, nothing is cleared
    const unknown = fixesOf("contact", { emailaddress1: "test@test.com" }, { isRequired: undefined });
    expect(unknown.proposals.filter((p) => p.repair === "clearPlaceholder")).toHaveLength(0);
  });

  it("lower-cases an e-mail domain", () => {
    const { proposals } = fixesOf("contact", { emailaddress1: "Mary.Smith@Contoso.COM" });
    expect(proposals.find((p) => p.repair === "emailDomainLowercase")?.changes[0].after).toBe("Mary.Smith@contoso.com");
  });

  it("sets the parent account only when exactly one active account has the e-mail domain", () => {
    const values = { emailaddress1: "mary@sales.contoso.com", _parentcustomerid_value: null, statecode: 0 };
    const related = { parents: { parentcustomerid: null } };
    const one = fixesOf("contact", values, { accountsByDomain: new Map([["contoso.com", ["a1"]]]) }, related);
    expect(one.proposals.find((p) => p.repair === "parentByEmailDomain")?.changes[0]).toMatchObject({ column: "_parentcustomerid_value", after: "a1", target: "account" });
    const two = fixesOf("contact", values, { accountsByDomain: new Map([["contoso.com", ["a1", "a2"]]]) }, related);
    expect(two.proposals.some((p) => p.repair === "parentByEmailDomain")).toBe(false);
    const gmail = fixesOf("contact", { ...values, emailaddress1: "mary@gmail.com" }, { accountsByDomain: new Map([["gmail.com", ["a1"]]]) }, related);
    expect(gmail.proposals.some((p) => p.repair === "parentByEmailDomain")).toBe(false);
  });

  it("reassigns a disabled owner's record to the manager when set, else to the chosen owner, else asks", () => {
    const values = { _ownerid_value: "u-left", statecode: 0 };
    const related = { ownerEnabled: false };
    const toManager = fixesOf("account", values, { managerOf: new Map([["u-left", "u-boss"]]), newOwner: { id: "t-1", table: "team" } }, related);
    expect(toManager.proposals.find((p) => p.repair === "reassignOwner")?.changes[0]).toMatchObject({ before: "u-left", after: "u-boss", target: "systemuser" });
    const toTeam = fixesOf("account", values, { newOwner: { id: "t-1", table: "team" } }, related);
    expect(toTeam.proposals.find((p) => p.repair === "reassignOwner")?.changes[0]).toMatchObject({ after: "t-1", target: "team" });
    expect(fixesOf("account", values, {}, related).blocked.find((b) => b.repair === "reassignOwner")?.needs).toBe("owner");
  });

  it("makes what needs judgement a task for the owner, never a change", () => {
    const { proposals } = fixesOf("opportunity", { estimatedclosedate: "2020-01-01", statecode: 0, _ownerid_value: "u1" });
    const task = proposals.find((p) => p.ruleId === "opportunity.closedate.not_past");
    expect(task).toMatchObject({ action: "task", changes: [], safe: false, task: { ownerId: "u1", subject: expect.stringMatching(/close date/) as unknown } });
  });

  it("proposes nothing for a clean record", () => {
    const { proposals } = fixesOf("contact", { firstname: "Mary", lastname: "McDonald", emailaddress1: "mary@contoso.com", telephone1: "+14155550134", address1_country: "US" });
    expect(proposals).toEqual([]);
  });
});

describe("repair in the pack schema", () => {
  const withRepair = (repair: unknown, check: unknown = { type: "casing", column: "firstname", reject: ["upper"] }) => ({
    ...pack,
    rules: [{ id: "contact.x.y", table: "contact", title: "t", dimension: "validity", severity: "low", weight: 1, check, message: "m", fix: "f", repair }],
  });
  it("refuses an unknown repair type by name", () => {
    const r = validateRulePack(withRepair({ type: "magic" }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].message).toMatch(/unknown repair type "magic"/);
  });
  it("refuses a repair that does not fit the rule's check", () => {
    const r = validateRulePack(withRepair({ type: "phoneE164" }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ ruleId: "contact.x.y", path: "$.rules[0].repair.type", message: expect.stringMatching(/needs a "format" check/) as unknown });
  });
  it("accepts the default pack with its repairs", () => {
    expect(validateRulePack(pack).ok).toBe(true);
  });
});
