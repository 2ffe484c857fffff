import { auditDuplicateRules, isPublished, type DuplicateRuleConditionRow, type DuplicateRuleRow } from "../../plugins-ts/engine/duplicates";

const rule = (id: string, base: string, statecode: number, statuscode: number, name = id): DuplicateRuleRow => ({
  duplicateruleid: id,
  name,
  baseentityname: base,
  matchingentityname: base,
  statecode,
  statuscode,
  iscasesensitive: false,
});
const cond = (ruleId: string, attribute: string, ignoreblankvalues = true, operatorcode = 0): DuplicateRuleConditionRow => ({
  _regardingobjectid_value: ruleId,
  baseattributename: attribute,
  matchingattributename: attribute,
  operatorcode,
  ignoreblankvalues,
});

describe("Dataverse duplicate detection rule governance", () => {
  it("knows which status pair is published", () => {
    expect(isPublished({ statecode: 1, statuscode: 2 })).toBe(true);
    expect(isPublished({ statecode: 0, statuscode: 0 })).toBe(false);
    expect(isPublished({ statecode: 0, statuscode: 1 })).toBe(false);
  });

  it("reports tables without a published rule, unpublished and publishing rules, the five-rule limit", () => {
    const rules = [
      rule("c1", "contact", 1, 2, "Contacts with the same e-mail"),
      rule("c2", "contact", 0, 0, "Contacts with the same name"),
      ...["a1", "a2", "a3", "a4", "a5"].map((id) => rule(id, "account", 1, 2)),
      rule("l1", "lead", 0, 1, "Leads with the same e-mail"),
    ];
    const conditions = [cond("c1", "emailaddress1"), cond("c2", "fullname", true, 1), ...["a1", "a2", "a3", "a4", "a5"].map((id) => cond(id, "name")), cond("l1", "emailaddress1")];
    const findings = auditDuplicateRules(rules, conditions);
    const codes = findings.map((f) => [f.code, f.table, f.ruleId ?? ""]);
    expect(codes).toEqual(
      expect.arrayContaining([
        ["rule-unpublished", "contact", "c2"],
        ["rule-publishing", "lead", "l1"],
        ["no-published-rule", "lead", ""],
        ["rule-limit-reached", "account", ""],
      ]),
    );
    expect(findings).toHaveLength(4);
    expect(findings.find((f) => f.code === "no-published-rule")!.severity).toBe("high");
    expect(findings.find((f) => f.code === "rule-unpublished")!.message).toContain("fullname: same first characters");
    expect(findings.find((f) => f.code === "rule-limit-reached")!.message).toContain("5 published");
  });

  it("reports published rules without conditions and conditions that match blanks", () => {
    const rules = [rule("c1", "contact", 1, 2), rule("c2", "contact", 1, 2, "Same phone"), rule("a1", "account", 1, 2), rule("l1", "lead", 1, 2)];
    const conditions = [cond("C1", "emailaddress1"), cond("c2", "telephone1", false), cond("a1", "name"), cond("l1", "emailaddress1")];
    const findings = auditDuplicateRules(rules, [...conditions.slice(1), { ...conditions[0], _regardingobjectid_value: "x" }]);
    expect(findings.map((f) => f.code).sort()).toEqual(["blank-values-match", "rule-without-conditions"]);
    expect(findings.find((f) => f.code === "blank-values-match")).toMatchObject({ table: "contact", ruleId: "c2", ruleName: "Same phone" });
  });

  it("is quiet when every table has a published rule with conditions", () => {
    const rules = ["account", "contact", "lead"].map((t) => rule(t, t, 1, 2));
    expect(auditDuplicateRules(rules, ["account", "contact", "lead"].map((t) => cond(t, "emailaddress1")))).toEqual([]);
    expect(auditDuplicateRules([], [], { tables: ["contact"] }).map((f) => f.code)).toEqual(["no-published-rule"]);
  });
});
