/**
 * Audit aggregates kept as sums and counts, so a record's contribution can be added and taken
 * away again. A full run adds every record; an incremental run takes away the stored contribution
 * of each re-scored (or gone) record and adds its new one, so org-wide numbers stay exact without
 * re-reading every health row. Serialisable as JSON (it travels in the run's checkpoint).
 */
import { DIMENSIONS, type Dimension, type Grade } from "../engine/types";

/** What one scored record contributes to the aggregates. */
export interface Contribution {
  table: string;
  /** null: nothing could be evaluated. */
  score: number | null;
  grade: Grade | null;
  dimensions: Partial<Record<Dimension, number | null>>;
  /** Rule ids that failed (waived failures excluded). */
  failedRules: string[];
  /** Rule ids whose failures are waived. */
  waivedRules?: string[];
  ownerId: string | null;
  businessUnitId: string | null;
}

export interface ScoreSum {
  /** Records counted. */
  records: number;
  /** Records with a score. */
  scored: number;
  /** Σ score over scored records. */
  sum: number;
  /** Σ failed findings. */
  failed: number;
}

export interface AggregateState {
  overall: ScoreSum;
  grades: Record<Grade | "none", number>;
  byTable: Record<string, ScoreSum>;
  byDimension: Partial<Record<Dimension, { scored: number; sum: number }>>;
  /** Failed (and waived) counts per rule. */
  byRule: Record<string, { failed: number; waived: number }>;
  byOwner: Record<string, ScoreSum>;
  byBusinessUnit: Record<string, ScoreSum>;
}

export function emptyAggregates(): AggregateState {
  return {
    overall: zero(),
    grades: { A: 0, B: 0, C: 0, D: 0, F: 0, none: 0 },
    byTable: {},
    byDimension: {},
    byRule: {},
    byOwner: {},
    byBusinessUnit: {},
  };
}

function zero(): ScoreSum {
  return { records: 0, scored: 0, sum: 0, failed: 0 };
}

function bump(s: ScoreSum, c: Contribution, sign: 1 | -1): void {
  s.records += sign;
  if (c.score !== null) {
    s.scored += sign;
    s.sum += sign * c.score;
  }
  s.failed += sign * c.failedRules.length;
}

function bucket(map: Record<string, ScoreSum>, key: string, c: Contribution, sign: 1 | -1): void {
  const s = (map[key] ??= zero());
  bump(s, c, sign);
  if (s.records === 0) delete map[key];
}

/** Adds (sign 1) or removes (sign -1) one record's contribution. */
export function applyContribution(a: AggregateState, c: Contribution, sign: 1 | -1 = 1): void {
  bump(a.overall, c, sign);
  a.grades[c.grade ?? "none"] += sign;
  bucket(a.byTable, c.table, c, sign);
  bucket(a.byOwner, c.ownerId ?? "(none)", c, sign);
  bucket(a.byBusinessUnit, c.businessUnitId ?? "(none)", c, sign);
  for (const d of DIMENSIONS) {
    const v = c.dimensions[d];
    if (v === null || v === undefined) continue;
    const s = (a.byDimension[d] ??= { scored: 0, sum: 0 });
    s.scored += sign;
    s.sum += sign * v;
    if (s.scored === 0) delete a.byDimension[d];
  }
  for (const r of c.failedRules) {
    const s = (a.byRule[r] ??= { failed: 0, waived: 0 });
    s.failed += sign;
    if (s.failed === 0 && s.waived === 0) delete a.byRule[r];
  }
  for (const r of c.waivedRules ?? []) {
    const s = (a.byRule[r] ??= { failed: 0, waived: 0 });
    s.waived += sign;
    if (s.failed === 0 && s.waived === 0) delete a.byRule[r];
  }
}

function addSums(into: Record<string, ScoreSum>, from: Record<string, ScoreSum>): void {
  for (const [k, s] of Object.entries(from)) {
    const t = (into[k] ??= zero());
    t.records += s.records;
    t.scored += s.scored;
    t.sum += s.sum;
    t.failed += s.failed;
  }
}

/**
 * Adds the aggregates of disjoint sets of records (the partitions of one run) into `into`: the
 * result is what one pass over all of them gives (sums and counts, so the order does not matter
 * beyond floating-point rounding of score sums, far below the reported 0.1).
 */
export function mergeAggregates(into: AggregateState, from: AggregateState): AggregateState {
  addSums({ overall: into.overall }, { overall: from.overall });
  for (const g of Object.keys(from.grades) as (Grade | "none")[]) into.grades[g] += from.grades[g];
  addSums(into.byTable, from.byTable);
  addSums(into.byOwner, from.byOwner);
  addSums(into.byBusinessUnit, from.byBusinessUnit);
  for (const d of DIMENSIONS) {
    const s = from.byDimension[d];
    if (!s) continue;
    const t = (into.byDimension[d] ??= { scored: 0, sum: 0 });
    t.scored += s.scored;
    t.sum += s.sum;
  }
  for (const [r, s] of Object.entries(from.byRule)) {
    const t = (into.byRule[r] ??= { failed: 0, waived: 0 });
    t.failed += s.failed;
    t.waived += s.waived;
  }
  return into;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export function average(s: { scored: number; sum: number }): number | null {
  return s.scored > 0 ? round1(s.sum / s.scored) : null;
}

/** A readable summary of the state, for reports, the Governance Center and `vit_auditrun`. */
export interface AggregateReport {
  overall: { records: number; scored: number; average: number | null; failed: number };
  grades: Record<Grade | "none", number>;
  byTable: Record<string, { records: number; average: number | null; failed: number }>;
  byDimension: Partial<Record<Dimension, number | null>>;
  byRule: { ruleId: string; failed: number; waived: number }[];
  byOwner: Record<string, { records: number; average: number | null; failed: number }>;
  byBusinessUnit: Record<string, { records: number; average: number | null; failed: number }>;
}

function report(map: Record<string, ScoreSum>): Record<string, { records: number; average: number | null; failed: number }> {
  return Object.fromEntries(
    Object.entries(map)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, s]) => [k, { records: s.records, average: average(s), failed: s.failed }]),
  );
}

export function reportAggregates(a: AggregateState): AggregateReport {
  return {
    overall: { records: a.overall.records, scored: a.overall.scored, average: average(a.overall), failed: a.overall.failed },
    grades: { ...a.grades },
    byTable: report(a.byTable),
    byDimension: Object.fromEntries(DIMENSIONS.filter((d) => a.byDimension[d]).map((d) => [d, average(a.byDimension[d]!)])),
    byRule: Object.entries(a.byRule)
      .map(([ruleId, s]) => ({ ruleId, failed: s.failed, waived: s.waived }))
      .sort((x, y) => y.failed - x.failed || x.ruleId.localeCompare(y.ruleId)),
    byOwner: report(a.byOwner),
    byBusinessUnit: report(a.byBusinessUnit),
  };
}
