/**
 * Aggregates record scores as they stream past: averages by dimension, grade counts and outcome
 * counts per rule. Memory depends on the number of rules, not of records.
 */
import { DIMENSIONS, type Dimension, type Grade, type RecordScore } from "./types";

export interface RuleTally {
  ruleId: string;
  passed: number;
  failed: number;
  notEvaluated: number;
  waived: number;
}

export interface ScoreSummary {
  records: number;
  /** Records with at least one evaluated rule. */
  scored: number;
  /** Mean of record scores, one decimal; null when none was scored. */
  averageScore: number | null;
  grades: Record<Grade | "none", number>;
  dimensions: Partial<Record<Dimension, { average: number; records: number }>>;
  rules: RuleTally[];
}

export class SummaryBuilder {
  private records = 0;
  private scored = 0;
  private total = 0;
  private readonly grades: Record<Grade | "none", number> = { A: 0, B: 0, C: 0, D: 0, F: 0, none: 0 };
  private readonly dims = new Map<Dimension, { sum: number; n: number }>();
  private readonly rules = new Map<string, RuleTally>();

  add(s: RecordScore): void {
    this.records++;
    if (s.score !== null) {
      this.scored++;
      this.total += s.score;
    }
    this.grades[s.grade ?? "none"]++;
    for (const dim of DIMENSIONS) {
      const d = s.dimensions[dim];
      if (!d || d.score === null) continue;
      const a = this.dims.get(dim) ?? { sum: 0, n: 0 };
      a.sum += d.score;
      a.n++;
      this.dims.set(dim, a);
    }
    for (const f of s.findings) {
      let t = this.rules.get(f.ruleId);
      if (!t) {
        t = { ruleId: f.ruleId, passed: 0, failed: 0, notEvaluated: 0, waived: 0 };
        this.rules.set(f.ruleId, t);
      }
      if (f.waived) t.waived++;
      else t[f.outcome]++;
    }
  }

  build(): ScoreSummary {
    const round1 = (x: number): number => Math.round(x * 10) / 10;
    const dimensions: ScoreSummary["dimensions"] = {};
    for (const dim of DIMENSIONS) {
      const a = this.dims.get(dim);
      if (a) dimensions[dim] = { average: round1(a.sum / a.n), records: a.n };
    }
    return {
      records: this.records,
      scored: this.scored,
      averageScore: this.scored ? round1(this.total / this.scored) : null,
      grades: { ...this.grades },
      dimensions,
      rules: [...this.rules.values()].sort((a, b) => b.failed - a.failed || a.ruleId.localeCompare(b.ruleId)),
    };
  }
}
