/**
 * Estimating the model from the data, with no labels: u from random record pairs (almost all
 * non-matches), m and the match share from EM over the candidate pairs' comparison patterns.
 *
 * EM can only tell the two classes apart when there are enough fields: with one or two compared
 * fields (a file of company names only) a mixture of two classes is not identifiable, and EM
 * returns whatever split it starts from. Then — and when EM does not converge — m is not
 * estimated but taken from conservative priors (DEFAULT_PARAMETERS, typical CRM agreement rates),
 * and EM estimates only the match share, which is identifiable. The reason is reported
 * (`emFallback`), never silently. u is corrected for the true matches among the random pairs.
 * Pure: randomness from a seeded generator.
 */
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { FIELD_SPECS, levelOf } from "./compare";
import type { PreparedRecord } from "./fields";
import { buildParameters, DEFAULT_PARAMETERS, estimateU, runEm, type ModelParameters, type Pattern } from "./model";
import type { MatchOptions } from "./matcher";

/** Fewer compared fields than this: m from priors (three conditionally independent fields make a two-class mixture identifiable). */
export const MIN_FIELDS_FOR_EM = 3;

export interface Training {
  parameters: ModelParameters;
  randomPairs: number;
  emIterations: number;
  emConverged: boolean;
  emFallback?: string;
}

export interface PairCounts {
  /** Candidate pairs compared. */
  compared: number;
  possiblePairs: number;
  /** Set when linking: records [0, leftCount) are the left file. */
  leftCount?: number;
}

/** Level counts per field over random pairs (all pairs when there are fewer than the sample). */
function sampleU(records: readonly PreparedRecord[], specIndexes: readonly number[], counts: PairCounts, options: MatchOptions): { u: number[][]; randomPairs: number } {
  const specs = specIndexes.map((i) => FIELD_SPECS[i]);
  const n = records.length;
  const linking = counts.leftCount !== undefined;
  const nLeft = counts.leftCount ?? n;
  const uCounts = specs.map((s) => new Array<number>(s.levels.length).fill(0));
  let randomPairs = 0;
  const count = (a: PreparedRecord, b: PreparedRecord): void => {
    for (let f = 0; f < specs.length; f++) {
      const level = levelOf(specs[f], specs[f].similarity(a, b));
      if (level > 0) uCounts[f][level - 1]++;
    }
    randomPairs++;
  };
  const sample = options.uSamplePairs ?? 300_000;
  if (counts.possiblePairs <= sample) {
    for (let a = 0; a < nLeft; a++) {
      for (let b = linking ? nLeft : a + 1; b < n; b++) count(records[a], records[b]);
    }
  } else {
    const rng = xoroshiro128plus(options.seed ?? 1);
    // the pairs are drawn first and compared in record order (a·n + b, sorted): the counts are the
    // same in any order, and walking the records in order halves the cache misses of a large table
    const drawn = new Float64Array(sample);
    for (let k = 0; k < sample; k++) {
      const a = uniformInt(rng, 0, nLeft - 1);
      let b = linking ? uniformInt(rng, nLeft, n - 1) : uniformInt(rng, 0, n - 2);
      if (!linking && b >= a) b++;
      drawn[k] = a * n + b;
    }
    drawn.sort();
    const step = Math.max(1, Math.floor(sample / 20));
    for (let k = 0; k < sample; k++) {
      const a = Math.floor(drawn[k] / n);
      count(records[a], records[drawn[k] - a * n]);
      if (k % step === 0) options.onProgress?.("sample", k, sample);
    }
  }
  options.onProgress?.("sample", randomPairs, randomPairs);
  return { u: uCounts.map(estimateU), randomPairs };
}

/** The prior m of a field (DEFAULT_PARAMETERS). */
function priorM(specIndex: number): number[] {
  const name = FIELD_SPECS[specIndex].name;
  const f = DEFAULT_PARAMETERS.fields.find((x) => x.field === name);
  if (!f) throw new Error(`no prior m for field "${name}"`);
  return [...f.m];
}

/**
 * Random pairs include a few true matches (λ of them); where a value is rare that is as much as
 * the chance agreement itself (a file of company names: random pairs agree on the name about as
 * often as duplicates do), so u is corrected: u = (u_observed − λ·m) / (1 − λ), at least half a
 * sampled pair's worth.
 */
export function withoutMatches(uObserved: readonly number[][], m: readonly number[][], lambda: number, randomPairs: number): number[][] {
  const floor = 0.5 / Math.max(randomPairs, 1);
  return uObserved.map((uf, f) => {
    const v = uf.map((x, l) => Math.max((x - lambda * m[f][l]) / (1 - lambda), floor));
    const sum = v.reduce((a, b) => a + b, 0);
    return v.map((x) => x / sum);
  });
}

/** u from random pairs, then m and λ by EM (or λ alone, m from priors, when EM cannot work). */
export function estimateParameters(
  records: readonly PreparedRecord[],
  specIndexes: readonly number[],
  patterns: Pattern[],
  counts: PairCounts,
  options: MatchOptions,
): Training {
  const { u: uObserved, randomPairs } = sampleU(records, specIndexes, counts, options);
  let u = uObserved;
  patterns.sort((p, q) => q.count - p.count);
  options.onProgress?.("train", 0, 1);
  const levelCounts = specIndexes.map((i) => FIELD_SPECS[i].levels.length);
  const emOptions = { maxIterations: options.emMaxIterations, fixU: options.emEstimatesU === false };
  let emFallback: string | undefined;
  let em = specIndexes.length >= MIN_FIELDS_FOR_EM ? runEm(patterns, levelCounts, u, emOptions) : undefined;
  if (!em) {
    const names = specIndexes.map((i) => FIELD_SPECS[i].label).join(", ") || "none";
    emFallback = `only ${specIndexes.length} field(s) compared (${names}): m from priors, match share estimated`;
  } else if (!em.converged) {
    emFallback = `EM did not converge in ${em.iterations} iterations: m from priors, match share estimated`;
  }
  let m: number[][];
  let lambdaCandidates: number;
  const lambdaOf = (candidateShare: number): number =>
    patterns.length === 0 || counts.possiblePairs === 0 ? 1e-6 : Math.min(Math.max((candidateShare * counts.compared) / counts.possiblePairs, 1e-12), 0.5);
  if (emFallback) {
    const prior = specIndexes.map(priorM);
    let iterations = em?.iterations ?? 0;
    let fixed = runEm(patterns, levelCounts, u, { maxIterations: options.emMaxIterations, fixU: true, fixM: prior });
    // with m fixed, λ depends on u and u (corrected for the matches among random pairs) on λ: settle both
    for (let round = 0; round < 3; round++) {
      iterations += fixed.iterations;
      u = withoutMatches(uObserved, prior, lambdaOf(fixed.lambdaCandidates), randomPairs);
      fixed = runEm(patterns, levelCounts, u, { maxIterations: options.emMaxIterations, fixU: true, fixM: prior });
    }
    em = { ...fixed, iterations: iterations + fixed.iterations };
    m = prior;
    lambdaCandidates = fixed.lambdaCandidates;
  } else {
    const e = em!;
    // the match class must be the one that agrees exactly more often
    let mExact = 0;
    let uExact = 0;
    e.m.forEach((mf, f) => {
      mExact += mf[0];
      uExact += e.uCandidates[f][0];
    });
    m = mExact >= uExact ? e.m : e.uCandidates;
    lambdaCandidates = mExact >= uExact ? e.lambdaCandidates : 1 - e.lambdaCandidates;
  }
  const lambda = lambdaOf(lambdaCandidates);
  if (!emFallback) u = withoutMatches(uObserved, m, lambda, randomPairs);
  options.onProgress?.("train", 1, 1);
  return {
    parameters: buildParameters(specIndexes, m, u, lambda),
    randomPairs,
    emIterations: em!.iterations,
    emConverged: em!.converged,
    ...(emFallback ? { emFallback } : {}),
  };
}
