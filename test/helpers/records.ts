/** Shared builders for engine tests: records, packs and one-rule scoring. */
import { compilePack, validateRulePack, type Check, type Condition, type EngineRecord, type Finding, type RelatedFacts, type Rule, type RulePack } from "../../plugins-ts/engine";

export const NOW = new Date("2026-11-23T12:00:00Z");
/** Public data slices vendored for tests (see test/fixtures/SOURCES.md). */
export const FIXTURES = `${__dirname}/../fixtures`;

export function record(table: string, values: EngineRecord["values"], related?: RelatedFacts, id = "00000000-0000-0000-0000-000000000001"): EngineRecord {
  return { table, id, values, related };
}

export function rule(table: string, check: Check, extra: Partial<Rule> = {}): Rule {
  return {
    id: `${table}.test.${check.type.toLowerCase()}`,
    table,
    title: `test ${check.type}`,
    dimension: "validity",
    severity: "medium",
    weight: 1,
    check,
    message: "test message",
    fix: "test fix",
    ...extra,
  };
}

export function pack(rules: Rule[], extra: Partial<RulePack> = {}): RulePack {
  const p: RulePack = { id: "test-pack", name: "Test pack", version: "1.0.0", rules, ...extra };
  const v = validateRulePack(p);
  if (!v.ok) throw new Error(`test pack invalid: ${JSON.stringify(v.errors)}`);
  return v.pack;
}

export const OPPORTUNITY_PROCESS: RulePack["processes"] = {
  opportunity: {
    name: "Opportunity Sales Process",
    stages: [
      { name: "Qualify", maxDays: 30, exitCriteria: [{ column: "budgetamount", label: "Budget" }, { column: "decisionmaker", label: "Decision maker", equals: true }] },
      { name: "Develop", maxDays: 45, exitCriteria: [{ column: "customerneed", label: "Customer need" }] },
      { name: "Propose", exitCriteria: [] },
    ],
  },
};

/** Scores one record with a single-rule pack and returns that rule's finding (or undefined when not applicable). */
export function judge(table: string, check: Check, values: EngineRecord["values"], related?: RelatedFacts, opts: { when?: Condition; now?: Date; extra?: Partial<RulePack> } = {}): Finding | undefined {
  const p = pack([rule(table, check, opts.when ? { when: opts.when } : {})], { processes: OPPORTUNITY_PROCESS, ...opts.extra });
  return compilePack(p).score(record(table, values, related), { now: opts.now ?? NOW }).findings[0];
}
