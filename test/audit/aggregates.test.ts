import { applyContribution, emptyAggregates, reportAggregates, type Contribution } from "../../plugins-ts/audit/aggregates";
import { compactFindings, contributionOf, contributionOfStored, dimensionScores, healthFingerprint, topIssue } from "../../plugins-ts/audit/health";
import { compilePack, defaultRulePack } from "../../plugins-ts/engine";
import { NOW, record } from "../helpers/records";

const c = (over: Partial<Contribution>): Contribution => ({ table: "contact", score: 80, grade: "B", dimensions: { completeness: 80 }, failedRules: ["contact.a"], ownerId: "u1", businessUnitId: "bu1", ...over });

describe("audit aggregates", () => {
  it("adds records into overall, table, grade, dimension, rule, owner and business unit", () => {
    const a = emptyAggregates();
    applyContribution(a, c({}));
    applyContribution(a, c({ score: 60, grade: "D", failedRules: ["contact.a", "contact.b"], ownerId: "u2", dimensions: { completeness: 40, validity: 100 } }));
    applyContribution(a, c({ table: "account", score: null, grade: null, failedRules: [], dimensions: {} }));
    const r = reportAggregates(a);
    expect(r.overall).toEqual({ records: 3, scored: 2, average: 70, failed: 3 });
    expect(r.grades).toEqual({ A: 0, B: 1, C: 0, D: 1, F: 0, none: 1 });
    expect(r.byTable.contact).toEqual({ records: 2, average: 70, failed: 3 });
    expect(r.byDimension).toEqual({ completeness: 60, validity: 100 });
    expect(r.byRule).toEqual([{ ruleId: "contact.a", failed: 2, waived: 0 }, { ruleId: "contact.b", failed: 1, waived: 0 }]);
    expect(Object.keys(r.byOwner)).toEqual(["u1", "u2"]);
  });

  it("taking a contribution away undoes adding it exactly", () => {
    const a = emptyAggregates();
    const base = [c({}), c({ ownerId: "u2", score: 55, grade: "F" }), c({ table: "lead", failedRules: [], waivedRules: ["lead.x"] })];
    base.forEach((x) => applyContribution(a, x));
    const before = JSON.stringify(a);
    const extra = c({ ownerId: "u9", businessUnitId: "bu9", failedRules: ["contact.z"], dimensions: { ownership: 0 } });
    applyContribution(a, extra, 1);
    applyContribution(a, extra, -1);
    expect(JSON.stringify(a)).toBe(before);
  });
});

describe("health rows", () => {
  const compiled = compilePack(defaultRulePack());
  const rec = record("contact", { lastname: "García", firstname: "MARIA", emailaddress1: "maria@@contoso", statecode: 0 }, { ownerEnabled: true });
  const s = compiled.score(rec, { now: NOW });

  it("stores only what is not passed, and the stored row gives back the same contribution", () => {
    const compact = compactFindings(s.findings);
    expect(compact.every((f) => f.o !== undefined)).toBe(true);
    expect(compact.map((f) => f.r)).toEqual(expect.arrayContaining(["contact.email.format", "contact.firstname.casing"]));
    expect(compact.some((f) => f.r === "contact.lastname.required")).toBe(false);
    const live = contributionOf(s, "u1", "bu1");
    const stored = contributionOfStored({ table: "contact", score: s.score, grade: s.grade, dimensionsJson: JSON.stringify(dimensionScores(s)), findingsJson: JSON.stringify(compact), ownerId: "u1", businessUnitId: "bu1" });
    expect(stored).toEqual(live);
  });

  it("the fingerprint ignores the clock's reading but not the result or the owner", () => {
    const again = compiled.score(structuredClone(rec), { now: new Date(NOW.getTime() + 1000) });
    expect(healthFingerprint(again, "u1", "1.0.0")).toBe(healthFingerprint(s, "u1", "1.0.0"));
    expect(healthFingerprint(s, "u2", "1.0.0")).not.toBe(healthFingerprint(s, "u1", "1.0.0"));
    expect(healthFingerprint(s, "u1", "1.0.1")).not.toBe(healthFingerprint(s, "u1", "1.0.0"));
    const fixed = compiled.score(record("contact", { ...rec.values, emailaddress1: "maria@contoso.com" }, rec.related), { now: NOW });
    expect(healthFingerprint(fixed, "u1", "1.0.0")).not.toBe(healthFingerprint(s, "u1", "1.0.0"));
  });

  it("the top issue is the most severe failure", () => {
    expect(topIssue(s.findings)?.ruleId).toBe("contact.email.format");
  });
});
