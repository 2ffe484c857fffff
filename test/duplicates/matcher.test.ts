import {
  DEFAULT_PARAMETERS,
  PairScorer,
  buildCandidateQueries,
  clusterRecords,
  deduplicate,
  duplicateCandidatesByRecord,
  formatExplanation,
  link,
  prepareRecord,
  scoreCandidates,
  toDuplicateCandidates,
  type MatchRecord,
} from "../../plugins-ts/engine/duplicates";
import { generateContacts } from "../../bench/dedupe/generate";

const rec = (id: string, values: MatchRecord["values"]): MatchRecord => ({ id, values });

describe("explanations", () => {
  const bill = rec("1", { firstname: "Bill", lastname: "Smith", emailaddress1: "bill.smith@contoso.com", birthdate: "1980-03-12" });
  const william = rec("2", { firstname: "William", lastname: "Smith", emailaddress1: "Bill.Smith@contoso.com", telephone1: "415 555 0123" });
  const scorer = new PairScorer(DEFAULT_PARAMETERS);
  const e = scorer.explain(prepareRecord("contact", bill, 0), prepareRecord("contact", william, 1));

  it("lists every field with its level, similarity, weight and values", () => {
    const byField = Object.fromEntries(e.fields.map((f) => [f.field, f]));
    expect(byField.firstName).toMatchObject({ label: "firstname", level: "close", similarity: 0.95, left: "bill", right: "william", note: "nickname: bill = william (william)" });
    expect(byField.firstName.weight).toBeGreaterThan(0);
    expect(byField.lastName).toMatchObject({ level: "exact", similarity: 1 });
    expect(byField.email).toMatchObject({ level: "exact", left: "bill.smith@contoso.com" });
    expect(byField.phone).toMatchObject({ level: "missing", similarity: null, weight: 0, left: null });
    expect(byField.birthDate).toMatchObject({ level: "missing", weight: 0 });
  });

  it("adds up: the weight is the sum of the fields and the probability follows from weight and prior", () => {
    const sum = e.fields.reduce((s, f) => s + f.weight, 0);
    expect(e.weight).toBeCloseTo(sum, 1);
    expect(e.probability).toBeCloseTo(1 / (1 + 2 ** -(e.weight + e.priorWeight)), 12);
    expect(e.probability).toBeGreaterThan(0.99);
  });

  it("formats one line, strongest evidence first", () => {
    const line = formatExplanation(e);
    expect(line.startsWith("email exact +")).toBe(true);
    expect(line).toContain("firstname close 0.95 (nickname: bill = william (william)) +");
    expect(line).toContain("phone missing");
    expect(line).toMatch(/= weight \+\d+\.\d, prior −\d+\.\d, probability 1\.0000$/);
  });
});

describe("clustering", () => {
  it("does not let a chain A~B~C merge A and C", () => {
    // A and B share name and e-mail; B and C share surname and phone; A and C disagree
    const records = [
      rec("A", { firstname: "John", lastname: "Smith", emailaddress1: "john@contoso.com", birthdate: "1980-01-01", address1_city: "Leeds" }),
      rec("B", { firstname: "John", lastname: "Smith", emailaddress1: "john@contoso.com", telephone1: "+44 113 496 0000" }),
      rec("C", { firstname: "Jane", lastname: "Smith", telephone1: "+44 113 496 0000", birthdate: "1992-05-05", address1_city: "York" }),
    ];
    const result = deduplicate({ table: "contact", records }, { parameters: DEFAULT_PARAMETERS, region: "GB" });
    const above = result.pairs.filter((p) => p.probability >= 0.5);
    expect(above).toHaveLength(2); // A–B and B–C are both above the threshold…
    expect(result.clusters).toHaveLength(1); // …but only one pair is kept together
    expect(result.clusters[0].map((r) => r.id)).toHaveLength(2);
    const split = result.pairs.filter((p) => p.splitByClustering);
    expect(split).toHaveLength(1);
    expect(split[0].decision).toBe("near-miss");
    expect(result.stats.matches).toBe(1);
  });

  it("merges groups when most cross pairs match", () => {
    const p: Record<string, number> = { "0-1": 0.99, "1-2": 0.98, "0-2": 0.9, "2-3": 0.97, "0-3": 0.1, "1-3": 0.2 };
    const score = (a: number, b: number): number => p[`${Math.min(a, b)}-${Math.max(a, b)}`] ?? 0;
    const edges = Object.entries(p)
      .filter(([, v]) => v >= 0.5)
      .map(([k, v]) => ({ a: Number(k[0]), b: Number(k[2]), probability: v }));
    const { clusters, split } = clusterRecords(4, edges, score, { threshold: 0.5 });
    expect(clusters).toEqual([[0, 1, 2]]);
    expect(split).toEqual([{ a: 2, b: 3, probability: 0.97 }]);
  });
});

describe("thresholds and near-misses", () => {
  const a = rec("a", { firstname: "Anna", lastname: "Kowalski", address1_city: "Boston", address1_postalcode: "02110" });
  const b = rec("b", { firstname: "Ana", lastname: "Kowalski", address1_city: "Boston" });
  const p = new PairScorer(DEFAULT_PARAMETERS).probability(prepareRecord("contact", a, 0), prepareRecord("contact", b, 1));

  it("reports a pair just under the threshold as a near-miss", () => {
    const result = deduplicate({ table: "contact", records: [a, b] }, { parameters: DEFAULT_PARAMETERS, threshold: Math.min(p + 0.01, 0.99), nearMissBand: 0.05 });
    expect(result.pairs).toHaveLength(1);
    expect(result.pairs[0]).toMatchObject({ decision: "near-miss", probability: p });
    expect(result.stats).toMatchObject({ matches: 0, nearMisses: 1, clusters: 0 });
  });

  it("reports it as a match at a lower threshold and not at all without a band", () => {
    expect(deduplicate({ table: "contact", records: [a, b] }, { parameters: DEFAULT_PARAMETERS, threshold: p - 0.01 }).pairs[0].decision).toBe("match");
    expect(deduplicate({ table: "contact", records: [a, b] }, { parameters: DEFAULT_PARAMETERS, threshold: Math.min(p + 0.01, 0.99), nearMissBand: 0 }).pairs).toHaveLength(0);
  });

  it("rejects a threshold outside (0, 1)", () => {
    expect(() => deduplicate({ table: "contact", records: [a, b] }, { threshold: 1 })).toThrow(/threshold/);
  });
});

describe("deduplicate on generated contacts", () => {
  const { records, entity } = generateContacts(3000, 11);
  const result = deduplicate({ table: "contact", records }, { region: "US" });

  it("estimates the model from the data and finds the planted duplicates", () => {
    expect(result.stats.emConverged).toBe(true);
    expect(result.stats.candidatePairs).toBeLessThan(records.length * 5);
    const idx = new Map(records.map((r, i) => [r.id, i]));
    const matches = result.pairs.filter((p) => p.decision === "match");
    const correct = matches.filter((p) => entity[idx.get(p.left.id)!] === entity[idx.get(p.right.id)!]).length;
    expect(correct / matches.length).toBeGreaterThan(0.98);
    const email = result.model.fields.find((f) => f.field === "email")!;
    expect(email.m[0]).toBeGreaterThan(0.5); // duplicates mostly keep their e-mail
    expect(email.u[0]).toBeLessThan(0.01); // random people rarely share one
  });

  it("is deterministic", () => {
    const again = deduplicate({ table: "contact", records }, { region: "US" });
    expect(again.pairs.map((p) => [p.left.id, p.right.id, p.probability])).toEqual(result.pairs.map((p) => [p.left.id, p.right.id, p.probability]));
  });

  it("turns matches into the engine's DuplicateCandidate shape", () => {
    const byRecord = duplicateCandidatesByRecord(result);
    const first = result.pairs.find((p) => p.decision === "match")!;
    const list = byRecord.get(`contact:${first.left.id}`)!;
    const c = list.find((x) => x.id === first.right.id)!;
    expect(c).toMatchObject({ table: "contact", id: first.right.id });
    expect(c.score).toBeGreaterThanOrEqual(0.5);
    expect(c.score).toBeLessThanOrEqual(1);
    expect(c.reason).toMatch(/same|close|similar/);
    expect(toDuplicateCandidates(result.pairs, { table: "contact", id: first.right.id }).map((x) => x.id)).toContain(first.left.id);
  });
});

describe("across tables", () => {
  it("links leads to contacts and accounts", () => {
    const contacts = [
      rec("c1", { firstname: "Robert", lastname: "Jones", emailaddress1: "rjones@fabrikam.com", telephone1: "206 555 0100" }),
      rec("c2", { firstname: "Maria", lastname: "Garcia", emailaddress1: "maria@adatum.com" }),
    ];
    const leads = [
      rec("l1", { firstname: "Bob", lastname: "Jones", emailaddress1: "RJones@Fabrikam.com", companyname: "Fabrikam Inc." }),
      rec("l2", { firstname: "Wei", lastname: "Chen", emailaddress1: "wei@litware.com" }),
    ];
    const result = link({ table: "contact", records: contacts }, { table: "lead", records: leads }, { parameters: DEFAULT_PARAMETERS });
    const matches = result.pairs.filter((p) => p.decision === "match");
    expect(matches.map((p) => [p.left.table, p.left.id, p.right.table, p.right.id])).toEqual([["contact", "c1", "lead", "l1"]]);
    expect(result.stats.possiblePairs).toBe(4);

    const accounts = [rec("a1", { name: "The Fabrikam Company", websiteurl: "https://www.fabrikam.com", address1_city: "Seattle" })];
    const withAccount = link({ table: "account", records: accounts }, { table: "lead", records: [rec("l3", { companyname: "Fabrikam, Inc.", websiteurl: "fabrikam.com", address1_city: "Seattle" })] }, { parameters: DEFAULT_PARAMETERS });
    expect(withAccount.pairs[0]).toMatchObject({ decision: "match", left: { id: "a1" }, right: { id: "l3" } });
  });
});

describe("targeted queries for the record panel", () => {
  const lead = rec("6f1c0d1e-8a52-4f3b-9a0e-1a2b3c4d5e6f", {
    firstname: "Bill",
    lastname: "O'Neil",
    emailaddress1: "Bill.ONeil@Contoso.com",
    telephone1: "(415) 555-0123",
    companyname: "Contoso Ltd",
    address1_postalcode: "94105",
  });

  it("builds $filter conditions per target table", () => {
    const queries = buildCandidateQueries("lead", lead, { region: "US" });
    expect(queries.map((q) => q.entitySet)).toEqual(["leads", "contacts", "accounts"]);
    const contacts = queries[1];
    expect(contacts.filter.startsWith("statecode eq 0 and (")).toBe(true);
    expect(contacts.filter).toContain("emailaddress1 eq 'bill.oneil@contoso.com'");
    expect(contacts.filter).toContain("telephone1 eq '+14155550123'");
    expect(contacts.filter).toContain("mobilephone eq '(415) 555-0123'");
    expect(contacts.filter).toContain("lastname eq 'O''Neil' and (startswith(firstname,'Bil') or firstname eq 'william'");
    expect(contacts.select).toEqual(expect.arrayContaining(["contactid", "fullname", "firstname", "emailaddress1"]));
    expect(queries[0].filter).toContain("leadid ne 6f1c0d1e-8a52-4f3b-9a0e-1a2b3c4d5e6f");
    const accounts = queries[2];
    expect(accounts.filter).toContain("startswith(name,'contoso')");
    expect(accounts.filter).toContain("endswith(emailaddress1,'@contoso.com')");
    expect(accounts.filter).not.toContain("lastname");
  });

  it("scores what the queries return and returns DuplicateCandidate[]", () => {
    const fetched = [
      {
        table: "contact" as const,
        records: [
          rec("c1", { fullname: "William O'Neil", firstname: "William", lastname: "O'Neil", emailaddress1: "bill.oneil@contoso.com" }),
          rec("c2", { fullname: "Sarah O'Neil", firstname: "Sarah", lastname: "O'Neil", birthdate: "1990-01-01" }),
        ],
      },
    ];
    const { pairs, candidates } = scoreCandidates("lead", lead, fetched, { region: "US" });
    expect(candidates).toHaveLength(1);
    expect(candidates[0]).toMatchObject({ table: "contact", id: "c1", name: "William O'Neil" });
    expect(candidates[0].reason).toContain("same email");
    expect(pairs.every((p) => p.left.id === lead.id)).toBe(true);
  });
});
