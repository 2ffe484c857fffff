/**
 * `vitals fix plan|apply|undo|show`: fix plans from the command line, the same code the
 * Governance Center runs (plugins-ts/fix). `plan` writes nothing to the organisation; `apply` and
 * `undo` write customers' records in the signed-in person's security context, journaled first.
 *
 * Exit codes: 0 when every entry ended as asked (applied or skipped as changed; undone), 1 on
 * a refusal or error (the message says why), 2 when entries failed or are in conflict (listed),
 * 130 when cancelled (apply the same plan again to resume).
 */
import { promises as fs } from "node:fs";
import type { Command } from "commander";
import { loadOrgRulePack, readEnvironmentVariable } from "../../audit/settings";
import { DEFAULT_TABLES, type RulePack } from "../../engine";
import { applyPlan, makePlan, parsePlan, readEntries, readRun, undoRun, countOutcomes, type FixPlan, type FixProgress, type FixRunResult, type TableScores } from "../../fix";
import type { DataverseGateway } from "../../dataverse/gateway";
import { UserError } from "../errors";
import { mergeInputs, writeMergePlan, type MergePlanCliOptions } from "./fix-merge";
import { loadPack, parseNow } from "../pack";
import { createProgress } from "../progress";
import { addConnectionOptions, checkConnectionOptions, connect, type ConnectionCliOptions } from "../connection";

interface FixCliOptions extends ConnectionCliOptions {
  pack?: string;
  now?: string;
  progress: boolean;
}

async function packFor(gateway: DataverseGateway, file: string | undefined): Promise<RulePack> {
  if (file) return loadPack(file);
  const org = await loadOrgRulePack(gateway);
  if (org.warning) process.stderr.write(`vitals: warning: ${org.warning}\n`);
  return org.pack;
}

/** Connects, runs, closes the demo emulator; errors become user errors. */
async function withOrg(o: FixCliOptions, what: string, fn: (gateway: DataverseGateway, now: Date) => Promise<void>): Promise<void> {
  checkConnectionOptions(o);
  const now = parseNow(o.now);
  const { gateway, emulator } = await connect(o, now);
  try {
    await fn(gateway, now);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await emulator?.close();
  }
}

function progressFor(o: FixCliOptions, label: string): { onProgress?: (p: FixProgress) => void; stop: () => void } {
  if (!o.progress) return { stop: () => undefined };
  const bar = createProgress({ label, total: 0 });
  return {
    onProgress: (p) => {
      bar.setTotal(p.total);
      bar.update(p.done, `${p.phase}; ${Object.entries(p.outcomes).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(", ")}`);
    },
    stop: () => bar.stop(),
  };
}

function scoreLines(before: Record<string, TableScores>, after: Record<string, TableScores>): string[] {
  const lines: string[] = [];
  for (const [table, b] of Object.entries(before)) {
    const a = after[table];
    if (!a) continue;
    const dims = Object.keys(b.dimensions).filter((d) => b.dimensions[d as keyof typeof b.dimensions] !== a.dimensions[d as keyof typeof a.dimensions]);
    lines.push(`  ${table}: overall ${b.overall ?? "n/a"} → ${a.overall ?? "n/a"}${dims.map((d) => `; ${d} ${b.dimensions[d as keyof typeof b.dimensions] ?? "n/a"} → ${a.dimensions[d as keyof typeof a.dimensions] ?? "n/a"}`).join("")}`);
  }
  return lines;
}

function report(r: FixRunResult, verb: string): void {
  const o = r.outcomes;
  process.stdout.write(
    [
      `Fix run ${r.runId}: ${r.status}${r.resumed ? " (resumed)" : ""}`,
      `${verb}: ${o.applied} applied, ${o.skippedChanged} skipped (changed since the preview), ${o.failed} failed, ${o.undone} undone, ${o.undoConflict} undo conflicts`,
      "Scores of the records in scope:",
      ...scoreLines(r.scoreBefore, r.scoreAfter),
      ...r.issues.slice(0, 50).map((i) => `  [${i.outcome}] ${i.key}: ${i.detail}${i.errorCode ? ` (${i.errorCode})` : ""}`),
      ...(r.issues.length > 50 ? [`  … and ${r.issues.length - 50} more (vitals fix show ${r.runId})`] : []),
    ].join("\n") + "\n",
  );
}

function exitCodeOf(r: FixRunResult, undo: boolean): number {
  if (r.status === "cancelled") return 130;
  const o = r.outcomes;
  if (o.failed > 0 || o.pending > 0 || o.undoPending > 0) return 2;
  if (undo && o.undoConflict > 0) return 2;
  return 0;
}

function abortOnSigint(): { signal: AbortSignal; dispose: () => void } {
  const abort = new AbortController();
  const onSigint = (): void => {
    process.stderr.write("\nvitals: stopping after the current step; apply the same plan again to resume…\n");
    abort.abort();
  };
  process.once("SIGINT", onSigint);
  return { signal: abort.signal, dispose: () => process.off("SIGINT", onSigint) };
}

const withCommon = (cmd: Command, demoHelp: string): Command =>
  addConnectionOptions(cmd, demoHelp)
    .option("--pack <file>", "rule pack JSON (default: the organisation's vit_RulePack, else the built-in pack)")
    .option("--now <iso>", "the clock (default: now)")
    .option("--no-progress", "no progress output");

export function register(program: Command): void {
  const fix = program.command("fix").description("Fix plans: propose fixes, apply them with your approval (journaled, with If-Match), undo them");

  withCommon(fix.command("plan").description("Propose fixes for the records in scope and write them to a plan file; writes nothing to the organisation"), "plan against a demo organisation in an embedded emulator")
    .option("--tables <list>", "tables, comma separated", DEFAULT_TABLES.join(","))
    .option("--rules <ids>", "only the fixes of these rules, comma separated")
    .option("--owner <id>", "only records owned by this user or team")
    .option("--new-owner <id>", "user (or team, with --new-owner-team) that takes over records of disabled owners")
    .option("--new-owner-team", "--new-owner is a team")
    .requiredOption("--out <file>", "plan file to write (JSON)")
    .option("--merge", "plan merges of duplicates instead (one --tables of account, contact, lead): undoable, journaled before each Merge")
    .option("--pairs <file>", "with --merge: the pairs.csv of vitals dedupe (record ids as ids); default: run the matcher on the organisation")
    .option("--master-rule <rule>", "with --merge: which record survives: complete, recent (last activity) or oldest", "complete")
    .option("--parenting-checks", "with --merge: send PerformParentingChecks, so records with different parents are refused")
    .action(async (o: FixCliOptions & MergePlanCliOptions & { tables: string; rules?: string; owner?: string; newOwner?: string; newOwnerTeam?: boolean; merge?: boolean }) => {
      const tables = [...new Set(o.tables.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];
      if (!tables.length) throw new UserError("--tables: name at least one table");
      if (o.merge) {
        const input = await mergeInputs(tables, o);
        return withOrg(o, "the merge plan", async (gateway, now) => writeMergePlan(gateway, await packFor(gateway, o.pack), now, input, o));
      }
      await withOrg(o, "the fix plan", async (gateway, now) => {
        const pack = await packFor(gateway, o.pack);
        const bar = o.progress ? createProgress({ label: "planning", total: 0 }) : undefined;
        let plan: FixPlan;
        try {
          plan = await makePlan({
            gateway,
            pack,
            tables,
            rules: o.rules?.split(",").map((r) => r.trim()).filter(Boolean),
            ownerId: o.owner,
            newOwner: o.newOwner ? { id: o.newOwner, table: o.newOwnerTeam ? "team" : "systemuser" } : undefined,
            now,
            onProgress: (p) => bar?.update(p.records, `${p.table}, ${p.proposals} fixes`),
          });
        } finally {
          bar?.stop();
        }
        const tmp = `${o.out}.tmp-${process.pid}`;
        await fs.writeFile(tmp, JSON.stringify(plan, null, 2) + "\n");
        await fs.rename(tmp, o.out);
        const byRule = new Map<string, number>();
        for (const e of plan.entries) byRule.set(e.ruleId, (byRule.get(e.ruleId) ?? 0) + 1);
        process.stdout.write(
          [
            `Plan ${plan.planId}: ${plan.entries.length} fixes (${plan.entries.filter((e) => e.safe).length} safe to apply unattended), ${plan.blocked.length} that need a person, written to ${o.out}`,
            ...[...byRule].sort((a, b) => b[1] - a[1]).map(([r, n]) => `  ${String(n).padStart(6)}  ${r}`),
            `Review it (set "include": false to leave an entry out), then: vitals fix apply ${o.out} …`,
          ].join("\n") + "\n",
        );
      });
    });

  withCommon(fix.command("apply").description("Apply an approved plan in your own security context and print the fix run id").argument("<plan>", "plan file from vitals fix plan"), "apply to a demo organisation in an embedded emulator (a fresh one: plan with the same --seed and --size)")
    .action(async (file: string, o: FixCliOptions) => {
      let plan: FixPlan;
      try {
        plan = parsePlan(await fs.readFile(file, "utf8"), file);
      } catch (err) {
        throw new UserError(err instanceof Error ? err.message : String(err));
      }
      await withOrg(o, "applying the plan", async (gateway, now) => {
        const pack = await packFor(gateway, o.pack);
        if (pack.version !== plan.pack.version || pack.id !== plan.pack.id) process.stderr.write(`vitals: warning: the plan was made with rule pack ${plan.pack.id} ${plan.pack.version}, scoring now uses ${pack.id} ${pack.version}\n`);
        const mustDiffer = (await readEnvironmentVariable(gateway, "vit_FixApproverMustDiffer"))?.toLowerCase() === "yes";
        const p = progressFor(o, "applying");
        const sig = abortOnSigint();
        let r: FixRunResult;
        try {
          r = await applyPlan({ gateway, plan, pack, now, approverMustDiffer: mustDiffer, onProgress: p.onProgress, signal: sig.signal });
        } finally {
          p.stop();
          sig.dispose();
        }
        report(r, "Applied");
        process.exitCode = exitCodeOf(r, false);
      });
    });

  withCommon(fix.command("undo").description("Undo a fix run, one rule's fixes or one record's; columns changed since are left alone and listed").argument("<runId>", "fix run id"), "undo in a demo organisation (only runs made in the same emulator exist: use vitals emulator and --url)")
    .option("--rule <id>", "only the fixes of this rule")
    .option("--record <id>", "only the fixes of this record")
    .action(async (runId: string, o: FixCliOptions & { rule?: string; record?: string }) => {
      await withOrg(o, "the undo", async (gateway, now) => {
        const pack = await packFor(gateway, o.pack);
        const p = progressFor(o, "undoing");
        let r: FixRunResult;
        try {
          r = await undoRun({ gateway, runId, pack, now, ruleId: o.rule, recordId: o.record, onProgress: p.onProgress });
        } finally {
          p.stop();
        }
        report(r, "Undone");
        process.exitCode = exitCodeOf(r, true);
      });
    });

  addConnectionOptions(fix.command("show").description("Counts, conflicts and errors of a fix run").argument("<runId>", "fix run id"), "show a run of a demo organisation (only runs made in the same emulator exist)")
    .option("--json", "the run and its entries as JSON")
    .action(async (runId: string, o: ConnectionCliOptions & { json?: boolean }) => {
      await withOrg({ ...o, progress: false }, "showing the run", async (gateway) => {
        const run = await readRun(gateway, runId);
        if (!run) throw new UserError(`there is no fix run ${runId} (or you cannot read it)`);
        const entries = await readEntries(gateway, runId);
        if (o.json) {
          process.stdout.write(JSON.stringify({ run, entries }, null, 2) + "\n");
          return;
        }
        const c = countOutcomes(entries);
        const issues = entries.filter((e) => ["skippedChanged", "failed", "undoConflict", "pending", "undoPending"].includes(e.outcome));
        process.stdout.write(
          [
            `Fix run ${run.id}: ${run.status}; approved by ${run.approvedBy ?? "?"} on ${run.approvedOn ?? "?"}, proposed by ${run.proposedBy ?? "?"}`,
            `${entries.length} entries: ${Object.entries(c).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(", ") || "none"}`,
            ...issues.map((e) => `  [${e.outcome}] ${e.key}: ${e.detail ?? ""}${e.errorCode ? ` (${e.errorCode})` : ""}`),
          ].join("\n") + "\n",
        );
        process.exitCode = c.failed + c.pending + c.undoPending > 0 ? 2 : 0;
      });
    });
}
