/**
 * Contradictions between two organisations that the Fellegi–Sunter sum cannot see. Agreement on
 * name, website and postal code are not independent for the branches of one chain (a brand's
 * website follows from its name, its branches share a city), so their weights add up to far more
 * than the evidence is worth, and EM, seeing many such pairs, learns that duplicates often differ
 * in address and phone. Two rules put the contradiction back, for account ↔ account pairs only
 * (a lead at another site of a company still belongs to that company's account):
 * - another site: the address lines disagree (another street, or another street number on the
 *   same street) and the phone numbers do not agree — a chain's branch, not a duplicate;
 * - another business: the names disagree (rarity-weighted word agreement below "similar") and
 *   neither phone nor website agrees — neighbours at one address, not a duplicate.
 * A contradiction takes a fixed penalty from the field that carries it and, whatever the other
 * fields add up to, leaves the pair at most at CONFLICT_MAX_PROBABILITY: reported as a near-miss
 * with its reason ("another site"), never as a match. Pure; decided on comparison levels only.
 */
import type { LevelName } from "./compare";
import type { DuplicateTable, FieldName } from "./fields";

/** log2 odds taken away by a contradiction at least: duplicates almost never show it. */
export const SITE_CONFLICT_PENALTY = 8;
export const BUSINESS_CONFLICT_PENALTY = 8;
/** The most a pair with a contradiction can be (inside the default near-miss band, below the threshold). */
export const CONFLICT_MAX_PROBABILITY = 0.25;

/**
 * The weight a pair keeps after its contradictions: `weight` less the penalties, and no more than
 * what gives CONFLICT_MAX_PROBABILITY with the prior `priorWeight`.
 */
export function weightAfterConflicts(weight: number, conflicts: readonly Conflict[], priorWeight: number): number {
  if (conflicts.length === 0) return weight;
  let w = weight;
  for (const c of conflicts) w -= c.penalty;
  const cap = Math.log2(CONFLICT_MAX_PROBABILITY / (1 - CONFLICT_MAX_PROBABILITY)) - priorWeight;
  return Math.min(w, cap);
}

export interface Conflict {
  field: FieldName;
  penalty: number;
  note: string;
}

/** Whether contradictions apply between records of these tables. */
export function conflictsApply(a: DuplicateTable, b: DuplicateTable): boolean {
  return a === "account" && b === "account";
}

/** The contradictions in one comparison pattern (level name per field; absent fields are "missing"). */
export function findConflicts(level: (field: FieldName) => LevelName): Conflict[] {
  const out: Conflict[] = [];
  const phone = level("phone");
  const website = level("website");
  if (level("companyName") !== "missing" && level("address") === "different" && phone !== "exact") {
    out.push({ field: "address", penalty: SITE_CONFLICT_PENALTY, note: `another site: the addresses disagree and the phones ${phone === "missing" ? "cannot confirm" : "differ"}` });
  }
  if (level("companyName") === "different" && phone !== "exact" && website !== "exact") {
    out.push({ field: "companyName", penalty: BUSINESS_CONFLICT_PENALTY, note: "another business: the names disagree and neither phone nor website agrees" });
  }
  return out;
}
