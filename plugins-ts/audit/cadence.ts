/**
 * When an audit schedule is next due. A cadence is either a five-field cron expression (minute hour
 * day-of-month month day-of-week) or "every N days at HH:MM", both in an IANA time zone (UTC when
 * none is given), so "06:00 in Amsterdam" stays 06:00 across daylight-saving changes. Cron
 * expressions are evaluated by croner (https://github.com/hexagon/croner).
 *
 * Pure: no clock of its own (callers pass "due" and "now"); runs in Node and in the browser (the
 * Governance Center shows the next run while a schedule is edited).
 *
 * Failure modes: `cadenceProblem` names what is wrong with a cadence (bad cron field, unknown time
 * zone, a time of day that is not HH:MM, N outside 1..366); `nextRun` throws the same message.
 */
import { Cron } from "croner";

export interface Cadence {
  /** Five-field cron expression; replaces everyDays/timeOfDay when set. */
  cron?: string | null;
  everyDays?: number | null;
  /** HH:MM, 24-hour. */
  timeOfDay?: string | null;
  /** IANA time zone; UTC when empty. */
  timeZone?: string | null;
}

const DAY_MS = 86_400_000;
const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

function zoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return null;
  } catch {
    return `time zone "${zone}" is not an IANA time zone (e.g. Europe/Amsterdam, America/New_York, UTC)`;
  }
}

function cronOf(c: Cadence): Cron {
  const zone = c.timeZone?.trim() || "UTC";
  const zp = zoneProblem(zone);
  if (zp) throw new Error(zp);
  if (c.cron?.trim()) {
    const expr = c.cron.trim();
    if (expr.split(/\s+/).length !== 5) throw new Error(`cron expression "${expr}" must have five fields: minute hour day-of-month month day-of-week`);
    try {
      return new Cron(expr, { timezone: zone, mode: "5-part" });
    } catch (err) {
      throw new Error(`cron expression "${expr}": ${(err as Error).message.replace(/^CronPattern: /, "")}`);
    }
  }
  const n = c.everyDays;
  if (n == null) throw new Error("the cadence needs a cron expression or every N days");
  if (!Number.isInteger(n) || n < 1 || n > 366) throw new Error(`every N days: ${String(n)} must be a whole number from 1 to 366`);
  const time = (c.timeOfDay?.trim() || "00:00").match(HHMM);
  if (!time) throw new Error(`time of day "${c.timeOfDay ?? ""}" must be HH:MM (24-hour), e.g. 06:30`);
  return new Cron(`${Number(time[2])} ${Number(time[1])} * * *`, { timezone: zone, mode: "5-part" });
}

/** What is wrong with a cadence, in words; null when it is usable. */
export function cadenceProblem(c: Cadence): string | null {
  try {
    cronOf(c);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The next time the schedule is due after a run that was due at `due`, never at or before `now`
 * (a runner that was down does not run a schedule several times to catch up). Every N days counts
 * from `due`: the first HH:MM at least N−1 days after it, then on in steps of N days.
 */
export function nextRun(c: Cadence, due: Date, now: Date): Date {
  const cron = cronOf(c);
  const after = (d: Date): Date => {
    const next = cron.nextRun(d);
    if (!next) throw new Error("the cadence has no future run");
    return next;
  };
  if (c.cron?.trim()) return after(new Date(Math.max(due.getTime(), now.getTime())));
  const n = c.everyDays ?? 1;
  let next = after(new Date(due.getTime() + (n - 1) * DAY_MS));
  while (next.getTime() <= now.getTime()) next = after(new Date(next.getTime() + (n - 1) * DAY_MS));
  return next;
}

/** When a new schedule is first due: the cadence's first time after `now`. */
export function firstRun(c: Cadence, now: Date): Date {
  const cron = cronOf(c);
  const next = cron.nextRun(now);
  if (!next) throw new Error("the cadence has no future run");
  return next;
}
