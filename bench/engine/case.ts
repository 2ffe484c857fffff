/**
 * One benchmark case in its own process: score `count` generated records of `table` with the
 * default pack on one core, and print one JSON line with throughput and peak memory.
 * Records are generated in batches outside the timed section; only scoring is timed.
 */
import { compilePack, defaultRulePack, SummaryBuilder, type EngineRecord } from "../../plugins-ts/engine";
import { generateRecords } from "./generate";

const [table = "contact", countText = "100000"] = process.argv.slice(2);
const count = Number(countText);
const now = new Date("2026-11-23T12:00:00Z");
const compiled = compilePack(defaultRulePack());
const summary = new SummaryBuilder();
const BATCH = 10_000;
const gen = generateRecords(table, count, 42, now);

let peakRss = process.memoryUsage().rss;
let peakHeap = process.memoryUsage().heapUsed;
let scoringNs = 0n;
let scored = 0;
let findings = 0;
const batch: EngineRecord[] = new Array<EngineRecord>(BATCH);

// warm-up: let the JIT settle before timing
for (const r of generateRecords(table, 20_000, 7, now)) compiled.score(r, { now });

while (scored < count) {
  let n = 0;
  for (; n < BATCH; n++) {
    const next = gen.next();
    if (next.done) break;
    batch[n] = next.value;
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const s = compiled.score(batch[i], { now });
    findings += s.findings.length;
    summary.add(s);
  }
  scoringNs += process.hrtime.bigint() - t0;
  scored += n;
  const m = process.memoryUsage();
  if (m.rss > peakRss) peakRss = m.rss;
  if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  if (n < BATCH) break;
}

const seconds = Number(scoringNs) / 1e9;
const s = summary.build();
process.stdout.write(
  JSON.stringify({
    table,
    records: scored,
    rules: compiled.rules(table).length,
    findings,
    seconds: Math.round(seconds * 1000) / 1000,
    recordsPerSecond: Math.round(scored / seconds),
    peakRssMB: Math.round(peakRss / 1024 / 1024),
    peakHeapMB: Math.round(peakHeap / 1024 / 1024),
    averageScore: s.averageScore,
  }) + "\n",
);
