import { compilePack, defaultRulePack, gradeFor, type EngineRecord } from "../../plugins-ts/engine";
import { NOW, pack, record, rule } from "../helpers/records";

describe("score arithmetic", () => {
  // completeness: weights 3 (pass) + 1 (fail) → 75; validity: 2 (pass) → 100; a not-evaluated rule counts nowhere.
  const p = pack([
    rule("contact", { type: "required", column: "lastname" }, { id: "contact.a", dimension: "completeness", weight: 3 }),
    rule("contact", { type: "required", column: "jobtitle" }, { id: "contact.b", dimension: "completeness", weight: 1 }),
    rule("contact", { type: "format", column: "emailaddress1", format: "email" }, { id: "contact.c", dimension: "validity", weight: 2 }),
    rule("contact", { type: "lastActivity", maxDays: 30 }, { id: "contact.d", dimension: "engagement", weight: 5 }),
  ]);
  const r = record("contact", { lastname: "García", jobtitle: null, emailaddress1: "maria@contoso.com" });

  it("scores each dimension by weight and the overall as the mean of dimensions", () => {
    const s = compilePack(p).score(r, { now: NOW });
    expect(s.dimensions.completeness).toMatchObject({ score: 75, passed: 1, failed: 1, notEvaluated: 0, weightPassed: 3, weightEvaluated: 4 });
    expect(s.dimensions.validity?.score).toBe(100);
    expect(s.dimensions.engagement).toMatchObject({ score: null, notEvaluated: 1 });
    expect(s.score).toBe(87.5);
    expect(s.grade).toBe("B");
    expect(s.findings.map((f) => f.outcome)).toEqual(["passed", "failed", "passed", "notEvaluated"]);
  });

  it("weights dimensions as the pack says", () => {
    const weighted = { ...p, dimensionWeights: { completeness: 3, validity: 1 } };
    expect(compilePack(weighted).score(r, { now: NOW }).score).toBe(81.3); // (3×75 + 100) / 4 = 81.25
  });

  it("a waived failure is listed as waived and no longer lowers the score", () => {
    const s = compilePack(p).score(r, { now: NOW, waivedRuleIds: new Set(["contact.b"]) });
    expect(s.findings[1]).toMatchObject({ ruleId: "contact.b", outcome: "failed", waived: true });
    expect(s.dimensions.completeness).toMatchObject({ score: 100, failed: 0, waived: 1 });
    expect(s.score).toBe(100);
  });

  it("a record with nothing evaluable has no score and no grade", () => {
    const s = compilePack(p).score(record("contact", {}), { now: NOW });
    expect(s.score).toBeNull();
    expect(s.grade).toBeNull();
    expect(s.findings.every((f) => f.outcome === "notEvaluated")).toBe(true);
  });

  it("grades by the bands, with custom bands", () => {
    expect([95, 90, 89.9, 80, 70, 60, 59.9, 0].map((x) => gradeFor(x))).toEqual(["A", "A", "B", "B", "C", "D", "F", "F"]);
    expect(gradeFor(85, { A: 85, B: 70, C: 55, D: 40 })).toBe("A");
  });

  it("rules that do not apply are not listed, disabled rules never run", () => {
    const q = pack([
      rule("opportunity", { type: "required", column: "estimatedclosedate" }, { id: "opportunity.a", when: { column: "statecode", equals: 0 } }),
      rule("opportunity", { type: "required", column: "name" }, { id: "opportunity.b", enabled: false }),
    ]);
    expect(compilePack(q).score(record("opportunity", { statecode: 1, estimatedclosedate: null, name: null }), { now: NOW }).findings).toEqual([]);
    expect(compilePack(q).score(record("opportunity", { statecode: 0, estimatedclosedate: null }), { now: NOW }).findings).toHaveLength(1);
  });
});

describe("determinism and the clock", () => {
  const compiled = compilePack(defaultRulePack());
  const opp: EngineRecord = record(
    "opportunity",
    {
      name: "50 laptops",
      statecode: 0,
      estimatedclosedate: "2026-12-15",
      estimatedvalue: 48000,
      closeprobability: 40,
      createdon: "2026-09-01T09:00:00Z",
      modifiedon: "2026-11-10T09:00:00Z",
      _parentaccountid_value: "a1",
      _parentcontactid_value: "c1",
      budgetamount: 50000,
      purchasetimeframe: 2,
      decisionmaker: true,
      customerneed: "Replace ageing fleet",
      proposedsolution: "Surface Laptop 6",
      identifycustomercontacts: true,
      developproposal: null,
      presentproposal: null,
      finaldecisiondate: null,
      filedebrief: null,
      actualvalue: null,
      actualclosedate: null,
    },
    {
      lastActivityOn: "2026-11-20T15:00:00Z",
      nextActivityDueOn: "2026-11-27T09:00:00Z",
      stage: { name: "Propose", enteredOn: "2026-11-02T00:00:00Z" },
      ownerEnabled: true,
      parents: { parentaccountid: { table: "account", id: "a1", active: true, name: "Contoso" } },
    },
  );

  it("the same record, pack and now give the same result, call after call", () => {
    const a = compiled.score(opp, { now: NOW });
    compiled.score(record("opportunity", { statecode: 0 }), { now: NOW });
    const b = compilePack(defaultRulePack()).score(structuredClone(opp), { now: new Date(NOW.getTime()) });
    expect(b).toEqual(a);
    expect(a.score).toBe(100);
    expect(a.grade).toBe("A");
  });

  it("a clean deal says when it will next change: the earliest clock-dependent flip", () => {
    const a = compiled.score(opp, { now: NOW });
    // next activity due 2026-11-27T09:00Z is the earliest deadline among the clock-dependent rules
    expect(a.revisitAfter).toBe("2026-11-27T09:00:00.000Z");
    const later = compiled.score(opp, { now: new Date("2026-11-28T00:00:00Z") });
    expect(later.findings.find((f) => f.ruleId === "opportunity.followup.scheduled")?.outcome).toBe("failed");
    expect(later.score).toBeLessThan(100);
  });
});

describe("the default pack", () => {
  const p = defaultRulePack();
  const compiled = compilePack(p);
  it("covers account, contact, lead and opportunity with 15–30 rules each, with message and fix", () => {
    for (const t of ["account", "contact", "lead", "opportunity"]) {
      const n = compiled.rules(t).length;
      expect(n).toBeGreaterThanOrEqual(15);
      expect(n).toBeLessThanOrEqual(30);
    }
    for (const r of p.rules) {
      expect(r.message.length).toBeGreaterThan(20);
      expect(r.fix.length).toBeGreaterThan(10);
    }
  });
  it("uses Dynamics' default sales stages and lead qualification", () => {
    expect(p.processes?.opportunity.stages.map((s) => s.name)).toEqual(["Qualify", "Develop", "Propose", "Close"]);
    expect(p.processes?.lead.stages.map((s) => s.name)).toEqual(["Qualify"]);
  });
  it("declares exactly the inputs a caller must fetch", () => {
    const req = compiled.requirements("contact");
    expect(req.columns).toEqual(expect.arrayContaining(["emailaddress1", "lastname", "_parentcustomerid_value", "statecode", "address1_country"]));
    expect(req.facts).toEqual(["duplicates", "engagementGap", "lastActivityOn", "ownerEnabled", "parents"]);
    expect(req.parentColumns).toEqual({ parentcustomerid: ["websiteurl"] });
  });
  it("a typical messy contact gets low marks with every point explained", () => {
    const s = compiled.score(
      record(
        "contact",
        { firstname: "JOHN", lastname: "test", emailaddress1: "john@@contoso", telephone1: "555", mobilephone: null, jobtitle: null, address1_country: "United States", address1_postalcode: "98052", statecode: 0, modifiedon: "2024-05-01T00:00:00Z", _parentcustomerid_value: null },
        { lastActivityOn: null, ownerEnabled: false, ownerName: "Alex Former", duplicates: [], parents: {} },
      ),
      { now: NOW },
    );
    expect(s.grade).toBe("F");
    const failed = s.findings.filter((f) => f.outcome === "failed").map((f) => f.ruleId);
    expect(failed).toEqual(
      expect.arrayContaining([
        "contact.email.format",
        "contact.phone.format",
        "contact.name.placeholder",
        "contact.firstname.casing",
        "contact.account.active",
        "contact.modified.fresh",
        "contact.activity.recent",
        "contact.owner.enabled",
        "contact.jobtitle.required",
      ]),
    );
    for (const f of s.findings.filter((x) => x.outcome === "failed")) {
      expect(f.message).toBeTruthy();
      expect(f.fix).toBeTruthy();
      expect(f.expected).toBeTruthy();
    }
  });
});
