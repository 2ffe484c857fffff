/**
 * An audit split over worker processes, against the emulator: several `vitals audit-worker`
 * processes claim partitions, one is killed in the middle of a partition, and the run still ends
 * with exactly one health row per record and the aggregates a single-process run gives.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { startEmulator, type EmulatorHandle } from "../../sandbox/emulator";
import { runAudit, type AuditResult } from "../../plugins-ts/audit/run";
import { runPartitionedAudit } from "../../plugins-ts/audit/parallel";
import { planPartitions } from "../../plugins-ts/audit/partitions";
import { RUN_STATUS } from "../../plugins-ts/audit/model";
import { defaultRulePack } from "../../plugins-ts/engine";
import type { Row } from "../../sandbox/emulator/store";
import { gatewayFor, storedHealth } from "../helpers/audit";
import { VITALS } from "../helpers/cli";

const NOW = new Date("2026-11-23T12:00:00Z");
const TABLES = ["account", "contact", "lead", "opportunity"];
const SIZE = 600;
const PAGE = 40;

function demo(): Promise<EmulatorHandle> {
  return startEmulator({ data: "demo", size: SIZE, seed: 7, now: NOW, throttle: false });
}

function partitionsOf(emu: EmulatorHandle): Row[] {
  return emu.store.rows("vit_auditrun").filter((r) => r._vit_parentrun_value);
}

/** Pages a partition has checkpointed, and whether its read reached the end. */
function progressOf(r: Row): { pages: number; finished: boolean } {
  if (typeof r.vit_checkpoint !== "string") return { pages: 0, finished: true };
  const { checkpoint } = JSON.parse(r.vit_checkpoint) as { checkpoint: { pages: number; stream: { nextLink: string | null } | null } };
  return { pages: checkpoint.pages, finished: checkpoint.stream?.nextLink === null };
}

describe("an audit split over worker processes", () => {
  let single: EmulatorHandle;
  let split: EmulatorHandle;
  let reference: AuditResult;
  beforeAll(async () => {
    [single, split] = await Promise.all([demo(), demo()]);
    reference = await runAudit({ gateway: gatewayFor(single), pack: defaultRulePack(), scope: { tables: TABLES }, mode: "full", now: NOW, pageSize: PAGE });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([single.close(), split.close()]);
  });

  it("plans partitions of about equal size whose createdon ranges cover every record once", async () => {
    const specs = await planPartitions(gatewayFor(split), { tables: TABLES }, 8);
    expect(specs.length).toBeGreaterThanOrEqual(TABLES.length);
    for (const t of TABLES) {
      const mine = specs.filter((p) => p.table === t);
      expect(mine[0].from).toBeNull();
      expect(mine[mine.length - 1].to).toBeNull();
      for (let i = 1; i < mine.length; i++) expect(mine[i].from).toBe(mine[i - 1].to);
      expect(mine.reduce((n, p) => n + p.records, 0)).toBe(split.groundTruth.rows[t]);
    }
    const contact = specs.filter((p) => p.table === "contact");
    expect(contact.length).toBeGreaterThan(1);
    const share = split.groundTruth.rows.contact / contact.length;
    for (const p of contact) expect(Math.abs(p.records - share)).toBeLessThan(share * 0.5);
  });

  it("with one worker killed mid-partition: one health row per record, the single-process aggregates, every partition completed", async () => {
    // A little latency, so a partition takes several pages' time and a worker can be killed inside one.
    split.setFaults({ latencyMs: [10, 25] });
    const children: ChildProcess[] = [];
    let killed: { worker: string; partition: string; pages: number } | null = null;
    const workerId = (i: number): string => `test-worker-${i}`;
    const startWorkers = (runId: string): Promise<void> => {
      const exits: Promise<number | null>[] = [];
      for (let i = 1; i <= 3; i++) {
        const child = spawn(process.execPath, [VITALS, "audit-worker", "--url", split.orgUrl, "--token", split.adminToken, "--run", runId, "--page-size", String(PAGE), "--lease-seconds", "15", "--worker-id", workerId(i)], {
          env: { ...process.env, CI: "true" },
          stdio: "ignore",
        });
        children.push(child);
        exits.push(new Promise((ok) => child.on("exit", (code) => ok(code))));
      }
      // Kill worker 1 once it has checkpointed a page of a partition it has not finished reading.
      const watch = setInterval(() => {
        const held = partitionsOf(split).find((r) => r.vit_claimedby === workerId(1) && r.vit_status === RUN_STATUS.running);
        const p = held && progressOf(held);
        if (!held || !p || p.pages < 1 || p.finished) return;
        killed = { worker: workerId(1), partition: String(held.vit_auditrunid), pages: p.pages };
        children[0].kill("SIGKILL");
        clearInterval(watch);
      }, 5);
      return Promise.all(exits).then(() => clearInterval(watch));
    };
    const result = await runPartitionedAudit({
      gateway: gatewayFor(split),
      pack: defaultRulePack(),
      scope: { tables: TABLES },
      mode: "full",
      now: NOW,
      pageSize: PAGE,
      partitions: 6,
      workerId: "coordinator",
      leaseMs: 15_000,
      pollMs: 200,
      startWorkers,
    });

    expect(result.status).toBe("completed");
    expect(killed).not.toBeNull();
    const { partition, worker } = killed!;
    // The killed worker's partition was finished by another worker, from its checkpoint.
    const taken = split.store.get("vit_auditrun", partition)!;
    expect(taken.vit_status).toBe(RUN_STATUS.completed);
    expect(taken.vit_claimedby).not.toBe(worker);
    expect(partitionsOf(split).every((r) => r.vit_status === RUN_STATUS.completed)).toBe(true);

    // Exactly one health row per record (storedHealth throws on a second row for a record), scored as one process scores it.
    const mine = storedHealth(split);
    const theirs = storedHealth(single);
    expect(mine.size).toBe(TABLES.reduce((n, t) => n + split.groundTruth.rows[t], 0));
    for (const [key, h] of theirs) expect({ key, score: mine.get(key)?.score, failed: [...(mine.get(key)?.failed ?? [])].sort() }).toEqual({ key, score: h.score, failed: [...h.failed].sort() });

    // The same aggregates, counters and coverage as the single-process run.
    expect(result.report).toEqual(reference.report);
    expect(result.recordsScanned).toBe(reference.recordsScanned);
    expect(result.coverage).toEqual(reference.coverage);
    const runRow = split.store.get("vit_auditrun", result.runId)!;
    expect(runRow.vit_overallscore).toBe(single.store.get("vit_auditrun", reference.runId)!.vit_overallscore);
  }, 240_000);
});
