/**
 * `vitals audit-worker --run <id>`: one worker of an audit run split into partitions
 * (plugins-ts/audit/workers.ts) — claims partitions with a lease, audits them, exits when none is
 * left to claim. `vitals audit --partitions N --workers M` starts M of these on this machine; start
 * more on other machines (or `vitals runner` replicas) against the same run to spread it further.
 * Exit code 0 when every partition it took completed, 1 otherwise (the message says why).
 */
import { hostname } from "node:os";
import type { Command } from "commander";
import { loadOrgRulePack } from "../../audit/settings";
import { DEFAULT_PARTITION_LEASE_MS, workPartitions } from "../../audit/workers";
import { normaliseGuid } from "../../dataverse/requests";
import { UserError } from "../errors";
import { loadPack } from "../pack";
import { addConnectionOptions, checkConnectionOptions, connect, positiveInt, type ConnectionCliOptions } from "../connection";

interface WorkerCliOptions extends ConnectionCliOptions {
  run: string;
  pack?: string;
  pageSize: string;
  leaseSeconds: string;
  workerId?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("audit-worker")
    .description("Work on the partitions of an audit run split over workers (vitals audit --partitions): claim, audit, exit when none is left");
  addConnectionOptions(cmd, "(not useful: a worker joins a run in an organisation that exists)")
    .requiredOption("--run <runId>", "the audit run whose partitions to work on")
    .option("--pack <file>", "rule pack JSON, the same the run was started with (default: the organisation's vit_RulePack, else the built-in pack)")
    .option("--page-size <n>", "records per page, up to 5000", "5000")
    .option("--lease-seconds <n>", "how long a claim holds without a checkpoint renewing it", String(DEFAULT_PARTITION_LEASE_MS / 1000))
    .option("--worker-id <name>", "who claims the partitions (default: host name and process id)")
    .action(async (o: WorkerCliOptions) => {
      checkConnectionOptions(o);
      if (o.demo) throw new UserError("audit-worker joins a run in an existing organisation: use --url (vitals audit --demo --partitions N --workers M starts workers on its emulator)");
      const runId = normaliseGuid(o.run, "--run");
      const pageSize = positiveInt(o.pageSize, "--page-size", 5000);
      const leaseMs = positiveInt(o.leaseSeconds, "--lease-seconds", 7 * 24 * 3600) * 1000;
      const { gateway } = await connect(o, new Date());
      const workerId = o.workerId ?? `${hostname()}#${process.pid}`;
      try {
        const pack = o.pack ? await loadPack(o.pack) : (await loadOrgRulePack(gateway)).pack;
        const results = await workPartitions({ gateway, runId, pack, workerId, leaseMs, audit: { pageSize }, log: (line) => process.stdout.write(`${line}\n`) });
        process.stdout.write(`${workerId}: ${results.length} partition(s) of run ${runId} done\n`);
      } catch (err) {
        throw new UserError(`the worker stopped: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
}
