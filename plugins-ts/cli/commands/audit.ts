import type { Command } from "commander";
import type { DataverseGateway } from "../../dataverse/gateway";
import { f, normaliseGuid } from "../../dataverse/requests";
import { hostname } from "node:os";
import { runAudit, type AuditProgress, type AuditResult, type AuditScope } from "../../audit/run";
import { runPartitionedAudit } from "../../audit/parallel";
import { startWorkerProcesses, workerConnectionArgs } from "../workers";
import { FINDINGS_CSV_HEADER, renderAuditHtml } from "../../audit/report";
import { BOM, csvLine } from "../../export/csv";
import { describeInvalidWaivers } from "../../audit/waivers";
import { loadOrgRulePack } from "../../audit/settings";
import { GRADE_OF_VALUE } from "../../audit/model";
import type { CompactFinding } from "../../audit/health";
import { DEFAULT_TABLES, type RulePack } from "../../engine";
import { writeFileAtomic, writeStreamAtomic } from "../io/atomic";
import { UserError } from "../errors";
import { loadPack, parseNow } from "../pack";
import { createProgress } from "../progress";
import { addConnectionOptions, checkConnectionOptions, connect, positiveInt, type ConnectionCliOptions } from "../connection";

interface AuditCliOptions extends ConnectionCliOptions {
  tables: string;
  owner?: string;
  team?: string;
  businessUnit?: string;
  incremental?: boolean;
  resume?: string | boolean;
  pack?: string;
  report?: string;
  perPerson?: boolean;
  pageSize: string;
  now?: string;
  progress: boolean;
  partitions?: string;
  workers: string;
  leaseSeconds: string;
}

function parseTables(spec: string): string[] {
  const tables = spec.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
  if (tables.length === 0) throw new UserError("--tables: name at least one table");
  return [...new Set(tables)];
}

async function namesOf(gateway: DataverseGateway, table: "businessunit" | "systemuser", nameColumn: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const page of gateway.streamTable({ table, columns: [nameColumn] })) {
    for (const r of page.rows) out.set(String(r[`${table}id`]), String(r[nameColumn] ?? ""));
  }
  return out;
}

async function writeCsv(gateway: DataverseGateway, file: string, tables: string[]): Promise<number> {
  let n = 0;
  await writeStreamAtomic(file, async (write) => {
    await write(BOM + csvLine(FINDINGS_CSV_HEADER));
    const filter = f.and(f.eq("statecode", 0), f.gt("vit_findingcount", 0), f.in("vit_table", tables));
    for await (const page of gateway.streamTable({
      table: "vit_recordhealth",
      columns: ["vit_table", "vit_recordid", "vit_name", "vit_score", "vit_grade", "vit_findingcount", "vit_topissue", "vit_findings", "_ownerid_value", "vit_scoredon"],
      filter,
      orderBy: ["vit_score asc"],
    })) {
      for (const r of page.rows) {
        const findings = typeof r.vit_findings === "string" ? (JSON.parse(r.vit_findings) as CompactFinding[]) : [];
        const line = csvLine([
          r.vit_table,
          r.vit_recordid,
          r.vit_name,
          r.vit_score,
          typeof r.vit_grade === "number" ? (GRADE_OF_VALUE.get(r.vit_grade) ?? "") : "",
          r.vit_findingcount,
          r.vit_topissue,
          findings.filter((x) => x.o === "f").map((x) => x.r).join(" "),
          r._ownerid_value,
          r.vit_scoredon,
        ]);
        await write(line);
        n++;
      }
    }
  });
  return n;
}

function summaryLines(r: AuditResult, pack: RulePack): string[] {
  const rep = r.report;
  const lines = [
    `Audit ${r.status}: ${r.mode} run ${r.runId}${r.resumed ? " (resumed)" : ""} with ${r.packVersion.split("#")[0]}`,
    `Organisation score ${rep.overall.average ?? "n/a"} over ${rep.overall.records} records; grades ${Object.entries(rep.grades).map(([g, n]) => `${g} ${n}`).join(", ")}`,
    `Scanned ${r.recordsScanned} records, wrote ${r.recordsChanged} health rows, retired ${r.healthRowsRetired}; ${r.requests} requests, ${r.throttled} throttled (429), ${r.retried} retried after a transient failure (503, timeout or dropped connection)`,
  ];
  if (r.fullBecause) lines.push(`Ran as a full audit: ${r.fullBecause}`);
  for (const c of r.coverage) {
    lines.push(`Coverage ${c.table}: read ${c.readable}${c.total === null ? " (total unknown without organisation-wide read)" : ` of ${c.total}${c.complete ? "" : ` — ${c.total - c.readable} not readable by this user`}`}`);
  }
  if (r.invalidWaivers?.length) lines.push(...describeInvalidWaivers(r.invalidWaivers));
  if (r.duplicateRules?.length) {
    lines.push("Dataverse duplicate detection:", ...r.duplicateRules.map((d) => `  [${d.severity}] ${d.message} — ${d.fix}`));
  }
  const rules = new Map(pack.rules.map((x) => [x.id, x.title]));
  const top = rep.byRule.filter((x) => x.failed > 0).slice(0, 5);
  if (top.length) lines.push("Most frequent findings:", ...top.map((x) => `  ${String(x.failed).padStart(6)}  ${x.ruleId}  ${rules.get(x.ruleId) ?? ""}`));
  return lines;
}

/** --partitions and --workers, checked before anything is started. */
function partitionOptions(o: AuditCliOptions): { partitions: number; workers: number; leaseMs: number } | null {
  if (o.partitions === undefined) return null;
  if (o.incremental || o.resume) throw new UserError("--partitions splits full audits only: leave out --incremental and --resume");
  return { partitions: positiveInt(o.partitions, "--partitions", 1000), workers: positiveInt(o.workers, "--workers", 64), leaseMs: positiveInt(o.leaseSeconds, "--lease-seconds", 7 * 24 * 3600) * 1000 };
}

export function register(program: Command): void {
  const cmd = program
    .command("audit")
    .description("Run a governance audit: score every record in scope through the Web API and store the results in Dataverse");
  addConnectionOptions(cmd, "audit a demo organisation in an embedded emulator instead of a real one")
    .option("--tables <list>", "tables to audit, comma separated", DEFAULT_TABLES.join(","))
    .option("--owner <systemuserid>", "only records owned by this user")
    .option("--team <teamid>", "only records owned by this team")
    .option("--business-unit <businessunitid>", "only records of this business unit")
    .option("--incremental", "only records changed since the last audit of this scope, past their revisit time, or with changed waivers")
    .option("--resume [runId]", "resume an interrupted audit (the newest of this scope, or the given run)")
    .option("--pack <file>", "rule pack JSON (default: the organisation's vit_RulePack, else the built-in pack)")
    .option("--report <file>", "also write a report: .html (summary) or .csv (every record with findings)")
    .option("--per-person", "include figures per owner in the HTML report (off by default: scores are for coaching)")
    .option("--page-size <n>", "records per page, up to 5000", "5000")
    .option("--now <iso>", "the audit's clock (default: now)")
    .option("--no-progress", "no progress output")
    .option("--partitions <n>", "full audits: split the run into about this many partitions (table × createdon range) that workers claim")
    .option("--workers <n>", "with --partitions: worker processes to start on this machine (vitals audit-worker)", "2")
    .option("--lease-seconds <n>", "with --partitions: how long a worker's claim holds without a checkpoint renewing it", "600")
    .addHelpText(
      "after",
      `
Examples:
  vitals audit --demo --report audit.html
  vitals audit --url https://contoso.crm.dynamics.com --azure-cli --incremental
  vitals audit --url https://contoso.crm.dynamics.com --tenant-id … --client-id … --client-secret … --report findings.csv
  vitals audit --url https://contoso.crm.dynamics.com --managed-identity --partitions 16 --workers 4

Exit codes: 0 completed, 1 failed or refused (the message says why), 130 cancelled.`,
    )
    .action(async (o: AuditCliOptions) => {
      checkConnectionOptions(o);
      const tables = parseTables(o.tables);
      const pageSize = positiveInt(o.pageSize, "--page-size", 5000);
      const now = parseNow(o.now);
      if (o.report && !/\.(html?|csv)$/i.test(o.report)) throw new UserError(`--report: "${o.report}" must end in .html or .csv`);
      // Refused before anything is written: a bad id must not leave a failed run in the history.
      for (const [flag, value] of [["--owner", o.owner], ["--team", o.team], ["--business-unit", o.businessUnit]] as const) {
        if (value === undefined) continue;
        try {
          normaliseGuid(value, flag);
        } catch (err) {
          throw new UserError(`${(err as Error).message}; nothing was started`);
        }
      }
      const split = partitionOptions(o);
      const { gateway, orgUrl, emulator } = await connect(o, now);

      const abort = new AbortController();
      const onSigint = (): void => {
        process.stderr.write("\nvitals: cancelling after the current page…\n");
        abort.abort();
      };
      process.once("SIGINT", onSigint);
      try {
        let pack: RulePack;
        if (o.pack) pack = await loadPack(o.pack);
        else {
          const org = await loadOrgRulePack(gateway);
          if (org.warning) process.stderr.write(`vitals: warning: ${org.warning}\n`);
          pack = org.pack;
          process.stderr.write(`vitals: rule pack: ${org.source}\n`);
        }
        const scope: AuditScope = { tables, ownerId: o.owner, teamId: o.team, businessUnitId: o.businessUnit };
        const progress = o.progress ? createProgress({ label: "auditing", total: 0 }) : undefined;
        const onProgress = (p: AuditProgress): void => {
          if (!progress) return;
          if (p.estimatedTotal) progress.setTotal(p.estimatedTotal);
          const eta = p.etaMs !== null ? `, about ${Math.ceil(p.etaMs / 1000)} s left` : "";
          progress.update(p.recordsScanned, `${p.phase}${p.table ? ` ${p.table}` : ""}, ${p.pages} pages, ${p.requests} requests${p.throttled ? `, ${p.throttled} throttled` : ""}${eta}`);
        };
        let result: AuditResult;
        try {
          const opts = {
            gateway,
            pack,
            scope,
            mode: o.incremental ? ("incremental" as const) : ("full" as const),
            now,
            resume: o.resume === true ? "latest" : typeof o.resume === "string" ? o.resume : undefined,
            pageSize,
            signal: abort.signal,
            onProgress,
          };
          if (split) {
            const args = [...workerConnectionArgs(o, orgUrl, emulator?.adminToken), ...(o.pack ? ["--pack", o.pack] : []), "--page-size", String(pageSize), "--lease-seconds", String(split.leaseMs / 1000)];
            const log = (line: string): void => void process.stderr.write(`vitals: ${line}\n`);
            const startWorkers = (runId: string): Promise<void> => startWorkerProcesses(split.workers, [...args, "--run", runId], log, o.clientSecret ?? process.env.AZURE_CLIENT_SECRET);
            result = await runPartitionedAudit({ ...opts, partitions: split.partitions, workerId: `${hostname()}#${process.pid}`, leaseMs: split.leaseMs, startWorkers, log });
          } else result = await runAudit(opts);
        } finally {
          progress?.stop();
        }
        process.stdout.write(summaryLines(result, pack).join("\n") + "\n");
        if (result.status === "cancelled") {
          process.stderr.write(`vitals: the audit was cancelled; resume it with --resume ${result.runId}\n`);
          process.exitCode = 130;
          return;
        }
        if (o.report) {
          if (/\.csv$/i.test(o.report)) {
            const n = await writeCsv(gateway, o.report, tables);
            process.stderr.write(`vitals: wrote ${n} records with findings to ${o.report}\n`);
          } else {
            const businessUnits = await namesOf(gateway, "businessunit", "name");
            const owners = o.perPerson ? await namesOf(gateway, "systemuser", "fullname") : undefined;
            await writeFileAtomic(o.report, renderAuditHtml(result, pack, { businessUnits, owners, perPerson: o.perPerson, orgUrl }));
            process.stderr.write(`vitals: wrote the report to ${o.report}\n`);
          }
        }
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new UserError(`the audit failed: ${msg}`);
      } finally {
        process.off("SIGINT", onSigint);
        await emulator?.close();
      }
    });
}
