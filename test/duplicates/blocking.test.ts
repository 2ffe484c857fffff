import { DEFAULT_BLOCKING_RULES, deduplicate, generatePairs, prepareRecord, type MatchRecord } from "../../plugins-ts/engine/duplicates";

const prep = (rows: MatchRecord["values"][]) => rows.map((values, i) => prepareRecord("contact", { id: `r${i}`, values }, i, { region: "US" }));

describe("blocking", () => {
  it("compares each pair once even when several rules (or keys) bring it together", () => {
    const records = prep([
      { firstname: "Ann", lastname: "Lee", emailaddress1: "ann@x.com", emailaddress2: "a.lee@y.com", telephone1: "206 555 0100", birthdate: "1990-01-01" },
      { firstname: "Ann", lastname: "Lee", emailaddress1: "ann@x.com", emailaddress2: "a.lee@y.com", telephone1: "206 555 0100", birthdate: "1990-01-01" },
      { firstname: "Bob", lastname: "Ray", emailaddress1: "bob@z.com" },
    ]);
    const pairs: [number, number][] = [];
    const { stats } = generatePairs(records, DEFAULT_BLOCKING_RULES, 500, (a, b) => pairs.push([a, b]));
    expect(pairs).toEqual([[0, 1]]);
    expect(stats.find((s) => s.rule === "email")!.newPairs).toBe(1);
    expect(stats.find((s) => s.rule === "phone")!.newPairs).toBe(0);
  });

  it("only pairs left with right records when linking", () => {
    const records = prep([{ emailaddress1: "a@x.com" }, { emailaddress1: "a@x.com" }, { emailaddress1: "a@x.com" }]);
    const pairs: [number, number][] = [];
    generatePairs(records, DEFAULT_BLOCKING_RULES, 500, (a, b) => pairs.push([a, b]), 2);
    expect(pairs).toEqual([[0, 2], [1, 2]]);
  });

  it("skips and reports blocks over the cap instead of exploding", () => {
    const rows: MatchRecord["values"][] = Array.from({ length: 40 }, (_, i) => ({ firstname: `Person${i}`, lastname: `Family${i}`, emailaddress1: "info@contoso.com" }));
    rows.push({ firstname: "Zed", lastname: "Quinn", emailaddress1: "zed@q.com", telephone1: "206 555 0111" });
    rows.push({ firstname: "Zed", lastname: "Quinn", emailaddress1: "zq@q.com", telephone1: "206 555 0111" });
    const result = deduplicate({ table: "contact", records: rows.map((values, i) => ({ id: `r${i}`, values })) }, { maxBlockSize: 10 });
    // the shared mailbox, and the 40 "PersonN FamilyN" names that all sound alike (PRSN|FML)
    expect(result.stats.skippedBlocks).toEqual([
      { rule: "email", key: "info@contoso.com", size: 40 },
      { rule: "name-sound", key: "FML|PRSN", size: 40 },
    ]);
    expect(result.stats.skippedBlockCount).toBe(2);
    expect(result.stats.blocking.find((s) => s.rule === "email")).toMatchObject({ skippedBlocks: 1, skippedRecords: 40, newPairs: 0 });
    // the shared mailbox did not produce 780 pairs; the Quinns still meet through their phone
    expect(result.stats.candidatePairs).toBeLessThan(10);
    expect(result.pairs.map((p) => [p.left.id, p.right.id])).toContainEqual(["r40", "r41"]);
  });
});
