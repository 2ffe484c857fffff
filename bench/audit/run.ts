/**
 * Audit benchmark: a full audit of a demo organisation of N records against the emulator (in its
 * own process, with realistic latency and the documented service-protection limits on), a second
 * full run with nothing changed, then an incremental run after 1 % of the records changed.
 * Measures requests (by kind), duration, CPU seconds of the emulator and of the audit process (the
 * work done, less sensitive than seconds to a loaded machine), peak memory of the audit process, and 429s.
 *
 *   npx tsx bench/audit/run.ts                 # 100,000 records, latency 40–120 ms
 *   npx tsx bench/audit/run.ts --size 20000 --latency 0-0
 *   npx tsx bench/audit/run.ts --size 20000 --workers 4   # and a full run split over 4 worker processes
 *
 * Also measures the average bytes of column data of a health row after the first run (rowbytes.ts).
 *
 * Writes bench/results/audit.md.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadavg } from "node:os";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import { runAudit, type AuditResult } from "../../plugins-ts/audit/run";
import { defaultRulePack } from "../../plugins-ts/engine";
import { machineLine } from "../machine";
import { runPartitionedAudit } from "../../plugins-ts/audit/parallel";
import { startWorkerProcesses } from "../../plugins-ts/cli/workers";
import { measureHealthRows } from "./rowbytes";

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SIZE = Number(arg("size", "100000"));
const LATENCY = arg("latency", "40-120");
const WORKERS = Number(arg("workers", "0"));
// The audit's clock is the wall clock, as in production: records edited through the Web API are
// stamped by the server's clock, and "modified since the last run" compares the two.
const NOW = new Date().toISOString();
const root = join(__dirname, "..", "..");
const LOAD_AT_START = loadavg().map((x) => x.toFixed(2)).join(", ");
const commit = (): string => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
};

interface Emu {
  proc: ChildProcess;
  orgUrl: string;
  token: string;
}

async function startEmulatorProcess(): Promise<Emu> {
  const args = [join(root, "plugins-ts", "cli", "vitals.cjs"), "emulator", "--port", "0", "--size", String(SIZE), "--seed", "1", "--now", NOW];
  if (LATENCY !== "0-0") args.push("--latency", LATENCY);
  const proc = spawn(process.execPath, ["--max-old-space-size=8192", ...args], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator did not start in time:\n${out}`)), 300_000);
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const url = /Base URL\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/data\/v9\.2\//.exec(out);
      const token = /Admin token\s+(emu_[0-9a-f]+)/.exec(out);
      if (url && token) {
        clearTimeout(timer);
        resolve({ proc, orgUrl: `${url[1]}/`, token: token[1] });
      }
    });
    proc.on("exit", (code) => reject(new Error(`the emulator exited (${String(code)}):\n${out}`)));
  });
}

interface EmuStats {
  requests: number;
  byKind: Record<string, number>;
  throttled: number;
  rowsRead: number;
  rowsWritten: number;
  batchItems: number;
}

/** CPU seconds (user + system) the emulator process has used (Linux /proc; null elsewhere): its work, whatever the machine's load. */
function emulatorCpuSeconds(emu: Emu): number | null {
  try {
    const fields = readFileSync(`/proc/${emu.proc.pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return null;
  }
}

async function stats(emu: Emu): Promise<EmuStats> {
  const res = await fetch(`${emu.orgUrl}_emulator/stats`, { headers: { Authorization: `Bearer ${emu.token}` } });
  return (await res.json()) as EmuStats;
}
async function resetStats(emu: Emu): Promise<void> {
  await fetch(`${emu.orgUrl}_emulator/reset-stats`, { method: "POST", headers: { Authorization: `Bearer ${emu.token}` } });
}

interface Measured {
  label: string;
  result: AuditResult;
  seconds: number;
  peakRssMB: number;
  emu: EmuStats;
  /** CPU seconds of the emulator and of this (the audit's) process during the run. */
  emuCpu: number | null;
  auditCpu: number;
}

async function measure(label: string, emu: Emu, mode: "full" | "incremental", now: string, workers = 0): Promise<Measured> {
  await resetStats(emu);
  const gateway = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.token });
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const t0 = Date.now();
  const cpu0 = emulatorCpuSeconds(emu);
  const auditCpu0 = process.cpuUsage();
  const opts = {
    gateway,
    pack: defaultRulePack(),
    scope: { tables: ["account", "contact", "lead", "opportunity"] },
    mode,
    now: new Date(now),
    onProgress: (p: { phase: string; pages: number; table: string | null; recordsScanned: number; requests: number }) => {
      if (p.phase === "records" && p.pages % 5 === 0) process.stderr.write(`  ${label}: ${p.table} ${p.recordsScanned} records, ${p.requests} requests\n`);
    },
  };
  const log = (line: string): void => void process.stderr.write(`  ${line}\n`);
  const startWorkers = (runId: string): Promise<void> => startWorkerProcesses(workers, ["--url", emu.orgUrl, "--token", emu.token, "--run", runId], log);
  // A split run: the partitions' requests are counted in the result; peak RSS is the coordinator's only.
  const result = workers > 0 ? await runPartitionedAudit({ ...opts, partitions: workers, workerId: "bench", startWorkers, pollMs: 1000, log }) : await runAudit(opts);
  clearInterval(timer);
  const seconds = (Date.now() - t0) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  const cpu1 = emulatorCpuSeconds(emu);
  const used = process.cpuUsage(auditCpu0);
  const emuCpu = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null;
  const m = { label, result, seconds, peakRssMB: Math.round(peak / 1024 / 1024), emu: await stats(emu), emuCpu, auditCpu: (used.user + used.system) / 1e6 };
  process.stderr.write(`${label}: ${result.requests} requests, ${seconds.toFixed(1)} s, emulator CPU ${emuCpu?.toFixed(1) ?? "?"} s, audit CPU ${m.auditCpu.toFixed(1)} s, peak RSS ${m.peakRssMB} MB, 429s ${m.emu.throttled}, load ${loadavg()[0].toFixed(1)}\n`);
  return m;
}

/** Changes 1 % of the customer records through the Web API (as users would), outside the measured runs. */
async function changeOnePercent(emu: Emu, at: string): Promise<number> {
  let changed = 0;
  for (const [set, id, col] of [
    ["contacts", "contactid", "jobtitle"],
    ["accounts", "accountid", "telephone1"],
    ["leads", "leadid", "subject"],
    ["opportunities", "opportunityid", "name"],
  ] as const) {
    // every 100th record of the whole table: 1 %
    let next: string | undefined = `${emu.orgUrl}api/data/v9.2/${set}?$select=${id}`;
    let seen = 0;
    while (next) {
      const res = await fetch(next, { headers: { Authorization: `Bearer ${emu.token}`, Prefer: "odata.maxpagesize=5000" } });
      const body = (await res.json()) as { value: Record<string, string>[]; "@odata.nextLink"?: string };
      for (const row of body.value) {
        if (seen++ % 100 !== 0) continue;
        const value = col === "telephone1" ? "+1 425 555 0100" : col === "jobtitle" ? "Head of Procurement" : `Updated ${at}`;
        const r = await fetch(`${emu.orgUrl}api/data/v9.2/${set}(${row[id]})`, {
          method: "PATCH",
          headers: { Authorization: `Bearer ${emu.token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ [col]: value }),
        });
        if (r.status !== 204) throw new Error(`PATCH ${set} failed: ${r.status}`);
        changed++;
      }
      next = body["@odata.nextLink"];
    }
  }
  return changed;
}

const pct = (a: number | null, b: number | null): string => (a === null || b === null || b === 0 ? "n/a" : `${((100 * a) / b).toFixed(1)} %`);

async function main(): Promise<void> {
  process.stderr.write(`starting the emulator with ${SIZE.toLocaleString("en-US")} records (latency ${LATENCY} ms)…\n`);
  const emu = await startEmulatorProcess();
  try {
    const cold = await measure("full audit, first run (every health row written)", emu, "full", NOW);
    const rows = await measureHealthRows(createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.token }));
    const warm = await measure("full audit, nothing changed", emu, "full", new Date().toISOString());
    const changed = await changeOnePercent(emu, new Date().toISOString());
    const inc = await measure(`incremental audit after ${changed} records changed`, emu, "incremental", new Date().toISOString());
    const split = WORKERS > 0 ? [await measure(`full audit, nothing changed, ${WORKERS} partitions over ${WORKERS} worker processes`, emu, "full", new Date().toISOString(), WORKERS)] : [];
    const runs = [cold, warm, inc, ...split];
    const pages = Object.values(cold.result.report.byTable).reduce((s, t) => s + Math.ceil(t.records / 5000), 0);
    const lines = [
      "# Audit benchmark",
      "",
      `Machine: ${machineLine()}; load average at the start ${LOAD_AT_START}; commit ${commit()}`,
      "",
      `Command: \`npx tsx bench/audit/run.ts --size ${SIZE} --latency ${LATENCY}\`. The emulator runs in its own process with the demo organisation (seed 1), ${LATENCY} ms of added latency per request, and the documented service-protection limits on (6,000 requests, 1,200 s execution time, 52 concurrent requests per user per 5 minutes). The audit runs in this process with the default pack and the gateway's defaults (8 concurrent requests); peak RSS is the audit process alone. Duplicates: a matcher pass over each whole table in full runs, targeted candidate queries per page in incremental runs.`,
      "",
      "| run | records scanned | health rows written | HTTP requests | of which $batch | operations inside batches | rows read | 429s | seconds | emulator CPU s | audit CPU s | peak RSS MB |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...runs.map(
        (m) =>
          `| ${m.label} | ${m.result.recordsScanned.toLocaleString("en-US")} | ${m.result.recordsChanged.toLocaleString("en-US")} | ${m.result.requests} | ${m.emu.byKind.batch ?? 0} | ${m.emu.batchItems.toLocaleString("en-US")} | ${m.emu.rowsRead.toLocaleString("en-US")} | ${m.emu.throttled} | ${m.seconds.toFixed(1)} | ${m.emuCpu?.toFixed(1) ?? "n/a"} | ${m.auditCpu.toFixed(1)} | ${m.peakRssMB} |`,
      ),
      "",
      `- Pages of records: ⌈N/5,000⌉ per table = ${pages} for this organisation (${Object.entries(cold.result.report.byTable).map(([t, s]) => `${t} ${s.records.toLocaleString("en-US")}`).join(", ")}).`,
      `- Incremental after ${changed} changed records (${((100 * changed) / cold.result.recordsScanned).toFixed(1)} %): ${inc.result.requests} requests = ${((100 * inc.result.requests) / warm.result.requests).toFixed(1)} % of the unchanged full run and ${((100 * inc.result.requests) / cold.result.requests).toFixed(1)} % of the first full run (target ≤ 5 %).`,
      `- Organisation score after each run: ${runs.map((m) => m.result.report.overall.average).join(", ")}.`,
      `- Health rows: ${rows.averageBytes} bytes of column data on average over ${rows.rows.toLocaleString("en-US")} rows (target ≤ 600; counted as in bench/audit/rowbytes.ts: text as UTF-8, lookups 16, dates and decimals 8, numbers and choices 4, Dataverse's own system columns left out). Largest: ${Object.entries(rows.byColumn).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([c, n]) => `${c} ${n}`).join(", ")}.`,
      ...(split.length ? [`- Split over ${WORKERS} worker processes (vitals audit-worker, partitions table × createdon range): ${split[0].seconds.toFixed(1)} s against ${warm.seconds.toFixed(1)} s in one process for the same unchanged full run; ${split[0].result.requests} requests against ${warm.result.requests} (each partition plans, opens and finishes like an audit, and each worker reads the tables it matches duplicates on). Same organisation score: ${split[0].result.report.overall.average === warm.result.report.overall.average ? "yes" : "no"}.`] : []),
      `- Incremental run against the full runs: ${((100 * inc.seconds) / cold.seconds).toFixed(1)} % of the first full run's seconds, ${((100 * inc.seconds) / warm.seconds).toFixed(1)} % of the unchanged one's (target ≤ 10 %); emulator CPU ${pct(inc.emuCpu, cold.emuCpu)} and ${pct(inc.emuCpu, warm.emuCpu)}, audit CPU ${pct(inc.auditCpu, cold.auditCpu)} and ${pct(inc.auditCpu, warm.auditCpu)}. Load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(", ")} (2 cores shared with other work: seconds are noisy, requests are not).`,
      "- Where an incremental run's requests go (bench/audit/trace.ts lists them): (1) table metadata in one $batch; (2) who-am-I with the once-per-run reads (the waivers, Dataverse's duplicate rules, the last completed run and the runs in progress) in one $batch; (3) the run row written and the runs in progress read again in one changeset; (4) every table's modified records, stored health rows due for revisit or gone, and the changed waivers, first pages side by side in one $batch; (5) the records due for revisit, read by id; (6) one $batch of every table's page reads (stored health rows, activities, owners, business process flows, duplicate candidates looked up by match keys stored on the health rows and by Microsoft.Dynamics.CRM.In on e-mail and phone); (7) the facts that depend on others (owning teams, stage names) and the candidates found by key, read by id; (8) the checkpoint and every health row in one changeset; (9) the final run row. When a table's changes do not fit one page, that table is scored page by page instead, each page adding its reads, checkpoint and writes.",
      "",
    ];
    mkdirSync(join(root, "bench", "results"), { recursive: true });
    writeFileSync(join(root, "bench", "results", "audit.md"), lines.join("\n"));
    process.stderr.write("wrote bench/results/audit.md\n");
  } finally {
    emu.proc.kill("SIGINT");
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
