/**
 * The scheduled runner: one pass over `vit_auditschedule`. Each due, enabled schedule is claimed
 * with an `If-Match` update on its row version (two runners never take the same one; the loser
 * gets 412 and moves on), audited, digested, given its next run and released. Schedules without a
 * next run get their first one. A claim is a lease (`vit_claimeduntil`): a runner that dies frees
 * the schedule when the lease ends, and the runner that takes it next resumes the interrupted audit.
 *
 * The runner has no loop of its own: it is meant to be started every few minutes by a scheduler
 * (an Azure Container Apps scheduled job, see infra/), do what is due and exit.
 *
 * Failure modes, each recorded on the schedule (vit_lastoutcome) and returned: a scope or cadence
 * that does not parse (the schedule gets no next run until it is fixed), an audit refused because
 * an overlapping one runs (the schedule stays due and is tried again next time), an audit that
 * failed (next run set as usual; the failed run can be resumed), a digest that could not be sent.
 */
import type { RulePack } from "../engine/pack/types";
import { etagOf, type DataverseGateway, type Row } from "../dataverse/gateway";
import { updateIfUnchanged } from "../dataverse/ownwrite";
import { f } from "../dataverse/requests";
import { cadenceProblem, firstRun, nextRun, type Cadence } from "./cadence";
import { AuditBusyError } from "./exclusive";
import { SCHEDULE_LAST_RUN_BIND, SCHEDULE_MODE, STATECODE_ACTIVE, str } from "./model";
import { parseScopeKey } from "./scope";
import { runPartitionedAudit } from "./parallel";
import { runAudit } from "./run";
import type { AuditOptions, AuditResult, AuditScope } from "./types";

/** How long a claim holds by default: longer than the longest audit expected. */
export const DEFAULT_LEASE_MS = 6 * 3_600_000;

export interface RunnerOptions {
  gateway: DataverseGateway;
  /** Who claims (shown on the schedule): e.g. the job's replica name. */
  runnerId: string;
  /** The clock; default the machine's. */
  clock?: () => Date;
  leaseMs?: number;
  /** The rule pack in force (the organisation's vit_RulePack, else the built-in one). */
  loadPack: () => Promise<RulePack>;
  /** Sends the digest after a completed run; returns what it did, in words. Absent: digests are not sent. */
  sendDigest?: (recipientsText: string, result: AuditResult) => Promise<string>;
  /** Passed on to every audit (page size, duplicates, progress, test hooks). */
  audit?: Pick<AuditOptions, "pageSize" | "duplicates" | "onProgress" | "afterPage" | "privileged" | "signal">;
  /** Full audits split into about this many partitions that runner replicas share (parallel.ts); absent or 1: one process. */
  partitions?: number;
  log?: (line: string) => void;
}

export interface ScheduleOutcome {
  scheduleId: string;
  name: string;
  status: "completed" | "failed" | "cancelled" | "refused" | "taken" | "invalid" | "scheduled";
  runId?: string;
  nextRunOn?: string | null;
  message: string;
}

const COLUMNS = ["vit_name", "vit_scope", "vit_mode", "vit_cron", "vit_everydays", "vit_timeofday", "vit_timezone", "vit_nextrunon", "vit_digestrecipients", "vit_claimedby", "vit_claimeduntil", "versionnumber"];

interface Schedule {
  id: string;
  name: string;
  row: Row;
  scope: AuditScope | null;
  cadence: Cadence;
  due: Date | null;
}

function scheduleOf(r: Row): Schedule {
  const id = String(r.vit_auditscheduleid);
  const due = str(r.vit_nextrunon);
  return {
    id,
    name: str(r.vit_name) ?? id,
    row: r,
    scope: parseScopeKey(r.vit_scope),
    cadence: { cron: str(r.vit_cron), everyDays: typeof r.vit_everydays === "number" ? r.vit_everydays : null, timeOfDay: str(r.vit_timeofday), timeZone: str(r.vit_timezone) },
    due: due ? new Date(due) : null,
  };
}

/** Enabled, active schedules: those due now and those that were never given a next run. */
async function readSchedules(gateway: DataverseGateway, now: Date): Promise<Schedule[]> {
  const out: Schedule[] = [];
  const filter = f.and(f.eq("statecode", STATECODE_ACTIVE), f.eq("vit_enabled", true), f.or(f.isNull("vit_nextrunon"), f.le("vit_nextrunon", now)));
  for await (const page of gateway.streamTable({ table: "vit_auditschedule", columns: COLUMNS, filter, orderBy: ["vit_nextrunon asc"] })) out.push(...page.rows.map(scheduleOf));
  return out;
}

/**
 * Updates the schedule only if it is still at the version `etag` names (never `If-Match: *`):
 * the new version, or null when someone changed the row meanwhile (412).
 */
async function update(gateway: DataverseGateway, s: Schedule, patch: Row, etag: string = etagOf(s.row)): Promise<string | null> {
  // A claim sent twice (retried after a dropped connection) finds its own first attempt: still ours.
  const out = await updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", s.id, patch, etag);
  return out.written ? out.etag : null;
}

async function readSchedule(gateway: DataverseGateway, id: string): Promise<Schedule | null> {
  const row = await gateway.retrieveRecord("vit_auditschedule", id, COLUMNS);
  return row ? scheduleOf({ ...row, vit_auditscheduleid: id }) : null;
}

/** Runs every due schedule once, one after another. */
export async function runDueSchedules(o: RunnerOptions): Promise<ScheduleOutcome[]> {
  const clock = o.clock ?? ((): Date => new Date());
  const log = o.log ?? ((): void => undefined);
  const outcomes: ScheduleOutcome[] = [];
  for (const s of await readSchedules(o.gateway, clock())) {
    const outcome = await runSchedule(o, s, clock);
    log(`${s.name}: ${outcome.status}${outcome.runId ? ` (run ${outcome.runId})` : ""} — ${outcome.message}${outcome.nextRunOn ? `; next run ${outcome.nextRunOn}` : ""}`);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function runSchedule(o: RunnerOptions, s: Schedule, clock: () => Date): Promise<ScheduleOutcome> {
  const now = clock();
  const base = { scheduleId: s.id, name: s.name };
  const problem = !s.scope ? `the scope ${JSON.stringify(str(s.row.vit_scope) ?? "")} is not a scope (JSON with "tables")` : cadenceProblem(s.cadence);
  if (problem) {
    const message = `not run: ${problem}; fix the schedule and it is picked up again`;
    if (s.due) await update(o.gateway, s, { vit_lastoutcome: message, vit_nextrunon: null });
    return { ...base, status: "invalid", nextRunOn: null, message };
  }
  if (!s.due) {
    const next = firstRun(s.cadence, now).toISOString();
    const ok = (await update(o.gateway, s, { vit_nextrunon: next })) !== null;
    return { ...base, status: ok ? "scheduled" : "taken", nextRunOn: next, message: ok ? "first run scheduled" : "changed by someone else meanwhile" };
  }
  const claimedUntil = str(s.row.vit_claimeduntil);
  if (claimedUntil && Date.parse(claimedUntil) > now.getTime()) return { ...base, status: "taken", message: `held by ${str(s.row.vit_claimedby) ?? "another runner"} until ${claimedUntil}` };
  const leaseEnd = new Date(now.getTime() + (o.leaseMs ?? DEFAULT_LEASE_MS)).toISOString();
  const claimed = await update(o.gateway, s, { vit_claimedby: o.runnerId.slice(0, 200), vit_claimeduntil: leaseEnd });
  if (claimed === null) return { ...base, status: "taken", message: "claimed by another runner first" };
  // A claim that ran out without being released: its runner died, so its audit may be resumable.
  const abandoned = str(s.row.vit_claimedby) !== null;
  const result = await auditFor(o, s, now, abandoned);
  return release(o, s, claimed, result, now, clock);
}

type Audited = { result: AuditResult } | { refused: string } | { error: string };

async function auditFor(o: RunnerOptions, s: Schedule, now: Date, resume: boolean): Promise<Audited> {
  const mode = s.row.vit_mode === SCHEDULE_MODE.full ? "full" : "incremental";
  try {
    const pack = await o.loadPack();
    const opts: AuditOptions = { ...o.audit, gateway: o.gateway, pack, scope: s.scope!, mode, now };
    if (resume) {
      try {
        return { result: await runAudit({ ...opts, resume: "latest" }) };
      } catch (err) {
        // Nothing to resume (or not with this pack): a new run. A busy scope is reported as such.
        if (err instanceof AuditBusyError) throw err;
      }
    }
    const split = (o.partitions ?? 1) > 1 && mode === "full";
    return { result: split ? await runPartitionedAudit({ ...opts, partitions: o.partitions!, workerId: o.runnerId, log: o.log }) : await runAudit(opts) };
  } catch (err) {
    if (err instanceof AuditBusyError) return { refused: err.message };
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

async function release(o: RunnerOptions, s: Schedule, claimed: string, a: Audited, startedAt: Date, clock: () => Date): Promise<ScheduleOutcome> {
  const base = { scheduleId: s.id, name: s.name };
  const patch: Row = { vit_claimedby: null, vit_claimeduntil: null };
  let out: ScheduleOutcome;
  if ("refused" in a) {
    // Stays due: the next pass tries again once the other audit is done.
    out = { ...base, status: "refused", nextRunOn: s.due!.toISOString(), message: a.refused };
  } else {
    const next = nextRun(s.cadence, s.due!, clock()).toISOString();
    patch.vit_nextrunon = next;
    patch.vit_lastrunon = startedAt.toISOString();
    if ("error" in a) out = { ...base, status: "failed", nextRunOn: next, message: `the audit failed: ${a.error}` };
    else {
      const r = a.result;
      patch[SCHEDULE_LAST_RUN_BIND] = `/vit_auditruns(${r.runId})`;
      let message = `${r.mode} audit ${r.status}${r.resumed ? " (resumed)" : ""}: ${r.recordsScanned} records scanned, ${r.recordsChanged} health rows written, ${r.requests} requests; score ${r.report.overall.average ?? "n/a"}`;
      const recipients = str(s.row.vit_digestrecipients);
      if (r.status === "completed" && recipients) message += `; digest: ${o.sendDigest ? await o.sendDigest(recipients, r).catch((err: unknown) => `not sent (${(err as Error).message})`) : "not sent (the runner has no mailbox to send from: --from)"}`;
      out = { ...base, status: r.status, runId: r.runId, nextRunOn: next, message };
    }
  }
  patch.vit_lastoutcome = out.message.slice(0, 4000);
  if ((await update(o.gateway, s, patch, claimed)) === null) await releaseEdited(o, s, patch, a, clock);
  return out;
}

/**
 * Someone edited the schedule while its audit ran (its cadence, or "run now"): their edit stands.
 * The claim is released and the outcome recorded on the row as it is now; a next run they set is
 * kept, else it is worked out from the cadence they left.
 */
async function releaseEdited(o: RunnerOptions, s: Schedule, patch: Row, a: Audited, clock: () => Date): Promise<void> {
  const fresh = await readSchedule(o.gateway, s.id);
  if (!fresh) return;
  const mine: Row = { ...patch };
  const theySetNextRun = str(fresh.row.vit_nextrunon) !== str(s.row.vit_nextrunon);
  if ("refused" in a || theySetNextRun) delete mine.vit_nextrunon;
  else if (!cadenceProblem(fresh.cadence)) mine.vit_nextrunon = nextRun(fresh.cadence, s.due!, clock()).toISOString();
  if ((await update(o.gateway, fresh, mine)) === null) throw new Error(`schedule ${s.name} was changed by someone else twice while releasing it; reload it and check its next run`);
}
