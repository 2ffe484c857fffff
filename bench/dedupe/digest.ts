/**
 * Result digest of the matcher, to prove a speed change left every answer alone:
 * `tsx bench/dedupe/digest.ts` prints one line per data set (20,000 generated contacts, 20,000
 * address-rich accounts, 5,000 name-only accounts; fixed seeds) with a SHA-256 of every pair
 * (ids, probability, weight, decision, explanation), every cluster, the model and the counts.
 * Run it on the base commit and on the change: the lines must be equal. Pure apart from stdout.
 */
import { createHash } from "node:crypto";
import { deduplicate } from "../../plugins-ts/engine/duplicates";
import { generateContacts } from "./generate";
import { generateOrganisations } from "./organisations";

function digest(label: string, table: "contact" | "account", records: Parameters<typeof deduplicate>[0]["records"]): string {
  const result = deduplicate({ table, records }, { region: "US" });
  const h = createHash("sha256");
  h.update(JSON.stringify(result.pairs));
  h.update(JSON.stringify(result.clusters));
  h.update(JSON.stringify(result.model));
  const { blocking, skippedBlocks, ...counts } = result.stats;
  h.update(JSON.stringify({ blocking, skippedBlocks, counts }));
  return `${label}: pairs ${result.pairs.length}, clusters ${result.clusters.length}, candidates ${result.stats.candidatePairs}, sha256 ${h.digest("hex")}`;
}

const sets = process.argv.slice(2);
const want = (name: string): boolean => sets.length === 0 || sets.includes(name);
if (want("contacts")) process.stdout.write(`${digest("20000 contacts", "contact", generateContacts(20_000, 42).records)}\n`);
if (want("accounts")) process.stdout.write(`${digest("20000 address-rich accounts", "account", generateOrganisations(20_000, "address-rich", 42).records)}\n`);
if (want("name-only")) process.stdout.write(`${digest("5000 name-only accounts", "account", generateOrganisations(5_000, "name-only", 7).records)}\n`);
