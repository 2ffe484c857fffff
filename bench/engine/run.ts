/**
 * Engine benchmark: records scored per second on one core and peak memory, for 100,000 and
 * 1,000,000 generated records per table with the default pack. Each case runs in its own
 * process so its peak memory is its own. Writes bench/results/engine.md.
 *
 *   npx tsx bench/engine/run.ts            # all tables, 100k and 1M
 *   npx tsx bench/engine/run.ts --quick    # 100k only
 */
import { execFileSync } from "node:child_process";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { machineLine } from "../machine";

const quick = process.argv.includes("--quick");
const sizes = quick ? [100_000] : [100_000, 1_000_000];
const tables = ["account", "contact", "lead", "opportunity"];
const here = __dirname;

interface CaseResult {
  table: string;
  records: number;
  rules: number;
  findings: number;
  seconds: number;
  recordsPerSecond: number;
  peakRssMB: number;
  peakHeapMB: number;
  averageScore: number;
}

function run(script: string, args: string[]): string {
  return execFileSync(process.execPath, ["--import", "tsx", join(here, script), ...args], { cwd: join(here, "..", ".."), encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
}

const results: CaseResult[] = [];
for (const table of tables) {
  for (const n of sizes) {
    const r = JSON.parse(run("case.ts", [table, String(n)])) as CaseResult;
    results.push(r);
    process.stderr.write(`${table} ${n.toLocaleString("en-US")}: ${r.recordsPerSecond.toLocaleString("en-US")} records/s, peak RSS ${r.peakRssMB} MB\n`);
  }
}
const costs = JSON.parse(run("checkcost.ts", [])) as Record<string, { rules: number; nsPerEvaluation: number }>;

const lines = [
  "# Engine benchmark",
  "",
  `Machine: ${machineLine()}`,
  "",
  "Command: `npx tsx bench/engine/run.ts` (each case in its own process; records generated in batches of 10,000 outside the timed section; only scoring is timed; default pack; `now` fixed). Emails and phone numbers are unique per record, as in a real CRM, so no cache flatters the result.",
  "",
  "Target (DESIGN.md): at least 250,000 records per second on one core; memory flat as records grow.",
  "",
  "| table | records | rules | findings | seconds | records/s | peak RSS MB | peak heap MB |",
  "|---|---:|---:|---:|---:|---:|---:|---:|",
  ...results.map((r) => `| ${r.table} | ${r.records.toLocaleString("en-US")} | ${r.rules} | ${r.findings.toLocaleString("en-US")} | ${r.seconds} | ${r.recordsPerSecond.toLocaleString("en-US")} | ${r.peakRssMB} | ${r.peakHeapMB} |`),
  "",
  "## Where the time goes: cost of one evaluation per check type",
  "",
  "| check | rules | ns per evaluation |",
  "|---|---:|---:|",
  ...Object.entries(costs)
    .sort((a, b) => b[1].nsPerEvaluation - a[1].nsPerEvaluation)
    .map(([k, v]) => `| ${k} | ${v.rules} | ${v.nsPerEvaluation.toLocaleString("en-US")} |`),
  "",
];
mkdirSync(join(here, "..", "results"), { recursive: true });
writeFileSync(join(here, "..", "results", "engine.md"), lines.join("\n"));
process.stderr.write(`wrote bench/results/engine.md\n`);
