/**
 * The demo organisation's past: what its records looked like at each monthly audit date before
 * "now". `planDemoHistory(org, seed, { months })` rewinds the generated organisation (which is the
 * state at "now") deterministically:
 *
 *   - a record, activity or process instance created after a date did not exist then;
 *   - an activity completed after a date was still open then; an opportunity closed after a date
 *     was still open; a stage entered after a date had not been entered yet;
 *   - some records that are correct today were fixed during the history: before their last
 *     modification they had a defect (a malformed or missing email, a placeholder or missing phone,
 *     an all-caps name, a missing job title or website) — `fixes` lists each one;
 *   - a record modified after a date had, at that date, last been modified a few weeks earlier.
 *
 * Staleness follows from the clock: an audit at an earlier date sees the activities as they were.
 * `stateAt(i)` gives every table at `dates[i]`; `dates` ascend and end at "now", whose state is the
 * generated organisation itself. The replay (historyReplay.ts) loads the first state, then moves
 * the emulator forward date by date and runs the real audit at each. Same organisation and seed →
 * the same plan. Only this file and historyReplay.ts know about history; `startEmulator({ history })`
 * is the hook.
 */
import { nowIso, type Row } from "../emulator/store";
import type { DemoOrg } from "./generate";
import { Rng } from "./rng";
import { str } from "../emulator/values";

export interface HistoryOptions {
  /** Monthly audits before today's (default 6): the history has months + 1 audits, the last at "now". */
  months?: number;
}

export interface HistoryFix {
  table: string;
  id: string;
  column: string;
  /** The defective value before the fix (null = empty). */
  before: string | null;
  after: string | null;
  /** When it was fixed (the record's modifiedon). */
  on: string;
}

export interface HistoryPlan {
  seed: number;
  /** Audit dates, ascending, monthly; the last is the organisation's "now". */
  dates: Date[];
  fixes: HistoryFix[];
  /** Every table as it stood at dates[i] (rows are fresh copies). */
  stateAt(i: number): Record<string, Row[]>;
}

const DAY = 86_400_000;
const RECORD_TABLES = ["account", "contact", "lead", "opportunity"] as const;
const ACTIVITY_TABLES = ["email", "task", "phonecall", "appointment"] as const;
const BPF_TABLES = ["opportunitysalesprocess", "leadtoopportunitysalesprocess"] as const;
/** Share of eligible records (last modified inside the history, no defect today) that were fixed during it. */
const FIX_SHARE = 0.35;

/** The same day of the month `back` months earlier (clamped to the month's last day), same time. */
export function monthsBefore(now: Date, back: number): Date {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() - back;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(now.getUTCDate(), last), now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds()));
}

const ms = (v: unknown): number => (typeof v === "string" ? Date.parse(v) : NaN);
/** ISO-8601 without milliseconds, as the Web API returns date/time columns. */
const iso = (t: number): string => nowIso(new Date(t));

/** What a fix changed, by table: the column, and the defective value it had before (from the correct one). */
type Breaker = { column: string; applies: (row: Row) => boolean; before: (row: Row, r: Rng) => string | null };
const BREAKERS: Record<string, Breaker[]> = {
  contact: [
    { column: "emailaddress1", applies: (x) => typeof x.emailaddress1 === "string", before: (x) => String(x.emailaddress1).replace("@", "@@") },
    { column: "emailaddress1", applies: (x) => typeof x.emailaddress1 === "string", before: () => null },
    { column: "lastname", applies: (x) => typeof x.lastname === "string", before: (x) => String(x.lastname).toUpperCase() },
    { column: "jobtitle", applies: (x) => typeof x.jobtitle === "string", before: () => null },
    { column: "telephone1", applies: (x) => typeof x.telephone1 === "string", before: (_, r) => r.pick(["n/a", "000-000-0000", "123"]) },
  ],
  account: [
    { column: "websiteurl", applies: (x) => typeof x.websiteurl === "string", before: () => null },
    { column: "telephone1", applies: (x) => typeof x.telephone1 === "string", before: () => null },
    { column: "emailaddress1", applies: (x) => typeof x.emailaddress1 === "string", before: (x) => String(x.emailaddress1).replace("@", " at ") },
  ],
  lead: [
    { column: "emailaddress1", applies: (x) => typeof x.emailaddress1 === "string", before: (x) => String(x.emailaddress1).replace("@", "@@") },
    { column: "lastname", applies: (x) => typeof x.lastname === "string", before: (x) => String(x.lastname).toUpperCase() },
    { column: "telephone1", applies: (x) => typeof x.telephone1 === "string", before: () => "tel: ask reception" },
  ],
};

export function planDemoHistory(org: DemoOrg, seed: number, opts: HistoryOptions = {}): HistoryPlan {
  const months = opts.months ?? 6;
  if (!Number.isInteger(months) || months < 1 || months > 24) throw new Error(`history months must be a whole number between 1 and 24, got ${String(months)}`);
  const now = new Date(org.groundTruth.now);
  const dates = Array.from({ length: months + 1 }, (_, i) => monthsBefore(now, months - i));
  const start = dates[0].getTime();
  const r = new Rng(seed, "history");
  /** Days before a date at which a record modified later had last been modified (per row, fixed). */
  const lag = new Map<string, number>();
  const fixes: HistoryFix[] = [];
  const fixesOf = new Map<string, HistoryFix[]>();
  const defective = new Set(org.groundTruth.defects.map((d) => `${d.table}:${d.id}`));

  for (const table of RECORD_TABLES) {
    for (const row of org.tables[table] ?? []) {
      const id = String(row[`${table}id`]);
      lag.set(id, r.int(3, 40));
      const modified = ms(row.modifiedon);
      const breakers = BREAKERS[table];
      if (!breakers || !(modified > start) || defective.has(`${table}:${id}`) || !r.chance(FIX_SHARE)) continue;
      const options = breakers.filter((b) => b.applies(row));
      if (!options.length) continue;
      const b = r.pick(options);
      const fix: HistoryFix = { table, id, column: b.column, before: b.before(row, r), after: (row[b.column] as string | null) ?? null, on: iso(modified) };
      fixes.push(fix);
      fixesOf.set(id, [fix]);
    }
  }
  for (const table of [...ACTIVITY_TABLES, ...BPF_TABLES]) for (const row of org.tables[table] ?? []) lag.set(idOf(table, row), r.int(1, 20));

  const activityCreated = new Map<string, number>();
  for (const table of ACTIVITY_TABLES) for (const row of org.tables[table] ?? []) activityCreated.set(String(row.activityid), ms(row.createdon));

  const stateAt = (i: number): Record<string, Row[]> => {
    const at = dates[i].getTime();
    const out: Record<string, Row[]> = {};
    for (const [table, rows] of Object.entries(org.tables)) {
      out[table] = [];
      for (const row of rows) {
        const then = rowAt(table, row, at, lag.get(idOf(table, row)) ?? 0, fixesOf, activityCreated);
        if (then) out[table].push(then);
      }
    }
    return out;
  };
  return { seed, dates, fixes, stateAt };
}

function idOf(table: string, row: Row): string {
  if ((ACTIVITY_TABLES as readonly string[]).includes(table)) return String(row.activityid);
  if ((BPF_TABLES as readonly string[]).includes(table)) return String(row.businessprocessflowinstanceid);
  return str(row[`${table}id`]);
}

/** A row as it was at `at` (a copy), or null when it did not exist yet. */
function rowAt(table: string, row: Row, at: number, lagDays: number, fixesOf: Map<string, HistoryFix[]>, activityCreated: Map<string, number>): Row | null {
  const created = ms(row.createdon);
  if (table === "activityparty") {
    const activity = activityCreated.get(String(row._activityid_value));
    return activity !== undefined && activity > at ? null : { ...row };
  }
  if (!Number.isNaN(created) && created > at) return null;
  const copy: Row = { ...row };
  delete copy.versionnumber;
  const modified = ms(row.modifiedon);
  if (!(modified > at)) return copy;
  // modified later: at `at` it had last been modified some days earlier (never before it was created)
  copy.modifiedon = iso(Math.max(Number.isNaN(created) ? -Infinity : created, at - lagDays * DAY));
  if ((RECORD_TABLES as readonly string[]).includes(table)) {
    for (const fx of fixesOf.get(String(row[`${table}id`])) ?? []) copy[fx.column] = fx.before;
    if (table === "opportunity" && row.statecode !== 0 && ms(row.actualclosedate) > at - DAY) {
      Object.assign(copy, { statecode: 0, statuscode: 1, actualclosedate: null, actualvalue: null });
    }
  } else if ((ACTIVITY_TABLES as readonly string[]).includes(table)) {
    if (ms(row.actualend) > at) Object.assign(copy, { statecode: 0, statuscode: table === "task" ? 2 : 1, actualstart: null, actualend: null, ...(table === "task" ? { percentcomplete: 0 } : {}) });
  } else if ((BPF_TABLES as readonly string[]).includes(table)) {
    if (ms(row.activestagestartedon) > at) copy.activestagestartedon = copy.modifiedon;
    if (ms(row.completedon) > at) Object.assign(copy, { completedon: null, statecode: 0, statuscode: 1 });
  }
  return copy;
}
