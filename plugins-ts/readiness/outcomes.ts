/**
 * Health against outcomes: the win rate and days to close of closed opportunities grouped by the
 * data-health grade they had when they entered a stage (as recorded in the stage ledger of their
 * health row, plugins-ts/audit/stages.ts), and by the dimensions whose scores at entry differ most
 * between wins and losses. Every rate carries its count and a 95 % Wilson score interval; a group
 * smaller than MIN_GROUP is listed with its count but no rate. The wording is association: data
 * health is observed alongside outcomes, not shown to cause them.
 * Pure: callers hand in the closed opportunities with their ledger entries.
 */
import type { StageEntry } from "../audit/stages";
import type { Dimension, Grade } from "../engine/types";

/** Smallest group whose rate is shown. */
export const MIN_GROUP = 10;
/** A dimension score at entry of at least this counts as healthy. */
export const HEALTHY_DIMENSION = 80;
const Z95 = 1.959964;
const DAY = 86_400_000;

/** The 95 % Wilson score interval of k successes in n trials, as [low, high] shares; [0, 1] when n is 0. */
export function wilson(k: number, n: number, z = Z95): [number, number] {
  if (n <= 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface ClosedOpportunity {
  id: string;
  won: boolean;
  /** actualclosedate (ISO day), else modifiedon */
  closedOn: string;
  entries: readonly StageEntry[];
}

export interface OutcomeGroup {
  key: string;
  label: string;
  n: number;
  won: number;
  /** won ÷ n, or null below MIN_GROUP */
  winRate: number | null;
  interval: [number, number] | null;
  /** median days from entering the stage to closing, or null below MIN_GROUP */
  medianDaysToClose: number | null;
}

export interface DimensionContrast {
  dimension: Dimension;
  healthy: OutcomeGroup;
  weak: OutcomeGroup;
  /** healthy − weak win rate (percentage points) */
  difference: number;
  /** the two intervals do not overlap */
  clear: boolean;
}

export interface OutcomeReport {
  /** "first" (the first stage an audit saw the deal in) or a stage name */
  basis: string;
  closed: number;
  /** closed opportunities with an entry on this basis */
  withEntry: number;
  byGrade: OutcomeGroup[];
  /** A–B against C–F */
  split: [OutcomeGroup, OutcomeGroup];
  dimensions: DimensionContrast[];
  /** the sentence a sales leader can quote, or why there is none */
  headline: string;
}

const GRADES: Grade[] = ["A", "B", "C", "D", "F"];
const pct = (x: number): string => `${Math.round(x * 100)} %`;

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Observation {
  won: boolean;
  days: number;
  entry: StageEntry;
}

function group(key: string, label: string, obs: readonly Observation[]): OutcomeGroup {
  const n = obs.length;
  const won = obs.filter((o) => o.won).length;
  const enough = n >= MIN_GROUP;
  return { key, label, n, won, winRate: enough ? won / n : null, interval: enough ? wilson(won, n) : null, medianDaysToClose: enough ? median(obs.map((o) => o.days)) : null };
}

/** The entry an outcome is judged by: the first one, or the first entry into the named stage. */
function entryOf(o: ClosedOpportunity, basis: string): StageEntry | undefined {
  return basis === "first" ? o.entries[0] : o.entries.find((e) => e.s === basis);
}

const describe = (g: OutcomeGroup): string => (g.winRate === null ? `n = ${g.n}, too few to give a rate` : `${pct(g.winRate)} (n = ${g.n}, 95 % interval ${pct(g.interval![0])}–${pct(g.interval![1])})`);

/** Win rate and days to close by grade and by dimension at entry, on one basis. */
export function outcomesBy(closed: readonly ClosedOpportunity[], basis = "first"): OutcomeReport {
  const obs: Observation[] = [];
  for (const o of closed) {
    const entry = entryOf(o, basis);
    if (!entry) continue;
    const days = Math.max(0, Math.round((Date.parse(o.closedOn.slice(0, 10)) - Date.parse(entry.on)) / DAY));
    obs.push({ won: o.won, days, entry });
  }
  const byGrade = GRADES.map((g) => group(g, g, obs.filter((o) => o.entry.g === g)));
  const good = group("AB", "A–B", obs.filter((o) => o.entry.g === "A" || o.entry.g === "B"));
  const weak = group("CF", "C–F", obs.filter((o) => o.entry.g === "C" || o.entry.g === "D" || o.entry.g === "F"));
  const dims = new Set<Dimension>();
  for (const o of obs) for (const d of Object.keys(o.entry.d)) dims.add(d as Dimension);
  const dimensions: DimensionContrast[] = [];
  for (const d of dims) {
    const scored = obs.filter((o) => typeof o.entry.d[d] === "number");
    const healthy = group(`${d}:healthy`, `${d} ≥ ${HEALTHY_DIMENSION}`, scored.filter((o) => o.entry.d[d]! >= HEALTHY_DIMENSION));
    const weakD = group(`${d}:weak`, `${d} < ${HEALTHY_DIMENSION}`, scored.filter((o) => o.entry.d[d]! < HEALTHY_DIMENSION));
    if (healthy.winRate === null || weakD.winRate === null) continue;
    const clear = healthy.interval![0] > weakD.interval![1] || weakD.interval![0] > healthy.interval![1];
    dimensions.push({ dimension: d, healthy, weak: weakD, difference: Math.round((healthy.winRate - weakD.winRate) * 1000) / 10, clear });
  }
  dimensions.sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference) || a.dimension.localeCompare(b.dimension));
  const where = basis === "first" ? "when the audits first saw them open" : `when they entered ${basis}`;
  const headline =
    good.winRate === null && weak.winRate === null
      ? `Too few closed opportunities with a recorded grade ${where} to compare (A–B n = ${good.n}, C–F n = ${weak.n}; a rate needs ${MIN_GROUP}).`
      : `Closed opportunities whose data was graded A–B ${where} were won at ${describe(good)}; those graded C–F at ${describe(weak)}. This is an association, not proof that the data caused the outcome.`;
  return { basis, closed: closed.length, withEntry: obs.length, byGrade, split: [good, weak], dimensions: dimensions.slice(0, 3), headline };
}
