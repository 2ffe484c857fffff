/**
 * Accuracy on organisations (accounts). The public Locu–Foursquare link set (New York venues in
 * two sources, 360 true links) is read from a folder holding locu_train.json,
 * foursquare_train.json and matches_train.csv: the shared data (VITALS_SHARED_DATA) or the slice
 * vendored in test/fixtures/orgs. Ground truth is read by the scorer only; the matcher sees ids as
 * opaque strings. A missing folder is an error naming the path.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { deduplicate, link, type MatchOptions, type MatchRecord } from "../../plugins-ts/engine/duplicates";
import { accuracy, DATA, matchedPairs, pairKey, type Accuracy, type Case } from "./febrl";
import { generateOrganisations, type OrganisationKind } from "./organisations";

/** Locu/Foursquare fields → account columns (see the data's SOURCES.md). */
const VENUE_COLUMNS: Record<string, string> = {
  name: "name",
  street_address: "address1_line1",
  locality: "address1_city",
  region: "address1_stateorprovince",
  postal_code: "address1_postalcode",
  country: "address1_country",
  phone: "telephone1",
  website: "websiteurl",
};

export const LOCU_FOURSQUARE = join(DATA, "orgs/locu-foursquare");

function readVenues(file: string): MatchRecord[] {
  const rows = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>[];
  return rows.map((row, i) => {
    if (typeof row.id !== "string") throw new Error(`${file}, record ${i + 1}: no string "id"`);
    const values: Record<string, string | null> = {};
    for (const [src, col] of Object.entries(VENUE_COLUMNS)) {
      const v = row[src];
      values[col] = typeof v === "string" && v.trim() !== "" ? v : null;
    }
    return { id: row.id, values };
  });
}

/** Links the Foursquare venues to the Locu venues as two account exports and scores the links. */
export function locuFoursquare(options: MatchOptions = {}, folder: string = LOCU_FOURSQUARE): Case & { records: MatchRecord[]; leftCount: number } {
  if (!existsSync(join(folder, "matches_train.csv"))) throw new Error(`${folder}: no matches_train.csv (set VITALS_SHARED_DATA to the shared data folder)`);
  const locu = readVenues(join(folder, "locu_train.json"));
  const foursquare = readVenues(join(folder, "foursquare_train.json"));
  const truth = new Set<string>();
  for (const line of readFileSync(join(folder, "matches_train.csv"), "utf8").split(/\r?\n/).slice(1)) {
    const [a, b] = line.split(",");
    if (a && b) truth.add(pairKey(a.trim(), b.trim()));
  }
  const t0 = performance.now();
  const result = link({ table: "account", records: locu }, { table: "account", records: foursquare }, { region: "US", ...options });
  const seconds = (performance.now() - t0) / 1000;
  return { name: "Locu → Foursquare (link, accounts)", result, truth, accuracy: accuracy(truth, matchedPairs(result)), seconds, records: [...locu, ...foursquare], leftCount: locu.length };
}

/** Deduplicates generated accounts of one kind and scores the pairs against the generator's truth. */
export function syntheticOrganisations(kind: OrganisationKind, n: number, seed = 7, options: MatchOptions = {}): Case & { records: MatchRecord[] } {
  const { records, entity } = generateOrganisations(n, kind, seed);
  const byEntity = new Map<number, string[]>();
  records.forEach((r, i) => byEntity.set(entity[i], [...(byEntity.get(entity[i]) ?? []), r.id]));
  const truth = new Set<string>();
  for (const ids of byEntity.values()) for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) truth.add(pairKey(ids[i], ids[j]));
  const t0 = performance.now();
  const result = deduplicate({ table: "account", records }, { region: "US", ...options });
  const seconds = (performance.now() - t0) / 1000;
  return { name: `generated accounts, ${kind} (deduplicate)`, result, truth, accuracy: accuracy(truth, matchedPairs(result)), seconds, records };
}

/**
 * What Dataverse's own duplicate rule "account name, exact match" would flag: pairs whose names
 * are equal ignoring case (and surrounding spaces). The floor CRM Vitals must never fall below.
 */
export function exactNameRule(records: readonly MatchRecord[], truth: ReadonlySet<string>, leftCount?: number): Accuracy {
  const byName = new Map<string, { id: string; left: boolean }[]>();
  records.forEach((r, i) => {
    const name = typeof r.values.name === "string" ? r.values.name.trim().toLowerCase() : "";
    if (name !== "") byName.set(name, [...(byName.get(name) ?? []), { id: r.id, left: leftCount === undefined || i < leftCount }]);
  });
  const pairs: [string, string][] = [];
  for (const list of byName.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) if (leftCount === undefined || list[i].left !== list[j].left) pairs.push([list[i].id, list[j].id]);
    }
  }
  return accuracy(truth, pairs);
}

if (require.main === module) {
  const show = (name: string, a: Accuracy, extra = ""): void => {
    process.stdout.write(`${name}: TP ${a.tp} FP ${a.fp} FN ${a.fn} precision ${a.precision.toFixed(4)} recall ${a.recall.toFixed(4)} F1 ${a.f1.toFixed(4)}${extra}\n`);
  };
  const c = locuFoursquare();
  show(c.name, c.accuracy, ` (${c.seconds.toFixed(1)} s)`);
  for (const kind of ["name-only", "address-rich"] as const) {
    const s = syntheticOrganisations(kind, Number(process.argv[2] ?? "5000"));
    show(s.name, s.accuracy, ` (${s.seconds.toFixed(1)} s)${s.result.stats.emFallback ? `; ${s.result.stats.emFallback}` : ""}`);
    show("  Dataverse exact-name rule", exactNameRule(s.records, s.truth));
  }
}
