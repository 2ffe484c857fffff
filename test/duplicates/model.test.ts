import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import {
  FIELD_SPECS,
  FellegiSunter,
  editSimilarity,
  estimateU,
  levelName,
  levelOf,
  prepareRecord,
  runEm,
  type FieldName,
  type Pattern,
  type PreparedRecord,
} from "../../plugins-ts/engine/duplicates";

const spec = (name: FieldName) => FIELD_SPECS.find((f) => f.name === name)!;
let index = 0;
const contact = (values: Record<string, string | null>): PreparedRecord => prepareRecord("contact", { id: String(index), values }, index++, { region: "US" });

function level(name: FieldName, a: PreparedRecord, b: PreparedRecord): string {
  const s = spec(name);
  return levelName(s, levelOf(s, s.similarity(a, b)));
}

describe("comparison levels", () => {
  it("grades given names: exact, nickname close, typo, different, missing", () => {
    const bill = contact({ firstname: "Bill", lastname: "Smith" });
    expect(level("firstName", bill, contact({ firstname: "BILL", lastname: "Smith" }))).toBe("exact");
    expect(level("firstName", bill, contact({ firstname: "William", lastname: "Smith" }))).toBe("close");
    expect(level("firstName", contact({ firstname: "Jonathan" }), contact({ firstname: "Jonathon" }))).toBe("close");
    expect(level("firstName", contact({ firstname: "Carl" }), contact({ firstname: "Karl" }))).toBe("similar");
    expect(level("firstName", bill, contact({ firstname: "Zoe" }))).toBe("different");
    expect(level("firstName", bill, contact({ lastname: "Smith" }))).toBe("missing");
  });

  it("sees swapped given name and surname", () => {
    const a = contact({ firstname: "Lucy", lastname: "Fitzpatrick" });
    const b = contact({ firstname: "Fitzpatrick", lastname: "Lucy" });
    expect(level("firstName", a, b)).toBe("close");
    expect(level("lastName", a, b)).toBe("close");
  });

  it("grades dates, ids, phones, emails and addresses by edits", () => {
    const a = contact({ birthdate: "1980-03-12", governmentid: "123-45-6789", telephone1: "(415) 555-0123", emailaddress1: "jane@contoso.com", address1_line1: "12 Main St" });
    const b = contact({ birthdate: "12/03/1980", governmentid: "123-45-6798", telephone1: "+1 415 555 0123", emailaddress1: "jane@contso.com", address1_line1: "12 Main Street" });
    expect(level("birthDate", a, b)).toBe("close"); // day and month swapped (US reads 12/03 as December 3)
    expect(level("governmentId", a, b)).toBe("similar"); // transposition = 2 edits
    expect(level("phone", a, b)).toBe("exact");
    expect(level("email", a, b)).toBe("close");
    expect(level("address", a, b)).toBe("exact");
    expect(editSimilarity("19800312", "19800313")).toBe(0.9);
  });

  it("compares a lead's company with an account's name", () => {
    const lead = prepareRecord("lead", { id: "l", values: { companyname: "The Contoso Co." } }, 0);
    const account = prepareRecord("account", { id: "a", values: { name: "Contoso Ltd" } }, 1);
    expect(level("companyName", lead, account)).toBe("exact");
  });
});

describe("Fellegi–Sunter model", () => {
  it("u from random-pair counts never gives a level zero probability", () => {
    const u = estimateU([0, 10, 990]);
    expect(u[0]).toBeGreaterThan(0);
    expect(u.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it("EM recovers m, u and the match share of a synthetic mixture", () => {
    // three conditionally independent fields, 2 levels (agree / disagree)
    const trueM = [0.95, 0.9, 0.85];
    const trueU = [0.05, 0.1, 0.2];
    const lambda = 0.3;
    const rng = xoroshiro128plus(7);
    const uniform = (): number => uniformInt(rng, 0, 999_999) / 1_000_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const isMatch = uniform() < lambda;
      const levels = trueM.map((m, f) => ((isMatch ? uniform() < m : uniform() < trueU[f]) ? 1 : 2));
      const key = levels.join(",");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const patterns: Pattern[] = [...counts].map(([k, count]) => ({ levels: Uint8Array.from(k.split(",").map(Number)), count }));
    const em = runEm(patterns, [2, 2, 2], [[0.3, 0.7], [0.3, 0.7], [0.3, 0.7]]);
    expect(em.converged).toBe(true);
    expect(em.lambdaCandidates).toBeCloseTo(lambda, 1);
    trueM.forEach((m, f) => expect(Math.abs(em.m[f][0] - m)).toBeLessThan(0.03));
    trueU.forEach((u, f) => expect(Math.abs(em.uCandidates[f][0] - u)).toBeLessThan(0.03));
  });

  it("weights are log2(m/u), monotone, and probability uses the prior", () => {
    const model = new FellegiSunter({
      lambda: 0.01,
      fields: [{ field: "email", levels: ["exact", "close", "different"], m: [0.8, 0.001, 0.199], u: [0.001, 0.02, 0.979] }],
    });
    expect(model.weights[0][1]).toBeCloseTo(Math.log2(0.8 / 0.001), 9);
    // close would be log2(0.001/0.02) ≈ −4.3, below "different" (log2(0.199/0.979) ≈ −2.3): the two are pooled
    expect(model.weights[0][3]).toBeCloseTo(Math.log2(0.2 / 0.999), 9);
    expect(model.weights[0][2]).toBeCloseTo(model.weights[0][3], 9);
  });

  it("an unseen close level does not lift the exact level (pooled, not copied upwards)", () => {
    // every record in one city: exact agreement says nothing; "close" is never seen at random
    const model = new FellegiSunter({
      lambda: 0.01,
      fields: [{ field: "city", levels: ["exact", "close", "different"], m: [0.982, 0.001, 0.017], u: [0.99, 1.7e-6, 0.0098] }],
    });
    // exact+close pooled (≈ −0.01) is below "different" (+0.8): all three pooled, the field says nothing
    expect(model.weights[0][1]).toBeCloseTo(Math.log2(1 / (0.99 + 1.7e-6 + 0.0098)), 9);
    expect(Math.abs(model.weights[0][1])).toBeLessThan(0.01);
    expect(model.weights[0][2]).toBe(model.weights[0][1]);
    expect(model.weights[0][3]).toBe(model.weights[0][1]);
    expect(model.weights[0][0]).toBe(0);
  });

  it("probability uses the prior", () => {
    const model = new FellegiSunter({ lambda: 0.01, fields: [{ field: "email", levels: ["exact", "different"], m: [0.9, 0.1], u: [0.001, 0.999] }] });
    expect(model.priorWeight).toBeCloseTo(Math.log2(0.01 / 0.99), 9);
    expect(model.probability(-model.priorWeight)).toBeCloseTo(0.5, 9);
  });
});
