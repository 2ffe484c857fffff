/**
 * Gateway benchmark: read the demo organisation's account, contact, lead and opportunity tables from
 * the emulator page by page, with the related facts the default rule pack needs, and report rows per
 * second and requests made. Run: npx tsx bench/gateway/run.ts [--size N] [--seed S]
 * Writes bench/results/gateway.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../../sandbox/emulator";
import type { FactsRequest } from "../../plugins-ts/dataverse/gateway";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import { machineLine } from "../machine";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
}

interface Plan {
  table: string;
  columns: string[];
  facts: FactsRequest;
}

const PLANS: Plan[] = [
  { table: "account", columns: ["name", "websiteurl", "telephone1", "emailaddress1", "address1_postalcode", "address1_country", "statecode", "_ownerid_value", "modifiedon"], facts: { lastActivityOn: true, nextActivityDueOn: true, owner: true } },
  { table: "contact", columns: ["fullname", "firstname", "lastname", "emailaddress1", "telephone1", "statecode", "_ownerid_value", "_parentcustomerid_value", "modifiedon"], facts: { lastActivityOn: true, nextActivityDueOn: true, owner: true, parents: [{ lookup: "parentcustomerid", table: "account", columns: ["websiteurl"] }] } },
  { table: "lead", columns: ["fullname", "companyname", "emailaddress1", "telephone1", "statecode", "_ownerid_value", "modifiedon"], facts: { lastActivityOn: true, nextActivityDueOn: true, stage: true, owner: true } },
  { table: "opportunity", columns: ["name", "estimatedclosedate", "estimatedvalue", "statecode", "_ownerid_value", "_parentaccountid_value", "modifiedon"], facts: { lastActivityOn: true, nextActivityDueOn: true, stage: true, owner: true, parents: [{ lookup: "parentaccountid", table: "account" }] } },
];

async function main(): Promise<void> {
  const size = arg("size", 100_000);
  const seed = arg("seed", 1);
  const t0 = performance.now();
  const emu = await startEmulator({ port: 0, data: "demo", size, seed });
  const startMs = performance.now() - t0;
  const admin = emu.users.find((u) => u.role === "System Administrator") ?? emu.users[0];
  const lines: string[] = [];
  const results: Array<{ table: string; rows: number; requests: number; ms: number; readMs: number }> = [];
  try {
    for (const withFacts of [false, true]) {
      for (const plan of PLANS) {
        const gw = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => admin.token });
        await gw.checkColumns({ [plan.table]: plan.columns });
        const started = performance.now();
        let rows = 0;
        for await (const page of gw.streamTable({ table: plan.table, columns: plan.columns })) {
          rows += page.rows.length;
          if (withFacts && page.rows.length) {
            const ids = page.rows.map((r) => String(r[`${plan.table}id`]));
            await gw.fetchRelatedFacts({ table: plan.table, ids, facts: plan.facts, rows: page.rows });
          }
        }
        const ms = performance.now() - started;
        const s = gw.stats();
        results.push({ table: `${plan.table}${withFacts ? " + facts" : ""}`, rows, requests: s.requests, ms, readMs: ms });
        if (s.throttled) lines.push(`- ${plan.table}: ${s.throttled} × 429, ${s.throttleWaitMs} ms waited`);
      }
    }
  } finally {
    await emu.close();
  }
  const table = [
    "| read | rows | requests | seconds | rows/s |",
    "|---|---:|---:|---:|---:|",
    ...results.map((r) => `| ${r.table} | ${r.rows.toLocaleString("en")} | ${r.requests} | ${(r.ms / 1000).toFixed(2)} | ${Math.round(r.rows / (r.ms / 1000)).toLocaleString("en")} |`),
  ];
  const sum = (facts: boolean) => results.filter((r) => r.table.includes("facts") === facts).reduce((a, r) => ({ rows: a.rows + r.rows, requests: a.requests + r.requests, ms: a.ms + r.ms }), { rows: 0, requests: 0, ms: 0 });
  const plain = sum(false);
  const full = sum(true);
  const md = [
    "# Gateway benchmark",
    "",
    `Machine: ${machineLine()}.`,
    `Emulator: demo organisation, size ${size.toLocaleString("en")}, seed ${seed}, default service protection, started in ${(startMs / 1000).toFixed(1)} s. One gateway per table read, default settings (8 concurrent requests, 5,000 rows a page), signed in as the demo administrator.`,
    "",
    ...table,
    "",
    `Total without facts: ${plain.rows.toLocaleString("en")} rows, ${plain.requests} requests, ${Math.round(plain.rows / (plain.ms / 1000)).toLocaleString("en")} rows/s.`,
    `Total with related facts: ${full.rows.toLocaleString("en")} rows, ${full.requests} requests, ${Math.round(full.rows / (full.ms / 1000)).toLocaleString("en")} rows/s.`,
    lines.length ? "\nThrottling:\n" + lines.join("\n") : "\nNo 429 was received.",
    "",
    "Requests are HTTP requests the gateway sent (a `$batch` counts once), including one metadata read per table (entity set and primary key) and the attribute check. Related facts per 5,000-row page: FetchXML aggregates for the last and next activity, BPF instances and stage names (leads, opportunities), owners, parent accounts (contacts, opportunities); ids are chunked to keep each URL under 30,000 characters and the chunks of one fact kind go out in one `$batch`.",
    "",
    "The emulator runs in the same Node process as the gateway, on the same two shared cores, so the seconds include the emulator's own work (it evaluates each FetchXML aggregate by scanning the activities); against a real organisation the time is network and service bound, while the request counts carry over.",
    "",
    "Run: `npx tsx bench/gateway/run.ts [--size N] [--seed S]`.",
    "",
  ].join("\n");
  const out = join(dirname(fileURLToPath(import.meta.url)), "..", "results", "gateway.md");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
