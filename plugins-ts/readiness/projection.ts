/**
 * When the organisation becomes eligible for a Dynamics 365 AI feature: today's count against the
 * documented prerequisite, the count at every past audit date, and a projection at the last 90
 * days' rate. Pure (no I/O, no clock): callers hand in the dated events and the audit dates.
 *
 * A count is of events in a sliding window (730 days for the predictive scoring models): at day t
 * it counts events whose window date (the record's creation) lies in [t − window, t] and whose
 * event date (closing, qualifying) is ≤ t. Going forward, events arrive at the rate of the last
 * RATE_DAYS days, and those already counted leave as their window date drops out of the window —
 * that part is known exactly from today's data, so the projection states both.
 *
 * With less than RATE_DAYS of history (the oldest record is younger) the projection says so and
 * gives no date. Audit-based floors (the average record score) are projected by a least-squares
 * line over the audits of the last 90 days, and only when at least MIN_AUDITS audits span
 * MIN_AUDIT_SPAN_DAYS.
 */
const DAY = 86_400_000;

export const RATE_DAYS = 90;
/** The projection looks this far ahead; beyond it, it reports the rate needed instead of a date. */
export const HORIZON_DAYS = 365;
export const MIN_AUDITS = 3;
export const MIN_AUDIT_SPAN_DAYS = 30;

export interface DatedEvent {
  /** The record's creation (decides whether it is in the window). */
  windowDate: number;
  /** When it counted (closed, qualified); ≥ windowDate. */
  eventDate: number;
}

export interface CountSeries {
  label: string;
  needed: number;
  events: readonly DatedEvent[];
}

export interface TrendPoint {
  date: string;
  value: number;
}

export type ProjectionStatus = "eligible" | "eligibleIn" | "notAtThisRate" | "tooLittleHistory";

export interface SeriesProjection {
  label: string;
  needed: number;
  today: number;
  /** Events counted per 30 days over the last RATE_DAYS days. */
  ratePer30: number;
  /** Counted today but leaving the window within HORIZON_DAYS. */
  leavingWithinHorizon: number;
  /** Days until the count reaches `needed` at this rate (0 = already), or null. */
  days: number | null;
  /** Per 30 days needed to reach `needed` within HORIZON_DAYS, when the current rate does not. */
  ratePer30Needed: number | null;
  trend: TrendPoint[];
  /** Projected counts, today then every 30 days up to the eligibility day or the horizon. */
  projected: TrendPoint[];
}

export interface FeatureProjection {
  feature: string;
  requirement: string;
  windowDays: number;
  status: ProjectionStatus;
  /** Days until eligible (every series), or null. */
  days: number | null;
  series: SeriesProjection[];
  /** What the projection rests on, in words. */
  inputs: string;
  /** The status in one sentence. */
  text: string;
}

const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** Events counted at day t. */
export function countAt(events: readonly DatedEvent[], t: number, windowDays: number): number {
  const start = t - windowDays * DAY;
  let n = 0;
  for (const e of events) if (e.windowDate >= start && e.windowDate <= t && e.eventDate >= start && e.eventDate <= t) n++;
  return n;
}

/** The projected count d days after `now`: today's count, plus arrivals at the rate, minus those whose window date drops out. */
function projectedCount(events: readonly DatedEvent[], now: number, windowDays: number, perDay: number, d: number): number {
  const start = now - windowDays * DAY;
  let leaving = 0;
  for (const e of events) if (e.eventDate <= now && e.windowDate >= start && e.windowDate < start + d * DAY) leaving++;
  return countAt(events, now, windowDays) + perDay * d - leaving;
}

function projectSeries(s: CountSeries, now: number, windowDays: number, auditDates: readonly number[], historyOk: boolean): SeriesProjection {
  const today = countAt(s.events, now, windowDays);
  const arrived = s.events.filter((e) => e.eventDate > now - RATE_DAYS * DAY && e.eventDate <= now && e.windowDate >= now - windowDays * DAY).length;
  const perDay = arrived / RATE_DAYS;
  const days0 = [...new Set([...auditDates.filter((t) => t <= now), now].map(isoDay))].sort();
  const trend = days0.map((d) => ({ date: d, value: countAt(s.events, d === isoDay(now) ? now : Date.parse(`${d}T23:59:59.999Z`), windowDays) }));
  const leavingWithinHorizon = Math.round(perDay * HORIZON_DAYS + today - projectedCount(s.events, now, windowDays, perDay, HORIZON_DAYS));
  let days: number | null = null;
  if (today >= s.needed) days = 0;
  else if (historyOk) {
    for (let d = 1; d <= HORIZON_DAYS; d++) {
      if (projectedCount(s.events, now, windowDays, perDay, d) >= s.needed) {
        days = d;
        break;
      }
    }
  }
  const ratePer30Needed = days === null && historyOk ? Math.ceil(((s.needed - today + leavingWithinHorizon) / HORIZON_DAYS) * 30) : null;
  const end = days ?? HORIZON_DAYS;
  const projected: TrendPoint[] = [];
  if (historyOk && days !== 0) {
    for (let d = 0; d < end; d += 30) projected.push({ date: isoDay(now + d * DAY), value: Math.round(projectedCount(s.events, now, windowDays, perDay, d) * 10) / 10 });
    projected.push({ date: isoDay(now + end * DAY), value: Math.round(projectedCount(s.events, now, windowDays, perDay, end) * 10) / 10 });
  }
  return { label: s.label, needed: s.needed, today, ratePer30: Math.round(perDay * 300) / 10, leavingWithinHorizon, days, ratePer30Needed, trend, projected };
}

/** How many more a month than now the count needs (one decimal, at least 0.1). */
export function moreNeeded(s: Pick<SeriesProjection, "ratePer30" | "ratePer30Needed">): number {
  return Math.max(0.1, Math.round(((s.ratePer30Needed ?? 0) - s.ratePer30) * 10) / 10);
}

export interface FeatureInput {
  feature: string;
  requirement: string;
  windowDays: number;
  series: CountSeries[];
  /** The oldest window date of the table's records (how far history goes back), or null when there are none. */
  historyStart: number | null;
}

/** The projection of one feature's prerequisite. */
export function projectFeature(input: FeatureInput, now: Date, auditDates: readonly number[]): FeatureProjection {
  const t = now.getTime();
  const historyDays = input.historyStart === null ? 0 : Math.floor((t - input.historyStart) / DAY);
  const historyOk = historyDays >= RATE_DAYS;
  const series = input.series.map((s) => projectSeries(s, t, input.windowDays, auditDates, historyOk));
  const counts = series.map((s) => `${s.today} ${s.label} (needs ${s.needed}; ${s.ratePer30} per 30 days lately)`).join(", ");
  const inputs = `${counts}; in the last ${input.windowDays} days; rate over the last ${RATE_DAYS} days; records go back ${historyDays} days`;
  const base = { feature: input.feature, requirement: input.requirement, windowDays: input.windowDays, series, inputs };
  const plain = series.map((s) => `${s.today} ${s.label}`).join(", ");
  if (series.every((s) => s.days === 0)) return { ...base, status: "eligible", days: 0, text: `${input.feature}: eligible now (${plain}).` };
  if (!historyOk) {
    return { ...base, status: "tooLittleHistory", days: null, text: `${input.feature}: not eligible yet, and too little history to project (records go back ${historyDays} days; a rate needs ${RATE_DAYS}).` };
  }
  if (series.every((s) => s.days !== null)) {
    const days = Math.max(...series.map((s) => s.days!));
    return { ...base, status: "eligibleIn", days, text: `${input.feature}: eligible in about ${days} days at the last ${RATE_DAYS} days' rate.` };
  }
  const short = series.filter((s) => s.days === null).map((s) => `${moreNeeded(s)} more ${s.label} per month (${s.ratePer30Needed} instead of ${s.ratePer30})`);
  return { ...base, status: "notAtThisRate", days: null, text: `${input.feature}: not at this rate — needs about ${short.join(" and ")} to be eligible within ${HORIZON_DAYS} days.` };
}

export interface FloorInput {
  label: string;
  /** The floor, e.g. 70 for the average record score. */
  floor: number;
  /** "atLeast" (a score must reach it) or "atMost" (a share must fall to it); default atLeast. */
  direction?: "atLeast" | "atMost";
  /** Audit values, oldest first. */
  points: readonly { date: number; value: number }[];
}

export interface FloorProjection {
  label: string;
  floor: number;
  today: number | null;
  status: ProjectionStatus;
  /** Change per 30 days of the least-squares line over the last 90 days' audits, or null. */
  slopePer30: number | null;
  days: number | null;
  trend: TrendPoint[];
  projected: TrendPoint[];
  inputs: string;
  text: string;
}

/** Least-squares slope (per day) of values over time. */
function fitSlope(points: readonly { date: number; value: number }[], t: number): number {
  const xs = points.map((p) => (p.date - t) / DAY);
  const ys = points.map((p) => p.value);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / sxx;
}

/** A data-quality floor over audit history: met now, reached in about N days on the line, or not at this rate. */
export function projectFloor(input: FloorInput, now: Date): FloorProjection {
  const t = now.getTime();
  const sign = input.direction === "atMost" ? -1 : 1;
  const [meets, side, improving] = sign > 0 ? ["at or above", "below", "rising"] : ["at or below", "above", "falling"];
  const pts = [...input.points].sort((a, b) => a.date - b.date);
  const trend = pts.map((p) => ({ date: isoDay(p.date), value: p.value }));
  const last = pts[pts.length - 1];
  const recent = pts.filter((p) => p.date >= t - RATE_DAYS * DAY);
  const span = recent.length ? (recent[recent.length - 1].date - recent[0].date) / DAY : 0;
  const base = { label: input.label, floor: input.floor, today: last?.value ?? null, trend };
  const inputs = `${recent.length} audits in the last ${RATE_DAYS} days spanning ${Math.round(span)} days; floor ${input.floor}`;
  const none = { slopePer30: null, days: null, projected: [] as TrendPoint[], inputs };
  if (!last) return { ...base, ...none, status: "tooLittleHistory", text: `${input.label}: no completed audit yet.` };
  const enough = recent.length >= MIN_AUDITS && span >= MIN_AUDIT_SPAN_DAYS;
  const slope = enough ? fitSlope(recent, t) : null;
  const slopePer30 = slope === null ? null : Math.round(slope * 30 * 100) / 100;
  if (sign * last.value >= sign * input.floor) return { ...base, ...none, slopePer30, status: "eligible", days: 0, text: `${input.label}: ${last.value}, ${meets} the floor of ${input.floor}.` };
  if (slope === null) {
    return { ...base, ...none, status: "tooLittleHistory", text: `${input.label}: ${last.value}, ${side} the floor of ${input.floor}; too little history to project (${inputs}; needs ${MIN_AUDITS} audits over ${MIN_AUDIT_SPAN_DAYS} days).` };
  }
  if (sign * slope <= 0) return { ...base, ...none, status: "notAtThisRate", slopePer30, text: `${input.label}: ${last.value}, ${side} the floor of ${input.floor} and not ${improving} (${slopePer30} per 30 days).` };
  const per30 = slopePer30 ?? 0;
  // From today's value along the fitted slope.
  const days = Math.ceil((input.floor - last.value) / slope - 1e-9);
  const end = Math.min(days, HORIZON_DAYS);
  const projected = [
    { date: isoDay(t), value: last.value },
    { date: isoDay(t + end * DAY), value: Math.round((last.value + slope * end) * 1000) / 1000 },
  ];
  if (days > HORIZON_DAYS) {
    const needed = Math.round(((input.floor - last.value) / HORIZON_DAYS) * 30 * 100) / 100;
    return { ...base, status: "notAtThisRate", slopePer30, days: null, projected, inputs, text: `${input.label}: ${last.value}, ${improving} ${Math.abs(per30)} per 30 days; not within ${HORIZON_DAYS} days at this rate — needs about ${Math.abs(needed)} per 30 days.` };
  }
  return { ...base, status: "eligibleIn", slopePer30, days, projected, inputs, text: `${input.label}: ${last.value}, reaches the floor of ${input.floor} in about ${days} days at the last ${RATE_DAYS} days' rate (${per30 > 0 ? "+" : ""}${per30} per 30 days).` };
}

export interface ReadinessProjections {
  features: FeatureProjection[];
  floors: FloorProjection[];
}

export interface ProjectionHistory {
  events: { won: readonly DatedEvent[]; lost: readonly DatedEvent[]; qualified: readonly DatedEvent[]; disqualified: readonly DatedEvent[] };
  since: { opportunity: number | null; lead: number | null };
  audits: readonly { date: number; average: number | null; duplicateShare: number | null }[];
}

/**
 * The projections the scorecard shows: the two predictive scoring models (minimum of each outcome
 * in the window) and the data-quality floors with audit history (average record score at least
 * `scoreFloor`, likely duplicates at most `duplicateLimit`, as shares).
 */
export function projectReadiness(h: ProjectionHistory, now: Date, opts: { minimum: number; windowDays: number; scoreFloor: number; duplicateLimit: number }): ReadinessProjections {
  const dates = h.audits.map((a) => a.date);
  const series = (label: string, events: readonly DatedEvent[]): CountSeries => ({ label, needed: opts.minimum, events });
  const requirement = (a: string, b: string): string => `at least ${opts.minimum} ${a} and ${opts.minimum} ${b} in the last ${opts.windowDays} days`;
  const features = [
    projectFeature({ feature: "Predictive opportunity scoring", requirement: requirement("won", "lost opportunities"), windowDays: opts.windowDays, series: [series("won", h.events.won), series("lost", h.events.lost)], historyStart: h.since.opportunity }, now, dates),
    projectFeature({ feature: "Predictive lead scoring", requirement: requirement("qualified", "disqualified leads"), windowDays: opts.windowDays, series: [series("qualified", h.events.qualified), series("disqualified", h.events.disqualified)], historyStart: h.since.lead }, now, dates),
  ];
  const points = (pick: (a: ProjectionHistory["audits"][number]) => number | null, scale: number): { date: number; value: number }[] =>
    h.audits.flatMap((a) => {
      const v = pick(a);
      return v === null ? [] : [{ date: a.date, value: Math.round(v * scale * 10) / 10 }];
    });
  const floors = [
    projectFloor({ label: "Average record score of the audits", floor: opts.scoreFloor, points: points((a) => a.average, 1) }, now),
    projectFloor({ label: "Records flagged as likely duplicates (%)", floor: Math.round(opts.duplicateLimit * 1000) / 10, direction: "atMost", points: points((a) => a.duplicateShare, 100) }, now),
  ];
  return { features, floors };
}
