/**
 * The stored form of a record's health (`vit_recordhealth`): compact findings, a fingerprint to
 * skip unchanged writes, and the way back from a stored row to its aggregate contribution.
 */
import type { Dimension, Finding, Grade, RecordScore, Severity } from "../engine/types";
import { DIMENSIONS } from "../engine/types";
import { hash53Number } from "../engine/hash";
import type { Contribution } from "./aggregates";
import type { MatchKeys } from "../engine/duplicates/matchkeys";

/**
 * A finding as stored: only failed and waived ones (what the drill-down, reports and aggregates
 * read); title, message, fix, severity and dimension come from the rule pack by rule id. Rows
 * written before health rows were compacted also carry not-evaluated findings and `s`/`d`.
 */
export interface CompactFinding {
  /** rule id */
  r: string;
  /** outcome: f failed, w waived (n not evaluated: older rows only) */
  o: "f" | "n" | "w";
  s?: Severity;
  d?: Dimension;
  /** observed */
  v: string;
  /** expected */
  e: string;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function compactFindings(findings: readonly Finding[]): CompactFinding[] {
  const out: CompactFinding[] = [];
  for (const f of findings) {
    if (f.outcome === "passed") continue;
    // Stored observations must not change with the clock alone, or every day would rewrite every row.
    out.push({ r: f.ruleId, o: f.waived ? "w" : f.outcome === "failed" ? "f" : "n", s: f.severity, d: f.dimension, v: f.observedStable ?? f.observed, e: f.expected });
  }
  return out;
}

/** What `vit_findings` stores: the failed and waived findings, by rule id, with their observed and expected values. */
export function storedFindings(findings: readonly Finding[]): CompactFinding[] {
  const out: CompactFinding[] = [];
  for (const f of findings) {
    if (f.outcome !== "failed") continue;
    out.push({ r: f.ruleId, o: f.waived ? "w" : "f", v: f.observedStable ?? f.observed, e: f.expected });
  }
  return out;
}

/** What `vit_dimensions` stores: the dimension scores in DIMENSIONS order (null: no rule evaluated), trailing nulls left out. */
export function storedDimensions(s: RecordScore): (number | null)[] {
  const out = DIMENSIONS.map((d) => s.dimensions[d]?.score ?? null);
  while (out.length && out[out.length - 1] === null) out.pop();
  return out;
}

/** Dimension scores read back from `vit_dimensions`: the stored array, or the object older rows carry. */
export function parseStoredDimensions(json: string | null): Partial<Record<Dimension, number | null>> {
  if (!json) return {};
  try {
    const v = JSON.parse(json) as unknown;
    if (Array.isArray(v)) {
      const out: Partial<Record<Dimension, number | null>> = {};
      DIMENSIONS.forEach((d, i) => {
        const x: unknown = v[i];
        if (typeof x === "number") out[d] = x;
      });
      return out;
    }
    return v && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}

/** The failed finding that matters most: highest severity, then pack order. */
export function topIssue(findings: readonly Finding[]): Finding | undefined {
  let best: Finding | undefined;
  for (const f of findings) {
    if (f.outcome !== "failed" || f.waived) continue;
    if (!best || SEVERITY_RANK[f.severity] < SEVERITY_RANK[best.severity]) best = f;
  }
  return best;
}

export function dimensionScores(s: RecordScore): Partial<Record<Dimension, number | null>> {
  const out: Partial<Record<Dimension, number | null>> = {};
  for (const d of DIMENSIONS) {
    const v = s.dimensions[d];
    if (v) out[d] = v.score;
  }
  return out;
}

/** cyrb53 (the engine's hash53Number) in base 36. */
export function hash53(text: string, seed = 0): string {
  return hash53Number(text, seed).toString(36);
}

/**
 * What a health row says, reduced to what decides whether it must be written again: score,
 * grade, dimension scores, every non-passed finding with its observation, the revisit time and
 * the owner (a new owner must own the health row too), and the duplicate match keys of accounts
 * and leads (a record is looked up by them). `scoredOn` is not part of it; rows without keys keep
 * the fingerprint they had before keys existed.
 */
export function healthFingerprint(s: RecordScore, ownerId: string | null, packVersion: string, keys?: MatchKeys | null): string {
  const parts: unknown[] = [packVersion, s.score, s.grade, dimensionScores(s), compactFindings(s.findings), s.revisitAfter, ownerId];
  if (keys) parts.push([keys.company, keys.website, keys.domain]);
  return hash53(JSON.stringify(parts));
}

export function contributionOf(s: RecordScore, ownerId: string | null, businessUnitId: string | null): Contribution {
  const failedRules: string[] = [];
  const waivedRules: string[] = [];
  for (const f of s.findings) {
    if (f.outcome !== "failed") continue;
    if (f.waived) waivedRules.push(f.ruleId);
    else failedRules.push(f.ruleId);
  }
  return { table: s.table, score: s.score, grade: s.grade, dimensions: dimensionScores(s), failedRules, waivedRules, ownerId, businessUnitId };
}

/** The contribution a stored health row made, read back from its columns. */
export function contributionOfStored(stored: {
  table: string;
  score: number | null;
  grade: Grade | null;
  dimensionsJson: string | null;
  findingsJson: string | null;
  ownerId: string | null;
  businessUnitId: string | null;
}): Contribution {
  const dims = parseStoredDimensions(stored.dimensionsJson);
  let findings: CompactFinding[] = [];
  try {
    findings = stored.findingsJson ? (JSON.parse(stored.findingsJson) as CompactFinding[]) : [];
  } catch {
    findings = [];
  }
  return {
    table: stored.table,
    score: stored.score,
    grade: stored.grade,
    dimensions: dims,
    failedRules: findings.filter((f) => f.o === "f").map((f) => f.r),
    waivedRules: findings.filter((f) => f.o === "w").map((f) => f.r),
    ownerId: stored.ownerId,
    businessUnitId: stored.businessUnitId,
  };
}
