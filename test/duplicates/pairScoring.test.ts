/**
 * The matcher scores candidate pairs from their stored comparison pattern (one probability per
 * pattern; for patterns with an exactly agreeing term-frequency field, only the values' term
 * frequencies are looked up per pair), while the explanation a person reads compares the two
 * records again from scratch. The two must agree: every match is at or above the threshold by its
 * own explanation and every near-miss below it (unless clustering split it), and the
 * term-frequency pairs — the ones scored per pair — are among them.
 */
import { deduplicate, link } from "../../plugins-ts/engine/duplicates";
import { generateOrganisations } from "../../bench/dedupe/organisations";
import { generateContacts } from "../../bench/dedupe/generate";

describe("scoring from the stored pattern agrees with each pair's explanation", () => {
  it("address-rich accounts (term frequencies on name, phone, website, address)", () => {
    const { records } = generateOrganisations(1500, "address-rich", 42);
    const result = deduplicate({ table: "account", records }, { region: "US" });
    expect(result.stats.matches).toBeGreaterThan(100);
    const withTf = result.pairs.filter((p) => p.explanation.fields.some((f) => f.sharedBy !== undefined));
    expect(withTf.length).toBeGreaterThan(50);
    for (const p of result.pairs) {
      expect(p.probability).toBe(p.explanation.probability);
      if (p.decision === "match") expect(p.explanation.probability).toBeGreaterThanOrEqual(0.5);
      else if (!p.splitByClustering) expect(p.explanation.probability).toBeLessThan(0.5);
    }
  }, 120_000);

  it("contacts, and leads linked to accounts", () => {
    const contacts = deduplicate({ table: "contact", records: generateContacts(1000, 9).records }, { region: "US" });
    expect(contacts.stats.matches).toBeGreaterThan(50);
    for (const p of contacts.pairs) if (p.decision === "match") expect(p.explanation.probability).toBeGreaterThanOrEqual(0.5);
    const accounts = generateOrganisations(400, "address-rich", 5).records;
    const leads = accounts.slice(0, 200).map((a, i) => ({ id: `l${i}`, values: { companyname: a.values.name, telephone1: a.values.telephone1, websiteurl: a.values.websiteurl } }));
    const linked = link({ table: "account", records: accounts }, { table: "lead", records: leads }, { region: "US" });
    expect(linked.stats.matches).toBeGreaterThan(50);
    for (const p of linked.pairs) {
      expect(p.left.table).toBe("account");
      expect(p.right.table).toBe("lead");
      if (p.decision === "match") expect(p.explanation.probability).toBeGreaterThanOrEqual(0.5);
      else if (!p.splitByClustering) expect(p.explanation.probability).toBeLessThan(0.5);
    }
  }, 120_000);
});
