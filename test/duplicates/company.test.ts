// Company names and addresses as evidence: normalisation edge cases, word rarity, the legal form,
// address parsing and term frequencies.
import {
  companyNameSimilarity,
  companyTokens,
  countTokens,
  FIELD_SPECS,
  levelName,
  levelOf,
  legalFormsConflict,
  measureFrequencies,
  normaliseCompanyName,
  parseAddress,
  parseCompanyName,
  prepareRecord,
  tfAdjustment,
  tokenAgreement,
  tokenWeights,
} from "../../plugins-ts/engine/duplicates";

describe("company names", () => {
  it("removes legal forms of the major jurisdictions, however they are spelled", () => {
    for (const [raw, name] of [
      ["Philips N.V.", "philips"],
      ["Philips N V", "philips"],
      ["Philips NV", "philips"],
      ["Heineken B.V.", "heineken"],
      ["Fiat S.p.A.", "fiat"],
      ["Fiat SpA", "fiat"],
      ["Nokia Oyj", "nokia"],
      ["Volvo AB", "volvo"],
      ["Toyota K.K.", "toyota"],
      ["Contoso Pty. Ltd.", "contoso"],
      ["Müller GmbH & Co. KG", "muller"],
      ["Cemex S.A. de C.V.", "cemex"],
      ["Contoso Incorporated", "contoso"],
      ["PT Astra International Tbk", "astra international tbk"],
    ]) {
      expect([raw, normaliseCompanyName(raw)]).toEqual([raw, name]);
    }
  });

  it("keeps the legal form as evidence, by family", () => {
    expect(parseCompanyName("Contoso Pty. Limited")).toEqual({ name: "contoso", legalForm: "pty ltd" });
    expect(parseCompanyName("Contoso Incorporated")?.legalForm).toBe("inc");
    expect(parseCompanyName("Contoso")?.legalForm).toBeNull();
    expect(parseCompanyName("Contoso Group")).toEqual({ name: "contoso", legalForm: null });
    // English-law forms are used loosely for one company; forms of two legal systems are two entities
    expect(legalFormsConflict("inc", "ltd")).toBe(false);
    expect(legalFormsConflict("co", "corp")).toBe(false);
    expect(legalFormsConflict("ab", "llc")).toBe(true);
    expect(legalFormsConflict("gmbh", "ltd")).toBe(true);
    expect(legalFormsConflict("ab", null)).toBe(false);
  });

  it("folds &/and, punctuation, accents, a leading The and expands business abbreviations", () => {
    expect(normaliseCompanyName("The Coffee Bean & Tea Leaf")).toBe("coffee bean and tea leaf");
    expect(normaliseCompanyName("Dunkin' Donuts")).toBe(normaliseCompanyName("Dunkin Donuts"));
    expect(normaliseCompanyName("T.G.I. Friday's")).toBe(normaliseCompanyName("TGI Fridays"));
    expect(normaliseCompanyName("Société Générale")).toBe("societe generale");
    expect(normaliseCompanyName("Contoso Intl Mfg Svcs")).toBe("contoso international manufacturing services");
    expect(normaliseCompanyName("A B C Plumbing")).toBe("abc plumbing");
    expect(normaliseCompanyName("Company")).toBe("company");
    expect(normaliseCompanyName("  ")).toBeNull();
  });

  it("weighs words by rarity measured on the data: a shared 'Fabrikam' is strong, a shared 'Services' weak", () => {
    const names = ["Fabrikam Services", "Contoso Services", "Northwind Services", "Adatum Services", "Litware Services", "Tailspin Toys"];
    const stats = countTokens(names.map((n) => companyTokens(normaliseCompanyName(n)!)));
    const [fabrikam, services] = tokenWeights(["fabrikam", "services"], stats);
    expect(fabrikam).toBeGreaterThan(2 * services);
    const tok = (n: string): { tokens: string[]; weights: Float32Array } => {
      const tokens = companyTokens(normaliseCompanyName(n)!);
      return { tokens, weights: tokenWeights(tokens, stats) };
    };
    const sameRareWord = companyNameSimilarity(tok("Fabrikam Services"), tok("Fabrikam Consulting"));
    const sameCommonWord = companyNameSimilarity(tok("Fabrikam Services"), tok("Contoso Services"));
    expect(sameRareWord).toBeGreaterThan(0.6);
    expect(sameCommonWord).toBeLessThan(0.4);
  });

  it("tolerates one typo per long word, plurals and shortened business words, not a different short name", () => {
    expect(tokenAgreement("pharmaceuticals", "pharma")).toBe(0.85);
    expect(tokenAgreement("technologies", "technology")).toBe(0.95);
    expect(tokenAgreement("romaguera", "roamguera")).toBe(0.85);
    expect(tokenAgreement("hansen", "hansn")).toBe(0.9);
    expect(tokenAgreement("rowe", "lowe")).toBe(0);
    expect(tokenAgreement("bauer", "bauermeister")).toBe(0);
    const pharma = (n: string): { tokens: string[]; weights: Float32Array } => {
      const tokens = companyTokens(normaliseCompanyName(n)!);
      return { tokens, weights: tokenWeights(tokens) };
    };
    expect(companyNameSimilarity(pharma("Contoso Pharmaceuticals"), pharma("CONTOSO PHARMA LTD"))).toBeGreaterThanOrEqual(0.88);
  });
});

describe("addresses", () => {
  it("parses number, street and unit", () => {
    expect(parseAddress("125 East 23rd St.")).toEqual({ number: "125", street: "east 23 street", unit: null });
    expect(parseAddress("12 Main St., Apt 3")).toEqual({ number: "12", street: "main street", unit: "unit 3" });
    expect(parseAddress("30 Rockefeller Plaza, 6th Floor")).toEqual({ number: "30", street: "rockefeller plaza", unit: "floor 6" });
    expect(parseAddress("Hauptstraße 12")).toEqual({ number: "12", street: "hauptstrasse", unit: null });
    expect(parseAddress("265 Elizabeth St. Ci")?.street).toBe("elizabeth street ci");
    expect(parseAddress("10 St Kilda Rd")?.street).toBe("saint kilda road");
    expect(parseAddress("Moving Target!")).toEqual({ number: null, street: "moving target", unit: null });
    expect(parseAddress("")).toBeNull();
  });

  it("another street number on the same street is a different address, a missing one at most similar", () => {
    const spec = FIELD_SPECS.find((f) => f.name === "address")!;
    const acc = (line: string, i: number) => prepareRecord("account", { id: String(i), values: { name: "Chipotle", address1_line1: line } }, i);
    const level = (x: string, y: string): string => levelName(spec, levelOf(spec, spec.similarity(acc(x, 0), acc(y, 1))));
    expect(level("125 East 23rd St.", "125 E. 23rd Street")).toBe("exact");
    expect(level("111 Rivington", "111 Rivington St.")).toBe("close");
    expect(level("125 East 23rd St.", "301 East 23rd St.")).toBe("different");
    expect(level("125 East 23rd St.", "East 23rd St.")).toBe("similar");
    expect(level("125 East 23rd St.", "126 East 23rd St.")).toBe("similar");
  });
});

describe("term frequencies", () => {
  it("exact agreement on a common value weighs less than on a rare one", () => {
    const names = ["Starbucks", "Starbucks", "Starbucks", "Starbucks", "Starbucks", "Starbucks", "Fabrikam", "Fabrikam", "Contoso", "Northwind", "Adatum"];
    const records = names.map((name, i) => prepareRecord("account", { id: String(i), values: { name } }, i));
    const [f] = measureFrequencies(records, ["companyName"]);
    const chain = tfAdjustment(f, records[0], records[1])!;
    const rare = tfAdjustment(f, records[6], records[7])!;
    expect(chain.count).toBe(6);
    expect(rare.count).toBe(2);
    expect(chain.adjustment).toBeLessThan(0);
    expect(rare.adjustment).toBeGreaterThan(0);
    expect(tfAdjustment(f, records[0], records[8])).toBeNull();
  });
});
