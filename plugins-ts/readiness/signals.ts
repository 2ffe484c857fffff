/**
 * The measurable readiness signals, read through the gateway in bulk. Each table is paged once with
 * the few columns needed (5,000 rows a page, counted here), so no FetchXML aggregate can hit its
 * 50,000-row limit; the audit's own figures come from the last completed run's stored aggregates.
 * Nothing here scores: score.ts turns these numbers into pillars.
 */
import type { AggregateReport } from "../audit/aggregates";
import { RUN_STATUS, WAIVER_STATUS } from "../audit/model";
import { loadAuditCadenceDays } from "../audit/settings";
import type { DataverseGateway, Filter, Row } from "../dataverse/gateway";
import { f } from "../dataverse/requests";
import type { RulePack } from "../engine/pack/types";
import { GAP_COLUMNS, GAP_TABLE } from "../graph/model";
import type { DatedEvent } from "./projection";

const DAY = 86_400_000;

/** Days of history the predictive scoring prerequisites are counted over (the longest training window the models offer). */
export const TRAINING_WINDOW_DAYS = 730;
/** An open opportunity counts as worked when it had an activity in this many days. */
export const OPPORTUNITY_ACTIVITY_DAYS = 14;
/** A contact has logged engagement when an activity regarding it was created or completed in this many days. */
export const CONTACT_ENGAGEMENT_DAYS = 180;
export const ACTIVE_USER_DAYS = 30;
export const TOUCHED_DAYS = 90;
/** Activity-capture results older than this are not used. */
export const CAPTURE_FRESH_DAYS = 14;

/** Columns the Dynamics 365 predictive scoring models and Copilot record summaries read, per table (active records). */
export const AI_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  account: ["industrycode", "address1_country", "revenue", "numberofemployees", "websiteurl"],
  contact: ["emailaddress1", "jobtitle", "_parentcustomerid_value", "telephone1"],
  lead: ["companyname", "emailaddress1", "jobtitle", "leadsourcecode", "budgetamount", "purchasetimeframe"],
  opportunity: ["estimatedvalue", "estimatedclosedate", "_parentaccountid_value", "_parentcontactid_value", "budgetamount", "purchasetimeframe"],
};

export const RECORD_TABLES = ["account", "contact", "lead", "opportunity"] as const;

export interface FillRate {
  table: string;
  column: string;
  filled: number;
  total: number;
}

export interface AuditSignals {
  runId: string;
  finishedOn: string;
  /** Average record score of the run (0–100). */
  averageScore: number | null;
  records: number;
  /** Uniqueness failures over records of the tables with duplicate rules. */
  duplicateFailures: number;
  duplicateRecords: number;
  /** Open-opportunity failures of the pack's stage exit criteria, days-in-stage and close-date rules (null when the pack has no such rule). */
  exitCriteriaFailed: number | null;
  stuck: number | null;
  pastClose: number | null;
}

export interface ReadinessSignals {
  measuredOn: string;
  /** Last completed audit, or null when none has completed. */
  audit: AuditSignals | null;
  fillRates: FillRate[];
  opportunities: { open: number; withRecentActivity: number };
  users: { enabled: number; active: number };
  records: { total: number; touched: number };
  governance: {
    cadenceDays: number;
    /** Completed runs in the last 90 days. */
    runsLast90: number;
    daysSinceLastRun: number | null;
    /**
     * Failed findings in the last completed audit and in the one before it of the same scope, and
     * the days between them; absent or null when there is no earlier audit to compare with.
     */
    findingsTrend?: { failedBefore: number; failedNow: number; daysBetween: number } | null;
    waiversApproved: number;
    waiversInDate: number;
    openRecords: number;
    ownedByDisabled: number;
  };
  contacts: { active: number; withEngagement: number };
  /**
   * The last activity-capture comparison with Outlook (vit_activitygap rows checked within
   * CAPTURE_FRESH_DAYS), or null when none ran (Microsoft Graph integration off).
   */
  capture?: { contacts: number; withGap: number; logged: number; unlogged: number; lastCheckedOn: string } | null;
  prerequisites: { windowDays: number; won: number; lost: number; qualified: number; disqualified: number };
  /**
   * The dated records behind the prerequisite counts and the audits' average scores, for the
   * projection (projection.ts); absent when not read.
   */
  history?: PrerequisiteHistory;
}

export interface PrerequisiteHistory {
  /** Closed opportunities and closed leads: created on (window date) and closed or last modified on (event date). */
  events: { won: DatedEvent[]; lost: DatedEvent[]; qualified: DatedEvent[]; disqualified: DatedEvent[] };
  /** The oldest createdon of each table's records (how far its history goes back), or null. */
  since: { opportunity: number | null; lead: number | null };
  /** Completed audits, oldest first: finish time, average record score, share of records flagged as likely duplicates. */
  audits: { date: number; average: number | null; duplicateShare: number | null }[];
}

/** Rule ids of a pack's rules with this table and check type. */
export function ruleIdsOf(pack: RulePack, table: string, checkType: string): string[] {
  return pack.rules.filter((r) => r.table === table && (r.check as { type?: string }).type === checkType).map((r) => r.id);
}

/** Audit signals from a stored run's report. */
export function auditSignalsFrom(report: AggregateReport, pack: RulePack, run: { runId: string; finishedOn: string }): AuditSignals {
  const failed = new Map(report.byRule.map((r) => [r.ruleId, r.failed]));
  const sumOf = (ids: string[]): number | null => (ids.length ? ids.reduce((s, id) => s + (failed.get(id) ?? 0), 0) : null);
  const uniqueness = pack.rules.filter((r) => r.dimension === "uniqueness");
  const dupTables = new Set(uniqueness.map((r) => r.table));
  return {
    runId: run.runId,
    finishedOn: run.finishedOn,
    averageScore: report.overall.average,
    records: report.overall.records,
    duplicateFailures: uniqueness.reduce((s, r) => s + (failed.get(r.id) ?? 0), 0),
    duplicateRecords: [...dupTables].reduce((s, t) => s + (report.byTable[t]?.records ?? 0), 0),
    exitCriteriaFailed: sumOf(ruleIdsOf(pack, "opportunity", "stageExitCriteria")),
    stuck: sumOf(ruleIdsOf(pack, "opportunity", "daysInStage")),
    pastClose: sumOf(ruleIdsOf(pack, "opportunity", "dateNotPast")),
  };
}

function str(v: unknown): string | null {
  return typeof v === "string" && v ? v : null;
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0;
}

function time(v: unknown): number | null {
  const s = str(v);
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

async function eachRow(gateway: DataverseGateway, table: string, columns: string[], visit: (r: Row) => void, filter?: Filter): Promise<void> {
  for await (const page of gateway.streamTable({ table, columns, filter })) for (const r of page.rows) visit(r);
}

/** The last completed audit run's report, or null. A run's finish time is its clock plus its duration, so it may lie just after `now`. */
async function lastAudit(
  gateway: DataverseGateway,
  pack: RulePack,
  now: Date,
): Promise<{ signals: AuditSignals | null; runsLast90: number; lastFinished: number | null; trend: { failedBefore: number; failedNow: number; daysBetween: number } | null; audits: PrerequisiteHistory["audits"] }> {
  const runs: { id: string; finished: number; aggregates: string | null; scope: string | null }[] = [];
  let runsLast90 = 0;
  await eachRow(
    gateway,
    "vit_auditrun",
    ["vit_finishedon", "vit_aggregates", "vit_scope"],
    (r) => {
      const finished = time(r.vit_finishedon);
      if (finished === null) return;
      if (finished >= now.getTime() - 90 * DAY) runsLast90++;
      runs.push({ id: String(r.vit_auditrunid), finished, aggregates: str(r.vit_aggregates), scope: str(r.vit_scope) });
    },
    f.eq("vit_status", RUN_STATUS.completed),
  );
  runs.sort((a, b) => b.finished - a.finished);
  const run = runs[0];
  if (!run) return { signals: null, runsLast90, lastFinished: null, trend: null, audits: [] };
  const reportOf = (r: { id: string; aggregates: string | null }): AggregateReport | undefined => {
    try {
      return r.aggregates ? (JSON.parse(r.aggregates) as { report?: AggregateReport }).report : undefined;
    } catch {
      throw new Error(`vit_auditrun ${r.id}: vit_aggregates is not valid JSON`);
    }
  };
  const report = reportOf(run);
  if (!report?.overall || !Array.isArray(report.byRule)) throw new Error(`vit_auditrun ${run.id}: vit_aggregates has no report (expected { report: { overall, byTable, byRule, … } })`);
  // The audit before it, of the same scope: how many findings were resolved (net) since.
  const before = runs.slice(1).find((r) => r.scope === run.scope);
  const beforeReport = before ? reportOf(before) : undefined;
  const trend =
    before && beforeReport?.overall
      ? { failedBefore: beforeReport.overall.failed, failedNow: report.overall.failed, daysBetween: Math.max(1, Math.round((run.finished - before.finished) / DAY)) }
      : null;
  const audits = runs
    .filter((r) => r.finished <= now.getTime() + DAY)
    .map((r) => {
      const rep = reportOf(r);
      const sig = rep?.overall && Array.isArray(rep.byRule) ? auditSignalsFrom(rep, pack, { runId: r.id, finishedOn: "" }) : null;
      return { date: r.finished, average: sig?.averageScore ?? null, duplicateShare: sig && sig.duplicateRecords > 0 ? sig.duplicateFailures / sig.duplicateRecords : null };
    })
    .reverse();
  return { signals: auditSignalsFrom(report, pack, { runId: run.id, finishedOn: new Date(run.finished).toISOString() }), runsLast90, lastFinished: run.finished, trend, audits };
}

/** Reads every readiness signal of the organisation as seen by the gateway's user. */
export async function readSignals(gateway: DataverseGateway, opts: { pack: RulePack; now: Date }): Promise<ReadinessSignals> {
  const now = opts.now.getTime();
  const recordColumns = ["statecode", "createdon", "modifiedon", "_ownerid_value", "_createdby_value", "_modifiedby_value"];
  await gateway.checkColumns({
    ...Object.fromEntries(RECORD_TABLES.map((t) => [t, [...recordColumns, ...AI_COLUMNS[t]]])),
    opportunity: [...recordColumns, ...AI_COLUMNS.opportunity, "actualclosedate"],
    activitypointer: [...recordColumns, "actualend", "_regardingobjectid_value"],
    systemuser: ["isdisabled"],
  });

  const users = new Map<string, boolean>();
  await eachRow(gateway, "systemuser", ["isdisabled"], (r) => users.set(String(r.systemuserid).toLowerCase(), r.isdisabled === true));
  const disabled = new Set([...users].filter(([, d]) => d).map(([id]) => id));
  const activeUsers = new Set<string>();
  const creditUser = (r: Row, since: number): void => {
    const modified = time(r.modifiedon);
    if (modified === null || modified < since) return;
    // Whoever last changed the record; rows without the audit columns credit the owner.
    const who = str(r._modifiedby_value) ?? str(r._createdby_value) ?? str(r._ownerid_value);
    if (who) activeUsers.add(who.toLowerCase());
  };

  const fill = new Map<string, FillRate>();
  const openOpportunities = new Set<string>();
  const activeContacts = new Set<string>();
  let total = 0;
  let touched = 0;
  let openRecords = 0;
  let ownedByDisabled = 0;
  const windowStart = now - TRAINING_WINDOW_DAYS * DAY;
  const prerequisites = { windowDays: TRAINING_WINDOW_DAYS, won: 0, lost: 0, qualified: 0, disqualified: 0 };
  const events: PrerequisiteHistory["events"] = { won: [], lost: [], qualified: [], disqualified: [] };
  const since: PrerequisiteHistory["since"] = { opportunity: null, lead: null };

  for (const table of RECORD_TABLES) {
    const columns = [...recordColumns, ...AI_COLUMNS[table], ...(table === "opportunity" ? ["actualclosedate"] : [])];
    await eachRow(gateway, table, columns, (r) => {
      total++;
      const modified = time(r.modifiedon);
      if (modified !== null && modified >= now - TOUCHED_DAYS * DAY) touched++;
      creditUser(r, now - ACTIVE_USER_DAYS * DAY);
      const state = r.statecode;
      const created = time(r.createdon);
      if (created !== null && (table === "opportunity" || table === "lead")) {
        since[table] = Math.min(since[table] ?? created, created);
        collectEvent(events, table, state, created, r);
      }
      if (state === 0) {
        openRecords++;
        const owner = str(r._ownerid_value)?.toLowerCase();
        if (owner && disabled.has(owner)) ownedByDisabled++;
        for (const column of AI_COLUMNS[table]) {
          const key = `${table}.${column}`;
          const fr = fill.get(key) ?? { table, column, filled: 0, total: 0 };
          fr.total++;
          const v = r[column];
          if (v !== null && v !== undefined && v !== "") fr.filled++;
          fill.set(key, fr);
        }
        const id = String(r[`${table}id`]).toLowerCase();
        if (table === "opportunity") openOpportunities.add(id);
        if (table === "contact") activeContacts.add(id);
      }
      if (created === null || created < windowStart) return;
      if (table === "opportunity" && (state === 1 || state === 2)) {
        const closed = time(r.actualclosedate) ?? time(r.modifiedon);
        if (closed !== null && closed >= windowStart && closed <= now) {
          if (state === 1) prerequisites.won++;
          else prerequisites.lost++;
        }
      }
      if (table === "lead") {
        if (state === 1) prerequisites.qualified++;
        else if (state === 2) prerequisites.disqualified++;
      }
    });
  }

  const workedOpportunities = new Set<string>();
  const engagedContacts = new Set<string>();
  const engagementSince = now - CONTACT_ENGAGEMENT_DAYS * DAY;
  await eachRow(
    gateway,
    "activitypointer",
    [...recordColumns, "actualend", "_regardingobjectid_value"],
    (r) => {
      creditUser(r, now - ACTIVE_USER_DAYS * DAY);
      const regarding = str(r._regardingobjectid_value)?.toLowerCase();
      if (!regarding) return;
      const last = Math.max(time(r.createdon) ?? 0, time(r.actualend) ?? 0);
      if (last > now) return;
      if (last >= now - OPPORTUNITY_ACTIVITY_DAYS * DAY && openOpportunities.has(regarding)) workedOpportunities.add(regarding);
      if (last >= engagementSince && activeContacts.has(regarding)) engagedContacts.add(regarding);
    },
    f.ge("modifiedon", new Date(engagementSince)),
  );

  let waiversApproved = 0;
  let waiversInDate = 0;
  await eachRow(
    gateway,
    "vit_waiver",
    ["vit_expireson"],
    (r) => {
      waiversApproved++;
      const expires = time(r.vit_expireson);
      if (expires === null || expires >= now) waiversInDate++;
    },
    f.and(f.eq("statecode", 0), f.eq("vit_waiverstatus", WAIVER_STATUS.approved)),
  );

  let capture: ReadinessSignals["capture"] = null;
  await eachRow(
    gateway,
    GAP_TABLE,
    [GAP_COLUMNS.unloggedEmails, GAP_COLUMNS.unloggedMeetings, GAP_COLUMNS.loggedEmails, GAP_COLUMNS.loggedMeetings, GAP_COLUMNS.checkedOn],
    (r) => {
      const unlogged = num(r[GAP_COLUMNS.unloggedEmails]) + num(r[GAP_COLUMNS.unloggedMeetings]);
      const logged = num(r[GAP_COLUMNS.loggedEmails]) + num(r[GAP_COLUMNS.loggedMeetings]);
      const checked = str(r[GAP_COLUMNS.checkedOn]) ?? "";
      capture ??= { contacts: 0, withGap: 0, logged: 0, unlogged: 0, lastCheckedOn: checked };
      capture.contacts++;
      if (unlogged > 0) capture.withGap++;
      capture.logged += logged;
      capture.unlogged += unlogged;
      if (checked > capture.lastCheckedOn) capture.lastCheckedOn = checked;
    },
    f.and(f.eq("statecode", 0), f.ge(GAP_COLUMNS.checkedOn, new Date(now - CAPTURE_FRESH_DAYS * DAY))),
  );

  const audit = await lastAudit(gateway, opts.pack, opts.now);
  const enabled = [...users.values()].filter((d) => !d).length;
  return {
    measuredOn: opts.now.toISOString(),
    audit: audit.signals,
    fillRates: [...fill.values()],
    opportunities: { open: openOpportunities.size, withRecentActivity: workedOpportunities.size },
    users: { enabled, active: [...activeUsers].filter((u) => users.get(u) === false).length },
    records: { total, touched },
    governance: {
      cadenceDays: await loadAuditCadenceDays(gateway),
      runsLast90: audit.runsLast90,
      daysSinceLastRun: audit.lastFinished === null ? null : Math.max(0, Math.floor((now - audit.lastFinished) / DAY)),
      findingsTrend: audit.trend,
      waiversApproved,
      waiversInDate,
      openRecords,
      ownedByDisabled,
    },
    contacts: { active: activeContacts.size, withEngagement: engagedContacts.size },
    capture,
    prerequisites,
    history: { events, since, audits: audit.audits },
  };
}

/** A closed opportunity or lead as a dated event (every one, not only those in today's window: the projection slides the window). */
function collectEvent(events: PrerequisiteHistory["events"], table: "opportunity" | "lead", state: unknown, created: number, r: Row): void {
  const closed = table === "opportunity" ? (time(r.actualclosedate) ?? time(r.modifiedon)) : time(r.modifiedon);
  if (closed === null) return;
  const e = { windowDate: created, eventDate: Math.max(created, closed) };
  if (table === "opportunity" && state === 1) events.won.push(e);
  else if (table === "opportunity" && state === 2) events.lost.push(e);
  else if (table === "lead" && state === 1) events.qualified.push(e);
  else if (table === "lead" && state === 2) events.disqualified.push(e);
}
