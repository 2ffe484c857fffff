/**
 * The matcher: prepare → block → compare → estimate the model (random-pair u, EM for m) → score →
 * cluster → explain. Pure: records in, pairs and clusters out; no I/O and no clock. Randomness
 * (the random pairs for u) comes from a seeded generator, so the same input gives the same output.
 */
import { DEFAULT_BLOCKING_RULES, generatePairs, type BlockingRule, type BlockingStats, type SkippedBlock } from "./blocking";
import { clusterRecords } from "./cluster";
import { FIELD_SPECS, levelOf } from "./compare";
import { endPreparation, prepareInto, type DuplicateTable, type FieldName, type MatchRecord, type PrepareOptions, type PreparedRecord } from "./fields";
import type { ModelParameters, Pattern } from "./model";
import { estimateParameters, type Training } from "./train";
import { PairScorer, type PairExplanation } from "./scorer";
import { countTokens, Float32Pool, pooledTokenWeights, type CompanyTokens } from "./company";
import { measureFrequencies, TERM_FREQUENCY_FIELDS } from "./frequencies";
import { GrowableInt32 } from "./idTable";

/** The records of one table, as handed to the matcher. */
export interface MatchInput {
  table: DuplicateTable;
  records: readonly MatchRecord[];
}

export interface MatchOptions extends PrepareOptions {
  /** Match probability at or above which a pair is a match (default 0.5). */
  threshold?: number;
  /** Pairs with probability in [threshold − band, threshold) are near-misses (default 0.3). */
  nearMissBand?: number;
  /** Blocks with more records than this are skipped and reported (default 500). */
  maxBlockSize?: number;
  blockingRules?: readonly BlockingRule[];
  /** Random pairs used to measure u (default 300,000; all pairs when there are fewer). */
  uSamplePairs?: number;
  /** Seed of the random-pair sampler (default 1). */
  seed?: number;
  emMaxIterations?: number;
  /**
   * Whether EM also estimates u among the candidate pairs (default true). Match weights always use
   * the random-pair u; letting EM model the candidates' own u keeps pairs that blocking brought
   * together (same name, different person) from inflating m. `false` keeps u fixed during EM, as
   * Splink does.
   */
  emEstimatesU?: boolean;
  /** Use these parameters instead of estimating them (e.g. a model stored from an earlier run). */
  parameters?: ModelParameters;
  /**
   * Fields whose exact agreement is weighed by how common the value is in the data (default:
   * companyName, website, phone and address when company names are compared, none between
   * people); [] turns term-frequency adjustments off.
   */
  termFrequencyFields?: readonly FieldName[];
  /** Progress callback: stage name, units done, units in the stage. */
  onProgress?: (stage: MatchStage, done: number, total: number) => void;
}

export type MatchStage = "prepare" | "block" | "sample" | "train" | "score" | "cluster" | "explain";

export interface RecordRef {
  table: DuplicateTable;
  id: string;
  name: string;
}

export type PairDecision = "match" | "near-miss";

export interface ScoredPair {
  left: RecordRef;
  right: RecordRef;
  probability: number;
  /** Σ log2(m/u), without the prior. */
  weight: number;
  decision: PairDecision;
  /**
   * True when the pair is above the threshold but clustering kept the two records apart (their
   * groups did not agree by majority); such pairs are reported as near-misses.
   */
  splitByClustering?: boolean;
  explanation: PairExplanation;
}

export interface MatchStats {
  records: number;
  leftRecords: number;
  rightRecords: number;
  /** Candidate pairs compared field by field (after blocking). */
  candidatePairs: number;
  /** All possible pairs, for scale (n(n−1)/2, or left × right). */
  possiblePairs: number;
  blocking: BlockingStats[];
  /** Oversized blocks that were not expanded (largest first, at most 50 listed). */
  skippedBlocks: SkippedBlock[];
  skippedBlockCount: number;
  randomPairs: number;
  distinctPatterns: number;
  emIterations: number;
  emConverged: boolean;
  /**
   * Set when m could not be estimated from the data (too few compared fields for EM to tell
   * matches from non-matches, or EM did not converge): m then comes from conservative priors and
   * only the match share is estimated. Says why.
   */
  emFallback?: string;
  matches: number;
  nearMisses: number;
  clusters: number;
  /** Fields compared (those with values on both sides). */
  fields: FieldName[];
}

export interface MatchResult {
  /** Matches and near-misses, most probable first. */
  pairs: ScoredPair[];
  /** Groups of two or more records judged to be the same entity. */
  clusters: RecordRef[][];
  model: ModelParameters;
  stats: MatchStats;
}

/** The order of record ids among pairs of equal probability: what `localeCompare` gives, without making a collator per comparison. */
const ID_ORDER = new Intl.Collator();

function ref(r: PreparedRecord): RecordRef {
  return { table: r.table, id: r.id, name: r.name };
}

function hasField(r: PreparedRecord, f: FieldName): boolean {
  switch (f) {
    case "email":
      return r.emails.length > 0;
    case "phone":
      return r.phones.length > 0;
    default:
      return r[f] != null;
  }
}

/** Deduplicates the records of one table. */
export function deduplicate(input: MatchInput, options: MatchOptions = {}): MatchResult {
  const prepared = prepareAll([input], options);
  return match(prepared, undefined, options);
}

/**
 * Links `right` to `left` (for example a lead file to the contacts): only left × right pairs are
 * compared. The tables may differ (lead → contact, lead → account).
 */
export function link(left: MatchInput, right: MatchInput, options: MatchOptions = {}): MatchResult {
  const prepared = prepareAll([left, right], options);
  return match(prepared, left.records.length, options);
}

/**
 * Dataverse's own duplicate rule for accounts flags identical names; CRM Vitals never reports
 * less: a pair whose company names agree exactly, with no field disagreeing outright, is at least
 * a near-miss whatever its probability (a common name such as "Starbucks" weighs little, but the
 * pair is still shown, with its explanation).
 */
function sameNamePatterns(specIndexes: readonly number[], decode: (code: number) => Uint8Array): (code: number) => boolean {
  const company = specIndexes.findIndex((i) => FIELD_SPECS[i].name === "companyName");
  const cache = new Map<number, boolean>();
  return (code) => {
    if (company < 0) return false;
    let v = cache.get(code);
    if (v === undefined) {
      const levels = decode(code);
      v = levels[company] === 1 && specIndexes.every((si, f) => levels[f] !== FIELD_SPECS[si].levels.length);
      cache.set(code, v);
    }
    return v;
  };
}

/** Company words weighed by their rarity among these records (log2 N/df). */
function reweighCompanyTokens(records: readonly PreparedRecord[]): void {
  const lists: (readonly string[])[] = [];
  for (const r of records) if (r.company) lists.push(r.company.tokens);
  const stats = countTokens(lists);
  if (stats.documents < 2) return;
  // records with one name share one token list (memo.ts), so they share its re-weighed form too
  const reweighed = new Map<CompanyTokens, CompanyTokens>();
  const pool = new Float32Pool();
  for (const r of records) {
    if (!r.company) continue;
    let c = reweighed.get(r.company);
    if (!c) reweighed.set(r.company, (c = { tokens: r.company.tokens, weights: pooledTokenWeights(pool, r.company.tokens, stats) }));
    r.company = c;
  }
}

function prepareAll(inputs: MatchInput[], options: MatchOptions): PreparedRecord[] {
  const total = inputs.reduce((s, i) => s + i.records.length, 0);
  const out: PreparedRecord[] = [];
  for (const input of inputs) prepareInto(out, input.table, input.records, options, total, options.onProgress);
  endPreparation();
  options.onProgress?.("prepare", total, total);
  return out;
}

/** Core of `deduplicate` and `link` over prepared records (`leftCount` set = link mode). */
export function match(records: readonly PreparedRecord[], leftCount: number | undefined, options: MatchOptions = {}): MatchResult {
  const threshold = options.threshold ?? 0.5;
  const band = options.nearMissBand ?? 0.3;
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`threshold must be between 0 and 1 (exclusive), got ${threshold}`);
  if (!(band >= 0 && band <= threshold)) throw new RangeError(`nearMissBand must be between 0 and the threshold, got ${band}`);
  const maxBlockSize = options.maxBlockSize ?? 500;
  const n = records.length;
  const linking = leftCount !== undefined;
  const nLeft = leftCount ?? n;
  const nRight = linking ? n - nLeft : n;
  const possiblePairs = linking ? nLeft * nRight : (n * (n - 1)) / 2;

  // 0. what the data says about its own values: company-word rarity (term frequencies below)
  reweighCompanyTokens(records);

  // 1. fields: those with a value on both sides (a given parameter set fixes them)
  let specIndexes: number[];
  if (options.parameters) {
    specIndexes = options.parameters.fields.map((f) => {
      const i = FIELD_SPECS.findIndex((s) => s.name === f.field);
      if (i < 0) throw new RangeError(`model parameters name an unknown field "${f.field}"`);
      return i;
    });
  } else {
    specIndexes = [];
    FIELD_SPECS.forEach((spec, i) => {
      let onLeft = false;
      let onRight = false;
      for (let k = 0; k < n && !(onLeft && onRight); k++) {
        if (!hasField(records[k], spec.name)) continue;
        if (!linking || k < nLeft) onLeft = true;
        if (!linking || k >= nLeft) onRight = true;
      }
      if (onLeft && onRight) specIndexes.push(i);
    });
  }
  const specs = specIndexes.map((i) => FIELD_SPECS[i]);
  const organisations = specs.some((sp) => sp.name === "companyName");
  const frequencies = measureFrequencies(records, options.termFrequencyFields ?? (organisations ? TERM_FREQUENCY_FIELDS : []), leftCount);
  const nf = specs.length;
  const radix = specs.map((s) => s.levels.length + 1);
  const mult: number[] = [];
  let m = 1;
  for (let f = 0; f < nf; f++) {
    mult.push(m);
    m *= radix[f];
  }
  const codeOf = (a: PreparedRecord, b: PreparedRecord): number => {
    let code = 0;
    for (let f = 0; f < nf; f++) code += levelOf(specs[f], specs[f].similarity(a, b)) * mult[f];
    return code;
  };
  const decode = (code: number): Uint8Array => {
    const levels = new Uint8Array(nf);
    for (let f = 0; f < nf; f++) levels[f] = Math.floor(code / mult[f]) % radix[f];
    return levels;
  };

  // 2. blocking and comparison
  const rules = options.blockingRules ?? DEFAULT_BLOCKING_RULES;
  const pa = new GrowableInt32();
  const pb = new GrowableInt32();
  const pc = new GrowableInt32();
  const patternCounts = new Map<number, number>();
  let compared = 0;
  const { stats: blocking, skipped } = generatePairs(
    records,
    rules,
    maxBlockSize,
    (a, b) => {
      const code = codeOf(records[a], records[b]);
      pa.push(a);
      pb.push(b);
      pc.push(code);
      patternCounts.set(code, (patternCounts.get(code) ?? 0) + 1);
      compared++;
    },
    leftCount,
    (r) => options.onProgress?.("block", r, rules.length),
  );
  options.onProgress?.("block", rules.length, rules.length);

  // 3. parameters: u from random pairs, m and the prior from EM on the candidate patterns
  let parameters: ModelParameters;
  let training: Omit<Training, "parameters"> = { randomPairs: 0, emIterations: 0, emConverged: true };
  if (options.parameters) {
    parameters = options.parameters;
  } else {
    const patterns: Pattern[] = [];
    for (const [code, c] of patternCounts) patterns.push({ levels: decode(code), count: c });
    ({ parameters, ...training } = estimateParameters(records, specIndexes, patterns, { compared, possiblePairs, leftCount }, options));
  }
  const scorer = new PairScorer(parameters, frequencies);

  // 4. score every candidate by its pattern
  const probabilityOfCode = new Map<number, number>();
  const weightLevels = new Uint8Array(nf);
  const leftTable = records[0]?.table ?? "account";
  const rightTable = records[n - 1]?.table ?? leftTable;
  const fieldPos = specIndexes.map((si) => parameters.fields.findIndex((f) => f.field === FIELD_SPECS[si].name));
  // the levels of a pattern per parameter field (kept for patterns scored per pair)
  const tfLevels = new Map<number, Uint8Array>();
  // a pattern's probability, or NaN when a term-frequency field agrees exactly (scored per pair)
  const probabilityFor = (code: number): number => {
    let p = probabilityOfCode.get(code);
    if (p === undefined) {
      const levels = decode(code);
      weightLevels.fill(0);
      for (let f = 0; f < nf; f++) weightLevels[fieldPos[f]] = levels[f];
      if (scorer.hasTermFrequency(weightLevels)) {
        p = NaN;
        tfLevels.set(code, weightLevels.slice());
      } else p = scorer.model.probability(scorer.afterConflicts(scorer.model.weight(weightLevels), weightLevels, leftTable, rightTable));
      probabilityOfCode.set(code, p);
    }
    return p;
  };
  const lower = threshold - band;
  const sameName = sameNamePatterns(specIndexes, decode);
  const edges: { a: number; b: number; probability: number }[] = [];
  // near-misses as record pairs, so the candidates' lists can go before the explanations are built
  const nearA = new GrowableInt32(1024);
  const nearB = new GrowableInt32(1024);
  options.onProgress?.("score", 0, pa.length);
  for (let k = 0; k < pa.length; k++) {
    let p = probabilityFor(pc.data[k]);
    // the pattern's levels are the pair's: only the term frequencies of its values are looked up
    if (Number.isNaN(p)) p = scorer.model.probability(scorer.weightAt(records[pa.data[k]], records[pb.data[k]], tfLevels.get(pc.data[k])!));
    if (p >= threshold) edges.push({ a: pa.data[k], b: pb.data[k], probability: p });
    else if ((p >= lower && band > 0) || sameName(pc.data[k])) {
      nearA.push(pa.data[k]);
      nearB.push(pb.data[k]);
    }
  }
  options.onProgress?.("score", pa.length, pa.length);
  // (a million accounts: 4.7 million candidates, about 100 MB of lists no longer needed)
  pa.release();
  pb.release();
  pc.release();

  // 5. clustering
  options.onProgress?.("cluster", 0, 1);
  const { clusters, split } = clusterRecords(n, edges, (a, b) => scorer.probability(records[a], records[b]), { threshold });
  options.onProgress?.("cluster", 1, 1);
  const splitKeys = new Set(split.map((e) => `${e.a}:${e.b}`));

  // 6. explanations for matches and near-misses
  const pairs: ScoredPair[] = [];
  const total = edges.length + nearA.length;
  const step = Math.max(1, Math.floor(total / 20));
  const addPair = (a: number, b: number, decision: PairDecision, splitByClustering: boolean): void => {
    const explanation = scorer.explain(records[a], records[b]);
    const left = ref(records[a]);
    const right = ref(records[b]);
    const { probability, weight } = explanation;
    // two literals rather than a spread of an optional property: no temporary object per pair
    const pair: ScoredPair = splitByClustering
      ? { left, right, probability, weight, decision, splitByClustering, explanation }
      : { left, right, probability, weight, decision, explanation };
    pairs.push(pair);
    if (pairs.length % step === 0) options.onProgress?.("explain", pairs.length, total);
  };
  options.onProgress?.("explain", 0, total);
  for (const e of edges) {
    const isSplit = splitKeys.has(`${e.a}:${e.b}`);
    addPair(e.a, e.b, isSplit ? "near-miss" : "match", isSplit);
  }
  for (let k = 0; k < nearA.length; k++) addPair(nearA.data[k], nearB.data[k], "near-miss", false);
  pairs.sort((p, q) => q.probability - p.probability || ID_ORDER.compare(p.left.id, q.left.id) || ID_ORDER.compare(p.right.id, q.right.id));
  options.onProgress?.("explain", total, total);

  const matches = pairs.filter((p) => p.decision === "match").length;
  return {
    pairs,
    clusters: clusters.map((c) => c.map((i) => ref(records[i]))),
    model: parameters,
    stats: {
      records: n,
      leftRecords: nLeft,
      rightRecords: linking ? nRight : 0,
      candidatePairs: compared,
      possiblePairs,
      blocking,
      skippedBlocks: skipped.slice(0, 50),
      skippedBlockCount: skipped.length,
      randomPairs: training.randomPairs,
      distinctPatterns: patternCounts.size,
      emIterations: training.emIterations,
      emConverged: training.emConverged,
      ...(training.emFallback ? { emFallback: training.emFallback } : {}),
      matches,
      nearMisses: pairs.length - matches,
      clusters: clusters.length,
      fields: specs.map((s) => s.name),
    },
  };
}
