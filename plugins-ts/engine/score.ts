/**
 * Compiles a validated rule pack once, then scores records with it.
 *
 * Score per dimension: 100 × Σ weight of passed rules / Σ weight of evaluated rules.
 * Overall: the mean of the dimension scores weighted by the pack's dimension weights, over the
 * dimensions that have at least one evaluated rule. Rounded to one decimal. The same record, pack
 * and `now` always give the same score.
 */
import { compileCheck, type CompiledCheck, type EvalContext } from "./checks";
import { conditionInputs, evaluateCondition } from "./checks/conditions";
import type { Condition, ProcessDefinition, Rule, RulePack } from "./pack/types";
import {
  DIMENSIONS,
  type Dimension,
  type DimensionScore,
  type EngineRecord,
  type Finding,
  type Grade,
  type RecordScore,
  type RelatedFacts,
  type ScoreOptions,
} from "./types";

export interface CompiledRule {
  rule: Rule;
  check: CompiledCheck;
  when?: Condition;
}

/** What a caller must fetch to score a table with this pack. */
export interface Requirements {
  table: string;
  /** Record columns, sorted; includes those of `when` conditions. */
  columns: string[];
  /** Related facts, sorted. */
  facts: (keyof RelatedFacts)[];
  /** Columns of related records by lookup name. */
  parentColumns: Record<string, string[]>;
}

export const DEFAULT_GRADE_BANDS = { A: 90, B: 80, C: 70, D: 60 } as const;

export function gradeFor(score: number, bands: { A: number; B: number; C: number; D: number } = DEFAULT_GRADE_BANDS): Grade {
  if (score >= bands.A) return "A";
  if (score >= bands.B) return "B";
  if (score >= bands.C) return "C";
  if (score >= bands.D) return "D";
  return "F";
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export class CompiledPack {
  private readonly byTable = new Map<string, CompiledRule[]>();
  private readonly processes = new Map<string, ProcessDefinition>();
  private readonly dimensionWeight: Record<Dimension, number>;

  constructor(readonly pack: RulePack) {
    for (const rule of pack.rules) {
      if (rule.enabled === false) continue;
      const list = this.byTable.get(rule.table) ?? [];
      list.push({ rule, check: compileCheck(rule.check, pack, rule.table), when: rule.when });
      this.byTable.set(rule.table, list);
    }
    for (const [table, p] of Object.entries(pack.processes ?? {})) this.processes.set(table, p);
    this.dimensionWeight = Object.fromEntries(DIMENSIONS.map((d) => [d, pack.dimensionWeights?.[d] ?? 1])) as Record<Dimension, number>;
  }

  get tables(): string[] {
    return [...this.byTable.keys()].sort();
  }

  rules(table: string): readonly CompiledRule[] {
    return this.byTable.get(table) ?? [];
  }

  process(table: string): ProcessDefinition | undefined {
    return this.processes.get(table);
  }

  requirements(table: string): Requirements {
    const columns = new Set<string>();
    const facts = new Set<keyof RelatedFacts>();
    const parentColumns: Record<string, Set<string>> = {};
    for (const { check, when } of this.rules(table)) {
      check.inputs.columns.forEach((c) => columns.add(c));
      check.inputs.facts.forEach((f) => facts.add(f));
      for (const [lookup, cols] of Object.entries(check.inputs.parentColumns ?? {})) {
        parentColumns[lookup] ??= new Set();
        cols.forEach((c) => parentColumns[lookup].add(c));
      }
      if (when) conditionInputs(when, columns, facts as Set<"stage">);
    }
    return {
      table,
      columns: [...columns].sort(),
      facts: [...facts].sort(),
      parentColumns: Object.fromEntries(Object.entries(parentColumns).map(([k, v]) => [k, [...v].sort()])),
    };
  }

  /** Scores one record. Rules whose `when` does not hold are not applicable and not listed. */
  score(record: EngineRecord, options: ScoreOptions): RecordScore {
    const now = options.now.getTime();
    const process = this.processes.get(record.table);
    const ctx: EvalContext = { now, pack: this.pack, process };
    const waived = options.waivedRuleIds;
    const findings: Finding[] = [];
    const acc = new Map<Dimension, DimensionScore>();
    let revisit = Infinity;

    for (const { rule, check, when } of this.rules(record.table)) {
      let result;
      if (when) {
        const applies = evaluateCondition(when, record, process);
        if (applies === false) continue;
        result =
          applies === undefined
            ? { outcome: "notEvaluated" as const, observed: "(not fetched)", reason: "an input of the rule's condition was not fetched" }
            : check.evaluate(record, ctx);
      } else {
        result = check.evaluate(record, ctx);
      }
      if (result.outcome === "notApplicable") continue;
      if (result.revisitAt !== undefined && result.revisitAt > now && result.revisitAt < revisit) revisit = result.revisitAt;

      const finding: Finding = {
        ruleId: rule.id,
        outcome: result.outcome,
        severity: rule.severity,
        dimension: rule.dimension,
        columns: check.inputs.columns.length ? check.inputs.columns : check.inputs.facts.map((f) => `@${f}`),
        observed: result.observed,
        expected: result.expected ?? check.expected,
        message: rule.message,
        fix: rule.fix,
      };
      if (result.reason) finding.reason = result.reason;
      if (result.stable !== undefined && result.stable !== result.observed) finding.observedStable = result.stable;

      let d = acc.get(rule.dimension);
      if (!d) {
        d = { dimension: rule.dimension, score: null, passed: 0, failed: 0, notEvaluated: 0, waived: 0, weightPassed: 0, weightEvaluated: 0 };
        acc.set(rule.dimension, d);
      }
      if (result.outcome === "passed") {
        d.passed++;
        d.weightPassed += rule.weight;
        d.weightEvaluated += rule.weight;
      } else if (result.outcome === "failed") {
        if (waived?.has(rule.id)) {
          finding.waived = true;
          d.waived++;
        } else {
          d.failed++;
          d.weightEvaluated += rule.weight;
        }
      } else {
        d.notEvaluated++;
      }
      findings.push(finding);
    }

    let num = 0;
    let den = 0;
    const dimensions: Partial<Record<Dimension, DimensionScore>> = {};
    for (const dim of DIMENSIONS) {
      const d = acc.get(dim);
      if (!d) continue;
      if (d.weightEvaluated > 0) {
        d.score = round1((100 * d.weightPassed) / d.weightEvaluated);
        const w = this.dimensionWeight[dim];
        num += w * ((100 * d.weightPassed) / d.weightEvaluated);
        den += w;
      }
      dimensions[dim] = d;
    }
    const score = den > 0 ? round1(num / den) : null;
    return {
      table: record.table,
      id: record.id,
      score,
      grade: score === null ? null : gradeFor(score, this.pack.gradeBands),
      dimensions,
      findings,
      revisitAfter: revisit === Infinity ? null : new Date(revisit).toISOString(),
    };
  }
}

/** Compiles a pack that has already been validated (see `parseRulePack` / `validateRulePack`). */
export function compilePack(pack: RulePack): CompiledPack {
  return new CompiledPack(pack);
}
