/**
 * The Governance Center's audit schedules (`vit_auditschedule`): list them, add one, and "run
 * now". The runner (`vitals runner`, a scheduled container job) does the running; this page only
 * says when. A new schedule is given its first run here, from its cadence; "run now" sets the next
 * run to now, so the runner's next pass (every few minutes) takes it.
 *
 * Failure modes: a schedule without tables, without a name or with a cadence that cannot be used
 * is refused with the reason (nothing is written); "run now" on a schedule someone changed since
 * the page loaded it (If-Match on the version shown, 412) says so and asks for a reload; other
 * write errors from Dataverse propagate.
 */
import { etagOf, type DataverseGateway, type Row } from "../../dataverse/gateway";
import { updateIfUnchanged } from "../../dataverse/ownwrite";
import { cadenceProblem, firstRun, type Cadence } from "../../audit/cadence";
import { SCHEDULE_MODE, str } from "../../audit/model";
import { parseScopeKey, scopeKey } from "../../audit/scope";

export interface ScheduleRow {
  id: string;
  name: string;
  tables: string[];
  mode: "full" | "incremental";
  cadence: Cadence;
  enabled: boolean;
  nextRunOn: string | null;
  lastRunOn: string | null;
  lastOutcome: string | null;
  recipients: string | null;
  /** The version the page loaded (If-Match of "run now"). */
  etag: string;
}

export interface ScheduleDraft {
  name: string;
  tables: string[];
  mode: "full" | "incremental";
  cadence: Cadence;
  recipients: string;
}

export interface ScheduleSource {
  list(): Promise<ScheduleRow[]>;
  /** Creates the schedule with its first run; throws with the reason when the draft cannot be used. */
  add(draft: ScheduleDraft): Promise<void>;
  runNow(row: ScheduleRow): Promise<void>;
  /** The clock the page shows next runs against. */
  now(): Date;
}

const COLUMNS = ["vit_name", "vit_scope", "vit_mode", "vit_cron", "vit_everydays", "vit_timeofday", "vit_timezone", "vit_enabled", "vit_nextrunon", "vit_lastrunon", "vit_lastoutcome", "vit_digestrecipients", "versionnumber"];

function rowOf(r: Row): ScheduleRow {
  const id = String(r.vit_auditscheduleid);
  return {
    id,
    name: str(r.vit_name) ?? id,
    tables: parseScopeKey(r.vit_scope)?.tables ?? [],
    mode: r.vit_mode === SCHEDULE_MODE.full ? "full" : "incremental",
    cadence: { cron: str(r.vit_cron), everyDays: typeof r.vit_everydays === "number" ? r.vit_everydays : null, timeOfDay: str(r.vit_timeofday), timeZone: str(r.vit_timezone) },
    enabled: r.vit_enabled === true,
    nextRunOn: str(r.vit_nextrunon),
    lastRunOn: str(r.vit_lastrunon),
    lastOutcome: str(r.vit_lastoutcome),
    recipients: str(r.vit_digestrecipients),
    etag: etagOf(r),
  };
}

/** Why a draft cannot be saved, or null. */
export function draftProblem(d: ScheduleDraft): string | null {
  if (!d.name.trim()) return "Give the schedule a name.";
  if (d.tables.length === 0) return "Choose at least one table to audit.";
  const p = cadenceProblem(d.cadence);
  return p ? `The cadence cannot be used: ${p}.` : null;
}

export function createScheduleSource(gateway: DataverseGateway, now: () => Date = () => new Date()): ScheduleSource {
  return {
    now,
    async list() {
      const out: ScheduleRow[] = [];
      for await (const page of gateway.streamTable({ table: "vit_auditschedule", columns: COLUMNS, orderBy: ["vit_name asc"] })) out.push(...page.rows.map(rowOf));
      return out;
    },
    async add(d) {
      const problem = draftProblem(d);
      if (problem) throw new Error(problem);
      const c = d.cadence;
      const [res] = await gateway.createMany("vit_auditschedule", [
        {
          vit_name: d.name.trim().slice(0, 200),
          vit_scope: scopeKey({ tables: d.tables }),
          vit_mode: SCHEDULE_MODE[d.mode],
          vit_cron: c.cron?.trim() || null,
          vit_everydays: c.cron?.trim() ? null : (c.everyDays ?? null),
          vit_timeofday: c.cron?.trim() ? null : c.timeOfDay?.trim() || null,
          vit_timezone: c.timeZone?.trim() || null,
          vit_enabled: true,
          vit_nextrunon: firstRun(c, now()).toISOString(),
          vit_digestrecipients: d.recipients.trim() || null,
        },
      ]);
      if (res && !res.ok) throw res.error;
    },
    async runNow(row) {
      const out = await updateIfUnchanged(gateway, "vit_auditschedule", "vit_auditscheduleid", row.id, { vit_nextrunon: now().toISOString(), vit_enabled: true }, row.etag);
      if (!out.written) throw new Error(`"${row.name}" was changed by someone else since you loaded it (a runner may have just taken it) — reload to see it as it is now.`);
    },
  };
}
