/**
 * Term-frequency adjustments, as Splink makes them: exact agreement on a value many records share
 * ("Starbucks", "starbucks.com", a food court's switchboard number) is weaker evidence than exact
 * agreement on a rare one. Frequencies are measured on the records being matched. Pure.
 *
 * For a value v on c(v) of N records, tf(v) = c(v)/N is the chance that a random record has it.
 * The field's exact-level weight log2(m/u) is an average over agreeing pairs, so the adjustment is
 * measured against the pair-weighted mean tf of agreeing random pairs (tfRef):
 *   adjustment(v) = log2(tfRef / tf(v)), clipped to [−MAX_DOWN, +MAX_UP].
 * A value as common as the typical agreeing value adds nothing; a rarer one adds, a commoner one
 * takes away. Only the exact level is adjusted.
 */
import type { FieldName, PreparedRecord } from "./fields";

/**
 * Fields whose exact agreement is adjusted by how common the value is, when organisations are
 * compared (a company name is on both sides): a brand, its website, a switchboard, a building.
 * Between people these values are rarely shared, and the matcher skips the counting.
 */
export const TERM_FREQUENCY_FIELDS: readonly FieldName[] = ["companyName", "website", "phone", "address"];

const MAX_UP = 6;
const MAX_DOWN = 10;

/** The values of a record for a term-frequency field (the address as number + street). */
export function tfValues(field: FieldName, r: PreparedRecord): readonly string[] {
  switch (field) {
    case "phone":
      return r.phones;
    case "email":
      return r.emails;
    case "address":
      return r.addressKey == null ? [] : [r.addressKey];
    default: {
      const v = r[field];
      return typeof v === "string" ? [v] : [];
    }
  }
}

export interface FieldFrequencies {
  field: FieldName;
  counts: Map<string, number>;
  /** Records with a value. */
  total: number;
  /** Pair-weighted mean tf of agreeing pairs. */
  reference: number;
}

/** Frequencies of every term-frequency field among `records` (records [0, leftCount) and the rest are two files when linking). */
export function measureFrequencies(records: readonly PreparedRecord[], fields: readonly FieldName[], leftCount?: number): FieldFrequencies[] {
  const out: FieldFrequencies[] = [];
  for (const field of fields) {
    const left = new Map<string, number>();
    const right = leftCount === undefined ? left : new Map<string, number>();
    let total = 0;
    for (let i = 0; i < records.length; i++) {
      const values = tfValues(field, records[i]);
      if (values.length === 0) continue;
      total++;
      const side = leftCount !== undefined && i >= leftCount ? right : left;
      for (const v of values) side.set(v, (side.get(v) ?? 0) + 1);
    }
    if (total === 0) continue;
    const counts = left;
    let pairs = 0;
    let weighted = 0;
    if (right === left) {
      for (const c of counts.values()) {
        const p = (c * (c - 1)) / 2;
        pairs += p;
        weighted += p * (c / total);
      }
    } else {
      for (const [v, cr] of right) {
        const cl = left.get(v) ?? 0;
        const p = cl * cr;
        pairs += p;
        weighted += p * ((cl + cr) / total);
        left.set(v, cl + cr);
      }
    }
    if (pairs === 0) continue;
    out.push({ field, counts, total, reference: weighted / pairs });
  }
  return out;
}

export interface TermFrequencyAdjustment {
  value: string;
  /** Records holding the value. */
  count: number;
  /** Added to the field's exact-level weight. */
  adjustment: number;
}

/** The adjustment for two records that agree exactly on `f.field` (the rarest shared value counts). */
export function tfAdjustment(f: FieldFrequencies, a: PreparedRecord, b: PreparedRecord): TermFrequencyAdjustment | null {
  const av = tfValues(f.field, a);
  const bv = tfValues(f.field, b);
  let best: string | null = null;
  let bestCount = Infinity;
  for (const v of av) {
    if (!bv.includes(v)) continue;
    const c = f.counts.get(v) ?? 1;
    if (c < bestCount) {
      best = v;
      bestCount = c;
    }
  }
  if (best == null) return null;
  const tf = Math.max(bestCount, 2) / f.total;
  const adjustment = Math.min(MAX_UP, Math.max(-MAX_DOWN, Math.log2(f.reference / tf)));
  return { value: best, count: bestCount, adjustment };
}
