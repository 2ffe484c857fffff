// Accuracy on Febrl 4 (public data with known links): the target is precision and recall
// each ≥ 0.995 when linking dataset4a to dataset4b as contacts. Ground truth (rec-N-… ids) is
// read by the bench scorer only; the matcher sees ids as opaque strings.
// The data is vendored in test/fixtures/febrl (see test/fixtures/SOURCES.md); a missing file fails the test.
import { febrl4, febrlDedupe } from "../../bench/dedupe/febrl";
import { FIXTURES } from "../helpers/records";

describe("Febrl accuracy", () => {
  it("links febrl4a → febrl4b with precision and recall ≥ 0.995", async () => {
    const c = await febrl4({}, FIXTURES);
    expect(c.truth.size).toBe(5000);
    expect(c.result.stats.candidatePairs).toBeLessThan(50_000); // blocking: 25 million possible pairs
    expect(c.accuracy.precision).toBeGreaterThanOrEqual(0.995);
    expect(c.accuracy.recall).toBeGreaterThanOrEqual(0.995);
  });

  it("deduplicates febrl dataset1 with precision and recall ≥ 0.99", async () => {
    const c = await febrlDedupe("dataset1", {}, FIXTURES);
    expect(c.truth.size).toBe(500);
    expect(c.accuracy.precision).toBeGreaterThanOrEqual(0.99);
    expect(c.accuracy.recall).toBeGreaterThanOrEqual(0.99);
  });
});
