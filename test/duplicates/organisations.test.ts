// Organisations: duplicate accounts as well as duplicate people. Public data (a slice of
// Locu–Foursquare vendored in test/fixtures/orgs, see its SOURCES.md) with precision and recall
// floors, seeded name-only and address-rich account sets (chains and neighbours are not
// duplicates), the platform's exact-name rule as a floor, and lead ↔ account / lead ↔ contact
// linking with the same comparisons and explanations.
import { join } from "node:path";
import { DEFAULT_PARAMETERS, formatExplanation, link, shortReason, type MatchRecord } from "../../plugins-ts/engine/duplicates";
import { exactNameRule, locuFoursquare, syntheticOrganisations } from "../../bench/dedupe/orgs";
import { pairKey } from "../../bench/dedupe/febrl";
import { generateOrganisations } from "../../bench/dedupe/organisations";

const FIXTURE = join(__dirname, "../fixtures/orgs/locu-foursquare");
const rec = (id: string, values: MatchRecord["values"]): MatchRecord => ({ id, values });

describe("Locu–Foursquare (public, vendored slice)", () => {
  const c = locuFoursquare({}, FIXTURE);

  it("links the two venue exports as accounts with precision ≥ 0.98 and recall ≥ 0.95", () => {
    expect(c.truth.size).toBe(174);
    expect(c.accuracy.precision).toBeGreaterThanOrEqual(0.98);
    expect(c.accuracy.recall).toBeGreaterThanOrEqual(0.95);
    expect(c.accuracy.f1).toBeGreaterThanOrEqual(0.95);
  });

  it("keeps the branches of a chain apart and says why", () => {
    // a near-miss band down to 0 shows every compared pair, also those kept apart
    const wide = locuFoursquare({ nearMissBand: 0.5 }, FIXTURE);
    const sameName = (p: (typeof wide.result.pairs)[number]): boolean => p.left.name.toLowerCase() === p.right.name.toLowerCase();
    const branches = wide.result.pairs.filter((p) => sameName(p) && !wide.truth.has(pairKey(p.left.id, p.right.id)));
    expect(branches.length).toBeGreaterThanOrEqual(3);
    for (const p of branches) {
      expect(p.decision).toBe("near-miss");
      expect(formatExplanation(p.explanation)).toContain("another site");
    }
    expect(c.result.pairs.filter((p) => p.decision === "match" && sameName(p)).every((p) => c.truth.has(pairKey(p.left.id, p.right.id)))).toBe(true);
  });
});

describe("generated accounts", () => {
  it("name-only: near-identical names are matched (F1 ≥ 0.85), better than the exact-name rule, with an honest fallback", () => {
    const s = syntheticOrganisations("name-only", 1000, 11);
    expect(s.result.stats.fields).toEqual(["companyName"]);
    expect(s.result.stats.emFallback).toMatch(/^only 1 field\(s\) compared \(company name\): m from priors/);
    expect(s.accuracy.f1).toBeGreaterThanOrEqual(0.85);
    const rule = exactNameRule(s.records, s.truth);
    expect(s.accuracy.f1).toBeGreaterThan(rule.f1);
    // every pair the platform's exact-name rule flags is reported, as a match or a near-miss
    const reported = new Set(s.result.pairs.map((p) => pairKey(p.left.id, p.right.id)));
    const byName = new Map<string, string[]>();
    for (const r of s.records) {
      const n = String(r.values.name).toLowerCase();
      byName.set(n, [...(byName.get(n) ?? []), r.id]);
    }
    for (const ids of byName.values()) for (let i = 1; i < ids.length; i++) expect(reported.has(pairKey(ids[0], ids[i]))).toBe(true);
    const exact = s.result.pairs.find((p) => p.explanation.fields.every((f) => f.field === "companyName") && p.explanation.fields[0].level === "exact")!;
    expect(shortReason(exact.explanation)).toMatch(/^same company name .*; nothing else to compare$/);
  });

  it("address-rich: duplicates found (F1 ≥ 0.95), no chain branch or neighbour decided a match", () => {
    const s = syntheticOrganisations("address-rich", 1000, 11);
    expect(s.accuracy.f1).toBeGreaterThanOrEqual(0.95);
    const { entity } = generateOrganisations(1000, "address-rich", 11);
    const index = new Map(s.records.map((r, i) => [r.id, i]));
    const wrong = s.result.pairs.filter((p) => p.decision === "match" && entity[index.get(p.left.id)!] !== entity[index.get(p.right.id)!]);
    expect(wrong).toEqual([]);
    const branches = s.result.pairs.filter((p) => p.left.name === p.right.name && entity[index.get(p.left.id)!] !== entity[index.get(p.right.id)!]);
    expect(branches.length).toBeGreaterThan(5);
    for (const p of branches) expect(shortReason(p.explanation)).toContain("another site");
  });
});

describe("leads linked to accounts and contacts with the same comparisons", () => {
  const accounts = [
    rec("a1", { name: "Contoso Pharmaceuticals", websiteurl: "https://www.contoso-pharma.com/about", telephone1: "(425) 555-0100", address1_city: "Redmond" }),
    rec("a2", { name: "Fabrikam Inc.", websiteurl: "fabrikam.com", telephone1: "(212) 555-0142" }),
    rec("a3", { name: "Northwind Traders", websiteurl: "northwindtraders.com", telephone1: "(206) 555-0199" }),
  ];

  it("lead → account: company name, website and phone", () => {
    const leads = [
      rec("l1", { firstname: "Ann", lastname: "Lee", companyname: "CONTOSO PHARMA LTD", websiteurl: "contoso-pharma.com", telephone1: "+1 425 555 0100" }),
      rec("l2", { firstname: "Bo", lastname: "Ek", companyname: "Tailspin Toys", telephone1: "+1 312 555 0100" }),
    ];
    const result = link({ table: "account", records: accounts }, { table: "lead", records: leads }, { parameters: DEFAULT_PARAMETERS });
    const matches = result.pairs.filter((p) => p.decision === "match");
    expect(matches.map((p) => [p.left.id, p.right.id])).toEqual([["a1", "l1"]]);
    const reason = shortReason(matches[0].explanation);
    expect(reason).toContain("same phone");
    expect(reason).toContain("same websiteurl");
    expect(reason).toMatch(/company name ≈ 'contoso pharmaceuticals' vs 'contoso pharma' \(close, \+\d+\.\d\)/);
  });

  it("lead → contact: person names, e-mail and phone", () => {
    const contacts = [
      rec("c1", { firstname: "William", lastname: "Öztürk", emailaddress1: "bill@fabrikam.com", telephone1: "(212) 555-0142" }),
      rec("c2", { firstname: "Jane", lastname: "Doe", emailaddress1: "jane@adatum.com" }),
    ];
    const leads = [rec("l3", { firstname: "Bill", lastname: "Ozturk", emailaddress1: "BILL@fabrikam.com", companyname: "Fabrikam", telephone1: "212.555.0142" })];
    const result = link({ table: "contact", records: contacts }, { table: "lead", records: leads }, { parameters: DEFAULT_PARAMETERS });
    const match = result.pairs.find((p) => p.decision === "match")!;
    expect([match.left.id, match.right.id]).toEqual(["c1", "l3"]);
    expect(formatExplanation(match.explanation)).toContain("(nickname: william = bill (william))");
  });
});
