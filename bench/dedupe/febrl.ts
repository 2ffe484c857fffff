/**
 * Accuracy on public data with known duplicates (Febrl, Splink's fake_1000). Ground truth lives
 * only here: Febrl's rec-N-… ids and fake_1000's cluster column are read by the scorer, never by
 * the matcher.
 *
 * Every loader takes the data folder: tests pass the slices vendored in test/fixtures (dataset1,
 * dataset4a/4b, fake_1000); the benchmark reads DATA, the full public set in ../shared/data
 * (VITALS_SHARED_DATA overrides), and says so when it is absent (`requireData`).
 */
import { deduplicate, link, type MatchOptions, type MatchResult } from "../../plugins-ts/engine/duplicates";
import { parseMapping, readCsvRecords } from "../../plugins-ts/cli/commands/dedupe";
import { existsSync, readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { join } from "node:path";

export const DATA = process.env.VITALS_SHARED_DATA ?? join(__dirname, "../../../shared/data");

/** Throws a message naming the folder and how to point at it when the benchmark's data is missing. */
export function requireData(dir: string = DATA): string {
  if (!existsSync(join(dir, "febrl"))) throw new Error(`the public benchmark data is not at ${dir} (expected febrl/, splink-fake1000/, published-figures/ there, see test/fixtures/SOURCES.md); set VITALS_SHARED_DATA to its folder`);
  return dir;
}
export const FEBRL_MAP =
  "given_name=firstname,surname=lastname,street_number+address_1=address1_line1,suburb=address1_city,postcode=address1_postalcode,date_of_birth=birthdate,soc_sec_id=governmentid";

export interface Accuracy {
  truePairs: number;
  predicted: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

export function accuracy(truth: ReadonlySet<string>, predicted: readonly [string, string][]): Accuracy {
  const seen = new Set<string>();
  let tp = 0;
  for (const [a, b] of predicted) {
    const k = pairKey(a, b);
    if (seen.has(k)) continue;
    seen.add(k);
    if (truth.has(k)) tp++;
  }
  const fp = seen.size - tp;
  const fn = truth.size - tp;
  const precision = seen.size ? tp / seen.size : 1;
  const recall = truth.size ? tp / truth.size : 1;
  return { truePairs: truth.size, predicted: seen.size, tp, fp, fn, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** Febrl truth: records sharing N in rec-N-… are the same person. */
export function febrlTruth(ids: readonly string[], crossOnly?: { left: ReadonlySet<string> }): Set<string> {
  const byEntity = new Map<string, string[]>();
  for (const id of ids) {
    const m = /^rec-(\d+)-/.exec(id);
    if (!m) throw new Error(`not a Febrl id: ${id}`);
    const list = byEntity.get(m[1]);
    if (list) list.push(id);
    else byEntity.set(m[1], [id]);
  }
  const truth = new Set<string>();
  for (const list of byEntity.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        if (crossOnly && crossOnly.left.has(list[i]) === crossOnly.left.has(list[j])) continue;
        truth.add(pairKey(list[i], list[j]));
      }
    }
  }
  return truth;
}

export function matchedPairs(result: MatchResult, minProbability?: number): [string, string][] {
  return result.pairs
    .filter((p) => (minProbability === undefined ? p.decision === "match" : p.probability >= minProbability))
    .map((p) => [p.left.id, p.right.id]);
}

export interface Case {
  name: string;
  result: MatchResult;
  truth: Set<string>;
  accuracy: Accuracy;
  seconds: number;
}

export async function febrl4(options: MatchOptions = {}, dir: string = DATA): Promise<Case> {
  const map = parseMapping(FEBRL_MAP);
  const a = await readCsvRecords(join(dir, "febrl/dataset4a.csv"), "rec_id", map);
  const b = await readCsvRecords(join(dir, "febrl/dataset4b.csv"), "rec_id", map);
  const t0 = performance.now();
  const result = link({ table: "contact", records: a }, { table: "contact", records: b }, { region: "AU", ...options });
  const seconds = (performance.now() - t0) / 1000;
  const truth = febrlTruth([...a, ...b].map((r) => r.id), { left: new Set(a.map((r) => r.id)) });
  return { name: "febrl4 (link 4a → 4b)", result, truth, accuracy: accuracy(truth, matchedPairs(result)), seconds };
}

export async function febrlDedupe(file: "dataset1" | "dataset2", options: MatchOptions = {}, dir: string = DATA): Promise<Case> {
  const map = parseMapping(FEBRL_MAP);
  const recs = await readCsvRecords(join(dir, `febrl/${file}.csv`), "rec_id", map);
  const t0 = performance.now();
  const result = deduplicate({ table: "contact", records: recs }, { region: "AU", ...options });
  const seconds = (performance.now() - t0) / 1000;
  const truth = febrlTruth(recs.map((r) => r.id));
  return { name: `febrl ${file} (deduplicate)`, result, truth, accuracy: accuracy(truth, matchedPairs(result)), seconds };
}

export async function fake1000(options: MatchOptions = {}, dir: string = DATA): Promise<Case> {
  const file = join(dir, "splink-fake1000/fake_1000_from_splink_demos.csv");
  const recs = await readCsvRecords(file, "unique_id", parseMapping("first_name=firstname,surname=lastname,dob=birthdate,city=address1_city,email=emailaddress1"));
  const rows = parse<Record<string, string>>(readFileSync(file), { columns: true, bom: true });
  const clusterOf = new Map(rows.map((r) => [r.unique_id, r.cluster]));
  const t0 = performance.now();
  const result = deduplicate({ table: "contact", records: recs }, { region: "GB", ...options });
  const seconds = (performance.now() - t0) / 1000;
  const byCluster = new Map<string, string[]>();
  for (const r of recs) {
    const c = clusterOf.get(r.id)!;
    const l = byCluster.get(c);
    if (l) l.push(r.id);
    else byCluster.set(c, [r.id]);
  }
  const truth = new Set<string>();
  for (const l of byCluster.values()) for (let i = 0; i < l.length; i++) for (let j = i + 1; j < l.length; j++) truth.add(pairKey(l[i], l[j]));
  return { name: "splink fake_1000 (deduplicate)", result, truth, accuracy: accuracy(truth, matchedPairs(result)), seconds };
}
