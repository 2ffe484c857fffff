/**
 * The Fellegi–Sunter model. For every field and comparison level:
 *   m = P(level | the two records are the same entity), u = P(level | they are not).
 * u is measured on random record pairs (almost all of which are non-matches); m is estimated with
 * expectation–maximisation over the blocked candidate pairs, so no labelled data is needed.
 * A pair's match weight is Σ log2(m/u) over its fields ("missing" contributes 0); its match
 * probability comes from that weight plus the prior log-odds log2(λ/(1-λ)), λ being the
 * probability that two random records match. Weights are made monotone per field (a closer level
 * never weighs less than a looser one, by pooling levels that are out of order), which guards
 * against EM solutions where a rare level gets an m near zero or a u near zero.
 */
import { FIELD_SPECS, levelName, type LevelName } from "./compare";
import type { FieldName } from "./fields";

export interface FieldParameters {
  field: FieldName;
  /** Level names after "missing", in order. */
  levels: LevelName[];
  /** m per level (same order as `levels`), sums to 1. */
  m: number[];
  /** u per level, sums to 1. */
  u: number[];
}

/** A trained model: can be stored (JSON) and reused to score single records (the record panel). */
export interface ModelParameters {
  fields: FieldParameters[];
  /** Prior probability that two random records are the same entity. */
  lambda: number;
}

export interface EmResult {
  m: number[][];
  /** u among the candidate pairs (= the given u when it was kept fixed; weights always use random-pair u). */
  uCandidates: number[][];
  /** Share of candidate pairs that are matches. */
  lambdaCandidates: number;
  iterations: number;
  converged: boolean;
}

/** A distinct comparison pattern among candidate pairs: level per active field, and how many pairs. */
export interface Pattern {
  levels: Uint8Array;
  count: number;
}

const FLOOR = 1e-9;

function normalise(v: number[]): number[] {
  const sum = v.reduce((a, b) => a + b, 0);
  return v.map((x) => Math.max(x / sum, FLOOR));
}

/**
 * u from level counts over random pairs (missing excluded). Every level keeps at least half a
 * pair's worth of probability, so a level never seen at random (exact agreement on a unique
 * identifier) gets a large but finite weight.
 */
export function estimateU(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return counts.map(() => 1 / counts.length);
  return normalise(counts.map((c) => Math.max(c, 0.5)));
}

/** Starting m: most matches agree exactly, a few are close, very few differ. */
export function initialM(levelCount: number): number[] {
  if (levelCount === 1) return [1];
  if (levelCount === 2) return [0.9, 0.1];
  const middle = (0.1 / (levelCount - 2));
  return normalise([0.85, ...Array.from({ length: levelCount - 2 }, () => middle), 0.05]);
}

/**
 * EM over the distinct patterns of the candidate pairs. Estimates m and the candidates' match
 * share, and with `fixU: false` also the candidates' own u; level 0 (missing) is ignored, as in
 * Splink. `levelCounts[f]` is the number of non-missing levels of active field f; `u0` the
 * random-pair u (kept fixed with `fixU`, the starting point otherwise). With `fixM` (prior m
 * values, for data with too few fields for m to be identifiable) only the match share is estimated.
 */
export function runEm(
  patterns: readonly Pattern[],
  levelCounts: readonly number[],
  u0: readonly number[][],
  options: { maxIterations?: number; tolerance?: number; initialLambda?: number; fixU?: boolean; fixM?: readonly (readonly number[])[] } = {},
): EmResult {
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  const nf = levelCounts.length;
  let m = options.fixM ? options.fixM.map((x) => [...x]) : levelCounts.map((k) => initialM(k));
  let u = u0.map((x) => [...x]);
  let lambda = options.initialLambda ?? 0.2;
  let iterations = 0;
  let converged = false;
  // the patterns' levels in one flat array (pattern-major), so an iteration walks memory in order;
  // the logs of m and u are taken once per level and iteration, not once per pattern and field
  // (the same Math.log values added in the same order: bit-for-bit the sums of the plain loop)
  const levels = new Uint8Array(patterns.length * nf);
  patterns.forEach((p, k) => levels.set(p.levels.subarray(0, nf), k * nf));
  const logM = levelCounts.map((k) => new Float64Array(k));
  const logU = levelCounts.map((k) => new Float64Array(k));
  for (; iterations < maxIterations && !converged; ) {
    iterations++;
    const mAcc = levelCounts.map((k) => new Array<number>(k).fill(0));
    const uAcc = levelCounts.map((k) => new Array<number>(k).fill(0));
    let matchCount = 0;
    let total = 0;
    const logLambda = Math.log(lambda);
    const logNotLambda = Math.log(1 - lambda);
    for (let f = 0; f < nf; f++) {
      for (let l = 0; l < levelCounts[f]; l++) {
        logM[f][l] = Math.log(m[f][l]);
        logU[f][l] = Math.log(u[f][l]);
      }
    }
    for (let k = 0, base = 0; k < patterns.length; k++, base += nf) {
      let lm = logLambda;
      let lu = logNotLambda;
      for (let f = 0; f < nf; f++) {
        const l = levels[base + f];
        if (l === 0) continue;
        lm += logM[f][l - 1];
        lu += logU[f][l - 1];
      }
      const count = patterns[k].count;
      const post = 1 / (1 + Math.exp(lu - lm));
      const wm = post * count;
      const wu = (1 - post) * count;
      matchCount += wm;
      total += count;
      for (let f = 0; f < nf; f++) {
        const l = levels[base + f];
        if (l === 0) continue;
        mAcc[f][l - 1] += wm;
        uAcc[f][l - 1] += wu;
      }
    }
    // a weak Dirichlet prior (the starting m, worth 1 % of the matches, at least 1 pair) keeps a
    // level that the match class happens not to use from getting m ≈ 0 and an absurd weight
    const priorMass = Math.max(1, 0.01 * matchCount);
    const nextM = options.fixM ? m : mAcc.map((acc, f) => normalise(acc.map((x, l) => x + priorMass * initialM(levelCounts[f])[l])));
    const nextU = options.fixU ? u : uAcc.map((acc) => (acc.some((x) => x > 0) ? normalise(acc) : acc.map(() => 1 / acc.length)));
    const nextLambda = Math.min(Math.max(matchCount / Math.max(total, 1), 1e-9), 1 - 1e-9);
    let delta = Math.abs(nextLambda - lambda);
    for (let f = 0; f < nf; f++) {
      for (let l = 0; l < levelCounts[f]; l++) {
        delta = Math.max(delta, Math.abs(nextM[f][l] - m[f][l]), Math.abs(nextU[f][l] - u[f][l]));
      }
    }
    m = nextM;
    u = nextU;
    lambda = nextLambda;
    converged = delta < tolerance;
  }
  return { m, uCandidates: u, lambdaCandidates: lambda, iterations, converged };
}

/**
 * log2(m/u) per level, made monotone (a closer level never weighs less than a looser one) by
 * pooling adjacent violators: levels out of order are merged and share log2(Σm/Σu). A level that
 * random pairs almost never reach (u ≈ 0, m from the prior) so cannot lift the levels above it:
 * in a city where every record says "New York", "same city" stays worth about nothing.
 */
export function monotoneWeights(m: readonly number[], u: readonly number[]): number[] {
  // blocks of merged levels, closest first: [first level, last level, Σm, Σu]
  const blocks: [number, number, number, number][] = [];
  const w = (b: [number, number, number, number]): number => Math.log2(b[2] / b[3]);
  for (let l = 0; l < m.length; l++) {
    blocks.push([l, l, m[l], u[l]]);
    while (blocks.length > 1 && w(blocks[blocks.length - 2]) < w(blocks[blocks.length - 1])) {
      const last = blocks.pop()!;
      const prev = blocks[blocks.length - 1];
      prev[1] = last[1];
      prev[2] += last[2];
      prev[3] += last[3];
    }
  }
  const out = new Array<number>(m.length);
  for (const b of blocks) for (let l = b[0]; l <= b[1]; l++) out[l] = w(b);
  return out;
}

/** Scores comparison levels with a parameter set. */
export class FellegiSunter {
  /** weights[f][level]: level 0 (missing) is 0. Indexed by position in `parameters.fields`. */
  readonly weights: number[][];
  /** log2(λ / (1 - λ)). */
  readonly priorWeight: number;

  constructor(readonly parameters: ModelParameters) {
    this.weights = parameters.fields.map((f) => [0, ...monotoneWeights(f.m, f.u)]);
    const lambda = Math.min(Math.max(parameters.lambda, 1e-12), 1 - 1e-12);
    this.priorWeight = Math.log2(lambda / (1 - lambda));
  }

  /** Σ log2(m/u) over fields; `levels[f]` is the level index of `parameters.fields[f]`. */
  weight(levels: ArrayLike<number>): number {
    let w = 0;
    for (let f = 0; f < this.weights.length; f++) w += this.weights[f][levels[f]];
    return w;
  }

  /** Match probability of a match weight. */
  probability(weight: number): number {
    return 1 / (1 + Math.pow(2, -(weight + this.priorWeight)));
  }
}

/** Field parameters from EM output and random-pair u, for the active fields `fieldIndexes`. */
export function buildParameters(fieldIndexes: readonly number[], m: number[][], u: number[][], lambda: number): ModelParameters {
  return {
    lambda,
    fields: fieldIndexes.map((fi, k) => {
      const spec = FIELD_SPECS[fi];
      return {
        field: spec.name,
        levels: spec.levels.map((_, l) => levelName(spec, l + 1)),
        m: m[k],
        u: u[k],
      };
    }),
  };
}

/**
 * Parameters for scoring a single record's candidates when no trained model is at hand (the
 * record panel before any audit ran). These are deliberately conservative general-purpose values
 * (typical CRM agreement rates), not fitted to any data set; pass the `model` of a recent
 * `deduplicate` run instead whenever one is available.
 */
export const DEFAULT_PARAMETERS: ModelParameters = buildParameters(
  FIELD_SPECS.map((_, i) => i),
  [
    [0.85, 0.08, 0.04, 0.03], // firstName
    [0.88, 0.07, 0.03, 0.02], // lastName
    [0.8, 0.12, 0.05, 0.03], // companyName
    [0.85, 0.04, 0.02, 0.09], // email
    [0.8, 0.05, 0.15], // phone
    [0.75, 0.12, 0.06, 0.07], // address
    [0.9, 0.04, 0.06], // city
    [0.9, 0.05, 0.05], // postcode
    [0.9, 0.05, 0.02, 0.03], // birthDate
    [0.93, 0.04, 0.01, 0.02], // governmentId
    [0.85, 0.15], // website
  ],
  [
    [0.01, 0.005, 0.03, 0.955],
    [0.002, 0.002, 0.02, 0.976],
    [0.0005, 0.001, 0.02, 0.9785],
    [1e-6, 1e-5, 1e-4, 0.999889],
    [1e-6, 1e-5, 0.99999],
    [1e-5, 0.005, 0.1, 0.89499],
    [0.05, 0.01, 0.94],
    [0.002, 0.02, 0.978],
    [0.0001, 0.001, 0.005, 0.9939],
    [1e-7, 1e-6, 1e-5, 0.9999889],
    [0.0005, 0.9995],
  ],
  1e-4,
);
