/**
 * Cost of each check type of the default pack, in nanoseconds per evaluation: scores the same
 * generated records with one-rule packs. Prints one JSON line.
 */
import { compilePack, defaultRulePack, type EngineRecord, type RulePack } from "../../plugins-ts/engine";
import { generateRecords } from "./generate";

const now = new Date("2026-11-23T12:00:00Z");
const pack = defaultRulePack();
const out: Record<string, { rules: number; nsPerEvaluation: number }> = {};
for (const table of ["account", "contact", "lead", "opportunity"]) {
  const records: EngineRecord[] = [...generateRecords(table, 20_000, 11, now)];
  for (const rule of pack.rules.filter((r) => r.table === table)) {
    const single: RulePack = { ...pack, rules: [rule] };
    const compiled = compilePack(single);
    for (let i = 0; i < 5_000; i++) compiled.score(records[i], { now });
    const t0 = process.hrtime.bigint();
    for (const r of records) compiled.score(r, { now });
    const ns = Number(process.hrtime.bigint() - t0) / records.length;
    const key = rule.check.type + (rule.check.type === "format" ? `:${rule.check.format}` : "");
    const e = out[key] ?? { rules: 0, nsPerEvaluation: 0 };
    e.nsPerEvaluation = (e.nsPerEvaluation * e.rules + ns) / (e.rules + 1);
    e.rules++;
    out[key] = e;
  }
}
for (const v of Object.values(out)) v.nsPerEvaluation = Math.round(v.nsPerEvaluation);
process.stdout.write(JSON.stringify(out) + "\n");
