/**
 * `vitals runner`: one pass of the scheduled runner (plugins-ts/audit/runner.ts) — claim the due
 * audit schedules, audit, send the digests, set the next runs, exit. Started every few minutes by
 * a scheduler (the Container Apps job in infra/). Exit code 0 when every due schedule completed or
 * was left to another runner, 1 when one failed, was refused or is invalid (the log says which).
 */
import { hostname } from "node:os";
import type { Command } from "commander";
import { DEFAULT_LEASE_MS, runDueSchedules, type RunnerOptions } from "../../audit/runner";
import { scopeKey } from "../../audit/run";
import { SCHEDULE_MODE } from "../../audit/model";
import { loadOrgRulePack } from "../../audit/settings";
import { runsWithOpenPartitions, workPartitions } from "../../audit/workers";
import { DEFAULT_TABLES } from "../../engine";
import { readDigestSettings, sendDigests } from "../../graph/digest";
import { UserError } from "../errors";
import { addConnectionOptions, checkConnectionOptions, connect, positiveInt } from "../connection";
import { addGraphOptions, connectGraph, type GraphCliOptions } from "../graphConnection";
import { graphMailSender } from "./digest";

interface RunnerCliOptions extends GraphCliOptions {
  from?: string;
  runnerId?: string;
  leaseMinutes: string;
  partitions?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("runner")
    .description("Run the due audit schedules (vit_auditschedule) once: claim each with If-Match, audit, send its digest, set its next run, exit");
  addGraphOptions(addConnectionOptions(cmd, "run against a demo organisation with one schedule due now"))
    .option("--from <mailbox>", "the mailbox digests are sent from (Graph Mail.Send); without it, digests are not sent")
    .option("--runner-id <name>", "who claims the schedules (default: host name and process id; Container Apps sets the replica's host name)")
    .option("--lease-minutes <n>", "how long a claim holds before another runner may take the schedule", String(DEFAULT_LEASE_MS / 60_000))
    .option("--partitions <n>", "split full audits into about this many partitions, shared with the other replicas (a replica first joins runs with partitions left)")
    .addHelpText(
      "after",
      `
Examples:
  vitals runner --demo
  vitals runner --url https://contoso.crm.dynamics.com --managed-identity --client-id <user-assigned identity> --from crmvitals@contoso.com

Deploying it as a scheduled container job: docs/install.md, "The scheduled runner".`,
    )
    .action(async (o: RunnerCliOptions) => {
      checkConnectionOptions(o);
      const leaseMs = positiveInt(o.leaseMinutes, "--lease-minutes", 7 * 24 * 60) * 60_000;
      const now = new Date();
      const conn = await connect(o, now, { mail: Boolean(o.demo) });
      const { gateway } = conn;
      const closers: (() => Promise<void>)[] = [];
      try {
        if (conn.emulator) await gateway.createMany("vit_auditschedule", [{ vit_name: "Demo: daily incremental audit", vit_scope: scopeKey({ tables: [...DEFAULT_TABLES] }), vit_mode: SCHEDULE_MODE.incremental, vit_everydays: 1, vit_timeofday: "06:00", vit_timezone: "UTC", vit_enabled: true, vit_nextrunon: now.toISOString(), vit_digestrecipients: "owners" }]);
        const from = o.from ?? conn.emulator?.users.find((u) => u.key === "govowner")?.domainname;
        let sendDigest: RunnerOptions["sendDigest"];
        if (from) {
          const { graph, standIn } = await connectGraph(o, conn);
          if (standIn) closers.push(() => standIn.close());
          sendDigest = async (recipientsText, result) => {
            const settings = await readDigestSettings(gateway);
            if (!settings.graphEnabled) return `not sent (${settings.offBecause ?? "Microsoft Graph integration is off"})`;
            const report = await sendDigests({ gateway, sender: graphMailSender(graph), from, recipientsText, now: new Date(result.finishedOn), orgUrl: conn.orgUrl });
            return `${report.sent.length} sent, ${report.skipped.length} skipped`;
          };
        }
        const runnerId = o.runnerId ?? `${hostname()}#${process.pid}`;
        const log = (line: string): void => void process.stdout.write(`${line}\n`);
        const partitions = o.partitions === undefined ? undefined : positiveInt(o.partitions, "--partitions", 1000);
        // Partitions of runs other replicas split: joined first, with the pack in force.
        for (const runId of await runsWithOpenPartitions(gateway)) {
          await workPartitions({ gateway, runId, pack: (await loadOrgRulePack(gateway)).pack, workerId: runnerId, log }).catch((err: unknown) => log(`run ${runId}: ${(err as Error).message}`));
        }
        const outcomes = await runDueSchedules({
          gateway,
          runnerId,
          leaseMs,
          partitions,
          loadPack: async () => (await loadOrgRulePack(gateway)).pack,
          sendDigest,
          log,
        });
        if (outcomes.length === 0) process.stdout.write("No audit schedule is due.\n");
        if (outcomes.some((x) => x.status === "failed" || x.status === "refused" || x.status === "invalid")) process.exitCode = 1;
      } catch (err) {
        if (err instanceof UserError) throw err;
        throw new UserError(`the runner failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        for (const close of closers) await close();
        await conn.emulator?.close();
      }
    });
}
