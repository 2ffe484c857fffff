/**
 * Accuracy on organisations (accounts). The public Locu–Foursquare link set (New York venues in
 * two sources, 360 true links) is read from a folder holding locu_train.json,
 * foursquare_train.json and matches_train.csv: the shared data (VITALS_SHARED_DATA) or the slice
 * vendored in test/fixtures/orgs. Ground truth is read by the scorer only; the matcher sees ids as
 * opaque strings. A missing folder is an error naming the path.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { link, type MatchOptions, type MatchRecord } from "../../plugins-ts/engine/duplicates";
import { accuracy, DATA, matchedPairs, pairKey, type Case } from "./febrl";

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
export function locuFoursquare(options: MatchOptions = {}, folder: string = LOCU_FOURSQUARE): Case {
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
  return { name: "Locu → Foursquare (link, accounts)", result, truth, accuracy: accuracy(truth, matchedPairs(result)), seconds };
}

if (require.main === module) {
  const c = locuFoursquare();
  const a = c.accuracy;
  process.stdout.write(`${c.name}: TP ${a.tp} FP ${a.fp} FN ${a.fn} precision ${a.precision.toFixed(4)} recall ${a.recall.toFixed(4)} F1 ${a.f1.toFixed(4)} (${c.seconds.toFixed(1)} s)\n`);
}
