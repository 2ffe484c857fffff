/**
 * Blocking-rule ablation: Febrl 4 and dataset2 recall/precision with each listed rule dropped.
 *   npx tsx bench/dedupe/ablate.ts
 */
import { DEFAULT_BLOCKING_RULES } from "../../plugins-ts/engine/duplicates";
import { febrl4, febrlDedupe } from "./febrl";
async function main(): Promise<void> {
  for (const drop of ["none", "name-sound", "governmentid-digits", "initial+birthdate", "surname-sound+city", "address+city", "address+postcode"]) {
    const rules = DEFAULT_BLOCKING_RULES.filter((r) => r.name !== drop);
    const a = await febrl4({ blockingRules: rules });
    const b = await febrlDedupe("dataset2", { blockingRules: rules });
    console.log(`drop ${drop}: febrl4 recall/precision/candidates`, a.accuracy.recall, a.accuracy.precision, a.result.stats.candidatePairs, "dataset2 recall/precision", b.accuracy.recall, b.accuracy.precision);
  }
}
void main();
