/**
 * An incremental audit scores a page's records against the candidates its queries returned,
 * prepared once (prepareCandidates): with the matcher's blocking rules, each record meets only the
 * candidates that share a blocking key with it — the pairs a whole-table run would compare — and
 * those score exactly as they do when scored one record at a time.
 */
import { DEFAULT_BLOCKING_RULES, prepareCandidates, scoreCandidates, type MatchRecord } from "../../plugins-ts/engine/duplicates";

const rec = (id: string, values: MatchRecord["values"]): MatchRecord => ({ id, values });

describe("a page's duplicate candidates prepared once", () => {
  const bill = rec("l1", { firstname: "Bill", lastname: "O'Neil", emailaddress1: "bill.oneil@contoso.com", telephone1: "(415) 555-0123" });
  const maria = rec("l2", { firstname: "Maria", lastname: "Garcia", emailaddress1: "m.garcia@fabrikam.com", address1_postalcode: "98052" });
  const fetched = [
    {
      table: "contact" as const,
      records: [
        rec("c1", { fullname: "William O'Neil", firstname: "William", lastname: "O'Neil", emailaddress1: "bill.oneil@contoso.com" }),
        rec("c2", { fullname: "Maria Garcia", firstname: "Maria", lastname: "Garcia", emailaddress1: "m.garcia@fabrikam.com", address1_postalcode: "98052" }),
        rec("c3", { fullname: "Ana Lopez", firstname: "Ana", lastname: "Lopez", emailaddress1: "ana@example.org" }),
      ],
    },
  ];

  it("gives each record the matches it gets when scored alone, against only the candidates sharing a blocking key", () => {
    const pool = prepareCandidates(fetched, { region: "US", blocking: DEFAULT_BLOCKING_RULES });
    for (const [lead, own] of [[bill, "c1"], [maria, "c2"]] as const) {
      const together = scoreCandidates("lead", lead, pool, { region: "US" });
      const alone = scoreCandidates("lead", lead, [{ table: "contact", records: fetched[0].records.filter((r) => r.id === own) }], { region: "US" });
      expect(together.candidates).toEqual(alone.candidates);
      expect(together.candidates.map((c) => c.id)).toEqual([own]);
      // The other lead's duplicate and the unrelated contact are not among its matches or near-misses.
      expect(together.pairs.map((p) => p.right.id)).toEqual([own]);
    }
  });

  it("without blocking rules scores every candidate of the pool, as the record panel does", () => {
    const pool = prepareCandidates(fetched, { region: "US" });
    expect(scoreCandidates("lead", bill, pool, { region: "US" })).toEqual(scoreCandidates("lead", bill, fetched, { region: "US" }));
  });
});
