/**
 * Fix benchmark: a plan of N fixes (default 10,000) on a demo organisation, applied and undone
 * against the emulator with realistic latency and the documented service-protection limits on.
 * Measures HTTP requests (by kind), $batch items, seconds and 429s of each phase. Health rows are
 * not refreshed here (that is the audit's benchmark): `updateHealth: false`.
 *
 *   npx tsx bench/fix/run.ts                          # 10,000 fixes, latency 40–120 ms
 *   npx tsx bench/fix/run.ts --fixes 2000 --size 20000 --latency 0-0
 *
 * Writes bench/results/fix.md.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import { defaultRulePack } from "../../plugins-ts/engine";
import { applyPlan, makePlan, undoRun, type FixPlan } from "../../plugins-ts/fix";
import { startEmulator, type EmulatorStats } from "../../sandbox/emulator";
import { machineLine } from "../machine";

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const FIXES = Number(arg("fixes", "10000"));
const SIZE = Number(arg("size", "60000"));
const [lo, hi] = arg("latency", "40-120").split("-").map(Number);
const RULES = ["contact.phone.format", "contact.mobile.format", "account.phone.format", "lead.phone.format", "contact.firstname.casing", "contact.lastname.casing", "lead.firstname.casing", "lead.lastname.casing", "account.name.casing", "contact.email.placeholder"];

async function main(): Promise<void> {
  const emu = await startEmulator({ size: SIZE, seed: 1, faults: lo || hi ? { latencyMs: [lo, hi] } : undefined });
  const gateway = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.adminToken });
  const pack = defaultRulePack();
  const now = new Date(emu.groundTruth.now);
  const rows: string[] = [];
  const phase = async <T>(label: string, fn: () => Promise<T>, items: (r: T) => number): Promise<T> => {
    emu.resetStats();
    const t0 = performance.now();
    const r = await fn();
    const s: EmulatorStats = emu.stats();
    const seconds = (performance.now() - t0) / 1000;
    const kinds = Object.entries(s.byKind).sort().map(([k, n]) => `${k} ${n}`).join(", ");
    rows.push(`| ${label} | ${items(r).toLocaleString("en-US")} | ${s.requests.toLocaleString("en-US")} | ${kinds} | ${s.batchItems.toLocaleString("en-US")} | ${s.throttled} | ${seconds.toFixed(1)} |`);
    process.stderr.write(`${label}: ${items(r)} items, ${s.requests} requests, ${s.throttled} × 429, ${seconds.toFixed(1)} s\n`);
    return r;
  };
  const full = await phase("plan (score every contact, account, lead; read ETags)", () => makePlan({ gateway, pack, tables: ["contact", "account", "lead"], rules: RULES, now }), (p) => p.entries.length);
  if (full.entries.length < FIXES) throw new Error(`the demo organisation of ${SIZE} records has only ${full.entries.length} fixes; raise --size`);
  const plan: FixPlan = { ...full, entries: full.entries.slice(0, FIXES) };
  const applied = await phase("apply", () => applyPlan({ gateway, plan, pack, now, updateHealth: false }), (r) => r.outcomes.applied);
  const undone = await phase("undo", () => undoRun({ gateway, runId: applied.runId, pack, now, updateHealth: false }), (r) => r.outcomes.undone);
  await emu.close();
  const lines = [
    "# Fix benchmark",
    "",
    `Machine: ${machineLine()}`,
    `Date: ${new Date().toISOString().slice(0, 10)}; demo organisation of ${SIZE.toLocaleString("en-US")} records (seed 1), emulator in the same process, latency ${lo}–${hi} ms per request, service-protection limits on (documented defaults).`,
    `Plan: ${full.entries.length.toLocaleString("en-US")} fixes of ${RULES.length} rules found; the first ${FIXES.toLocaleString("en-US")} applied and undone. Apply: ${applied.outcomes.applied} applied, ${applied.outcomes.skippedChanged} skipped, ${applied.outcomes.failed} failed. Undo: ${undone.outcomes.undone} undone, ${undone.outcomes.undoConflict} conflicts.`,
    "",
    "| phase | items | HTTP requests | by kind | operations inside $batch | 429s | seconds |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "Apply writes, per chunk of 500 records: the journal intent ($batch of creates), the records ($batch of PATCHes with If-Match), the journal completion ($batch of updates); then re-reads and re-scores the fixed records for the score after. Undo reads the records with their ETags, journals the intent, writes back, completes the journal.",
    "",
    "`npx tsx bench/fix/run.ts [--fixes N] [--size N] [--latency lo-hi]`",
    "",
  ];
  writeFileSync(join(__dirname, "..", "results", "fix.md"), lines.join("\n"));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
