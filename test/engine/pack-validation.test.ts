import { parseRulePack, RulePackError, validateRulePack, defaultRulePack, type PackError } from "../../plugins-ts/engine";

function base(): { id: string; name: string; version: string; rules: Record<string, unknown>[] } {
  return {
    id: "org-pack",
    name: "Org pack",
    version: "2.1.0",
    rules: [
      { id: "contact.email.format", table: "contact", title: "Email valid", dimension: "validity", severity: "high", weight: 3, check: { type: "format", column: "emailaddress1", format: "email" }, message: "m", fix: "f" },
      { id: "contact.name.required", table: "contact", title: "Name", dimension: "completeness", severity: "critical", weight: 5, check: { type: "required", column: "lastname" }, message: "m", fix: "f" },
    ],
  };
}

function errorsOf(data: unknown): PackError[] {
  const v = validateRulePack(data);
  if (v.ok) throw new Error("expected the pack to be refused");
  return v.errors;
}

describe("rule pack validation", () => {
  it("accepts the default pack and a minimal organisation pack", () => {
    expect(validateRulePack(defaultRulePack()).ok).toBe(true);
    expect(validateRulePack(base()).ok).toBe(true);
  });

  it("names the rule, the JSON path and the known check types for an unknown check", () => {
    const p = base();
    p.rules[1].check = { type: "mustExist", column: "lastname" };
    const errors = errorsOf(p);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ ruleId: "contact.name.required", path: "$.rules[1].check" });
    expect(errors[0].message).toMatch(/unknown check type "mustExist"; known types: required, requiredAny, .*duplicate/);
  });

  it("names a bad parameter with what was expected", () => {
    const p = base();
    p.rules[0].check = { type: "format", column: "emailaddress1", format: "mail" };
    const [e] = errorsOf(p);
    expect(e).toMatchObject({ ruleId: "contact.email.format", path: "$.rules[0].check.format" });
    expect(e.message).toContain('must be one of "email", "phone", "url", "domain", "postalCode" (got "mail")');
  });

  it("reports every error at once, and refuses the pack as a whole", () => {
    const p = base();
    delete p.rules[0].message;
    p.rules[1].weight = 0;
    p.rules[1].severity = "urgent";
    (p.rules[1].check as Record<string, unknown>).extra = 1;
    const errors = errorsOf(p);
    expect(errors.map((e) => `${e.ruleId} ${e.path}`).sort()).toEqual(
      ["contact.email.format $.rules[0]", "contact.name.required $.rules[1].check", "contact.name.required $.rules[1].severity", "contact.name.required $.rules[1].weight"].sort(),
    );
    expect(errors.find((e) => e.path === "$.rules[0]")?.message).toBe('missing required property "message"');
    expect(errors.find((e) => e.path === "$.rules[1].check")?.message).toBe('unknown property "extra" is not allowed here');
    expect(() => parseRulePack(JSON.stringify(p), "org-pack.json")).toThrow(RulePackError);
    expect(() => parseRulePack(JSON.stringify(p), "org-pack.json")).toThrow(/org-pack\.json is invalid \(4 errors\); it was refused as a whole/);
  });

  it("checks what a schema cannot: duplicate ids, id prefix, regexes, stages, bands", () => {
    const p = base() as ReturnType<typeof base> & Record<string, unknown>;
    p.rules[1].id = "contact.email.format";
    p.rules.push({ id: "account.code", table: "account", title: "Code", dimension: "validity", severity: "low", weight: 1, check: { type: "pattern", column: "accountnumber", pattern: "([a-z]", description: "code" }, message: "m", fix: "f" });
    p.rules.push({ id: "lead.x", table: "contact", title: "x", dimension: "process", severity: "low", weight: 1, check: { type: "daysInStage" }, when: { stageIn: ["Negotiate"] }, message: "m", fix: "f" });
    p.gradeBands = { A: 80, B: 90, C: 70, D: 60 };
    const msgs = errorsOf(p).map((e) => `${e.path}: ${e.message}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        "$.rules[1].id: duplicate rule id; first used at $.rules[0]",
        expect.stringMatching(/^\$\.rules\[2\]\.check\.pattern: must be a valid regular expression/),
        '$.rules[3].id: rule id must start with its table "contact."',
        '$.rules[3].check.type: check "daysInStage" needs a process for table "contact" in $.processes',
        '$.rules[3].when: stage conditions need a process for table "contact" in $.processes',
        "$.gradeBands: bands must descend strictly (A > B > C > D); got A=80, B=90, C=70, D=60",
      ]),
    );
  });

  it("refuses a pack without rules, which would score nothing", () => {
    const p = base();
    p.rules = [];
    const errors = errorsOf(p);
    expect(errors.map((e) => e.path)).toEqual(["$.rules"]);
    expect(errors[0].message).toMatch(/^a rule pack needs at least one rule/);
  });

  it("explains a malformed condition", () => {
    const p = base();
    p.rules[0].when = { column: "statecode", greaterThan: 1 };
    const [e] = errorsOf(p);
    expect(e.path).toBe("$.rules[0].when");
    expect(e.message).toMatch(/^must be one condition form: \{column, equals\}/);
  });

  it("refuses text that is not JSON, naming the source", () => {
    expect(() => parseRulePack("{ rules: [", "vit_RulePack")).toThrow(/vit_RulePack is invalid \(1 error\)[\s\S]*at \$: not valid JSON/);
  });
});
