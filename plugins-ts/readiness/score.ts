/**
 * The AI-readiness scorecard, computed from signals and answers alone (no I/O, no clock): six
 * pillars 0–100, prerequisite checks for documented Dynamics 365 AI features, contradictions
 * between the self-assessment and the data, and a deterministic executive summary.
 * Every threshold below is documented in docs/readiness.md.
 */
import { ANSWER_POINTS, PILLAR_NAMES, PILLARS, QUESTIONS, type Answers, type PillarId } from "./questions";
import { projectReadiness, type ReadinessProjections } from "./projection";
import { ACTIVE_USER_DAYS, CAPTURE_FRESH_DAYS, CONTACT_ENGAGEMENT_DAYS, OPPORTUNITY_ACTIVITY_DAYS, TOUCHED_DAYS, type ReadinessSignals } from "./signals";

/** Share of a measured pillar that its self-assessment questions carry (the data carries the rest). */
export const STATED_WEIGHT = 0.1;
/** Minimum closed records of each outcome the predictive scoring models need. */
export const PREREQUISITE_MINIMUM = 40;

export const TARGETS = {
  fillRate: 0.9,
  duplicateLimit: 0.1,
  exitCriteriaMet: 0.9,
  stuckLimit: 0.25,
  pastCloseLimit: 0.2,
  activeUsers: 0.8,
  touched: 0.6,
  ownedByDisabledLimit: 0.05,
  opportunityActivity: 0.7,
  contactEngagement: 0.5,
  /** Share of the mail and meetings with contacts (seen in Outlook) that is logged in Dynamics. */
  capturedEngagement: 0.8,
  /** Net share of failed findings resolved per 30 days between two audits. */
  resolvedPer30Days: 0.2,
} as const;

/** Thresholds beyond which a "yes" is contradicted by the data. */
export const CONTRADICTION = {
  exitCriteriaFailing: 0.2,
  pastClose: 0.1,
  fillRate: 0.7,
  auditScore: 70,
  activeUsers: 0.6,
  ownedByDisabled: 0.01,
  opportunityActivity: 0.5,
  capturedEngagement: 0.6,
} as const;

export interface SignalScore {
  id: string;
  label: string;
  /** The measured figure in words ("38 % (19 of 50)"), or why it is not measured. */
  display: string;
  /** 0–100, or null when not measured. */
  score: number | null;
  weight: number;
  target: string;
  nextStep: string;
}

export interface PillarScore {
  id: PillarId;
  name: string;
  /** 0–100 with one decimal, or null when none of its signals could be measured. */
  score: number | null;
  signals: SignalScore[];
}

export interface PrerequisiteCheck {
  feature: string;
  ready: boolean;
  counts: { label: string; value: number; needed: number }[];
  windowDays: number;
  text: string;
}

export interface Contradiction {
  questionId: string;
  question: string;
  answer: string;
  evidence: string;
}

export interface Gap {
  pillar: PillarId;
  name: string;
  score: number;
  signal: SignalScore;
}

export interface PreviousAssessment {
  assessedOn: string;
  overall: number;
  pillars: Partial<Record<PillarId, number | null>>;
}

export interface Scorecard {
  assessedOn: string;
  overall: number | null;
  pillars: PillarScore[];
  prerequisites: PrerequisiteCheck[];
  contradictions: Contradiction[];
  gaps: Gap[];
  previous: PreviousAssessment | null;
  summary: string[];
  /** When each AI feature's prerequisite and each data-quality floor is reached (projection.ts); null without history. */
  projections?: ReadinessProjections | null;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const pct = (x: number): string => `${Math.round(x * 100)} %`;
const share = (n: number, d: number): number | null => (d > 0 ? n / d : null);
const toward = (v: number, target: number): number => 100 * Math.min(1, v / target);
const below = (v: number, limit: number): number => 100 * Math.max(0, 1 - v / limit);

function ratioSignal(id: string, label: string, n: number | null, d: number, unit: string, weight: number, target: string, nextStep: string, score: (v: number) => number): SignalScore {
  const v = n === null ? null : share(n, d);
  const display = n === null ? "not measured (no completed audit)" : v === null ? `not measured (no ${unit})` : `${pct(v)} (${n} of ${d} ${unit})`;
  return { id, label, display, score: v === null ? null : score(v), weight, target, nextStep };
}

/**
 * Findings resolved, and how fast: the net drop in failed findings between the last two audits of
 * the same scope, per 30 days. Net, because audits keep counts, not each finding's history: new
 * findings offset resolved ones.
 */
function resolutionSignal(t: { failedBefore: number; failedNow: number; daysBetween: number } | null): SignalScore {
  const base = {
    id: "resolution",
    label: "Failed findings resolved between the last two audits (net, per 30 days)",
    weight: 0.25,
    target: `${pct(TARGETS.resolvedPer30Days)} fewer failed findings per 30 days or better (100); none fewer (0)`,
    nextStep: "Send each owner their open findings every week and review the count at the pipeline meeting.",
  };
  if (!t) return { ...base, display: "not measured (needs two completed audits of the same scope)", score: null };
  const resolved = t.failedBefore - t.failedNow;
  const per30 = t.failedBefore > 0 ? (resolved / t.failedBefore) * (30 / t.daysBetween) : t.failedNow === 0 ? TARGETS.resolvedPer30Days : 0;
  const display =
    resolved >= 0
      ? `${resolved} fewer failed findings (${t.failedBefore} → ${t.failedNow}) in ${t.daysBetween} days: ${pct(Math.max(0, per30))} per 30 days`
      : `${-resolved} more failed findings (${t.failedBefore} → ${t.failedNow}) in ${t.daysBetween} days`;
  return { ...base, display, score: Math.max(0, Math.min(100, (100 * per30) / TARGETS.resolvedPer30Days)) };
}

/** The Outlook comparison: how much of the mail and meetings with contacts is in Dynamics. */
function captureSignal(c: ReadinessSignals["capture"] | null): SignalScore {
  const base = {
    id: "capturedEngagement",
    label: "Mail and meetings with contacts (seen in Outlook) that are logged in Dynamics",
    weight: 0.5,
    target: `${pct(TARGETS.capturedEngagement)} or more`,
    nextStep: "Turn on server-side synchronisation or the App for Outlook, or log the missing activities with vitals capture --log.",
  };
  if (!c) return { ...base, display: `not measured (activity capture has not run in the last ${CAPTURE_FRESH_DAYS} days; Microsoft Graph integration off?)`, score: null };
  const all = c.logged + c.unlogged;
  if (all === 0) return { ...base, display: `not measured (no mail or meetings with the ${c.contacts} compared contacts)`, score: null };
  const v = c.logged / all;
  return {
    ...base,
    display: `${pct(v)} (${c.logged} of ${all}; ${c.unlogged} not logged, for ${c.withGap} of ${c.contacts} compared contacts)`,
    score: toward(v, TARGETS.capturedEngagement),
  };
}

function measuredSignals(s: ReadinessSignals): Record<Exclude<PillarId, "strategy">, SignalScore[]> {
  const a = s.audit;
  const g = s.governance;
  const rates = s.fillRates.filter((r) => r.total > 0).map((r) => r.filled / r.total);
  const fill = rates.length ? rates.reduce((x, y) => x + y, 0) / rates.length : null;
  const oppOpen = s.opportunities.open;
  const cadence: SignalScore = {
    id: "cadence",
    label: "Audit cadence kept",
    display:
      g.daysSinceLastRun === null
        ? `no completed audit (cadence ${g.cadenceDays} days)`
        : `last audit ${g.daysSinceLastRun} days ago, cadence ${g.cadenceDays} days; ${g.runsLast90} audits in 90 days`,
    score: g.daysSinceLastRun === null ? 0 : g.daysSinceLastRun <= g.cadenceDays ? 100 : g.daysSinceLastRun <= 2 * g.cadenceDays ? 50 : 0,
    weight: 0.4,
    target: "last audit within the cadence (100); within twice the cadence (50); later or never (0)",
    nextStep: "Schedule the audit on the organisation's cadence (vit_AuditCadenceDays) and review its findings each time.",
  };
  return {
    data: [
      {
        id: "auditScore",
        label: "Average record score of the last audit",
        display: a?.averageScore == null ? "not measured (no completed audit)" : `${a.averageScore} of 100 over ${a.records} records`,
        score: a?.averageScore ?? null,
        weight: 0.5,
        target: "the average itself (0–100)",
        nextStep: "Work through the audit's most frequent findings, starting with critical rules.",
      },
      {
        id: "fillRate",
        label: "Fill rate of the columns AI features read",
        display: fill === null ? "not measured (no active records)" : `${pct(fill)} on average over ${rates.length} columns`,
        score: fill === null ? null : toward(fill, TARGETS.fillRate),
        weight: 0.3,
        target: `${pct(TARGETS.fillRate)} filled or more`,
        nextStep: "Make the emptiest AI columns required on the forms and fill them on open records.",
      },
      ratioSignal("duplicates", "Records flagged as likely duplicates", a ? a.duplicateFailures : null, a?.duplicateRecords ?? 0, "records", 0.2, `0 % (score 0 at ${pct(TARGETS.duplicateLimit)})`, "Merge the duplicate pairs the audit found and switch on duplicate detection rules.", (v) => below(v, TARGETS.duplicateLimit)),
    ],
    process: [
      ratioSignal("exitCriteria", "Open opportunities meeting their stage's exit criteria", a?.exitCriteriaFailed == null ? null : oppOpen - a.exitCriteriaFailed, oppOpen, "open opportunities", 0.5, `${pct(TARGETS.exitCriteriaMet)} or more`, "Coach sellers to complete each stage's exit criteria before moving a deal on.", (v) => toward(v, TARGETS.exitCriteriaMet)),
      ratioSignal("stuck", "Open opportunities stuck beyond their stage's limit", a?.stuck ?? null, oppOpen, "open opportunities", 0.25, `0 % (score 0 at ${pct(TARGETS.stuckLimit)})`, "Review stuck deals weekly: move them on, or close them as lost.", (v) => below(v, TARGETS.stuckLimit)),
      ratioSignal("pastClose", "Open opportunities with a close date in the past", a?.pastClose ?? null, oppOpen, "open opportunities", 0.25, `0 % (score 0 at ${pct(TARGETS.pastCloseLimit)})`, "Have owners update past close dates before the next pipeline review.", (v) => below(v, TARGETS.pastCloseLimit)),
    ],
    adoption: [
      ratioSignal("activeUsers", `Enabled users who created or changed records or activities in ${ACTIVE_USER_DAYS} days`, s.users.active, s.users.enabled, "enabled users", 0.6, `${pct(TARGETS.activeUsers)} or more`, "Find out why inactive users do not use the CRM; retire licences nobody needs.", (v) => toward(v, TARGETS.activeUsers)),
      ratioSignal("touched", `Records created or updated in ${TOUCHED_DAYS} days`, s.records.touched, s.records.total, "records", 0.4, `${pct(TARGETS.touched)} or more`, "Review or deactivate records nobody has touched in three months.", (v) => toward(v, TARGETS.touched)),
    ],
    governance: [
      cadence,
      {
        id: "waivers",
        label: "Approved waivers still in date",
        display: g.waiversApproved === 0 ? "no approved waivers" : `${pct(g.waiversInDate / g.waiversApproved)} (${g.waiversInDate} of ${g.waiversApproved} approved waivers)`,
        score: g.waiversApproved === 0 ? 100 : (100 * g.waiversInDate) / g.waiversApproved,
        weight: 0.2,
        target: "100 % (no approved waivers counts as 100)",
        nextStep: "Renew or retire expired waivers.",
      },
      resolutionSignal(g.findingsTrend ?? null),
      ratioSignal("ownedByDisabled", "Open records owned by disabled users", g.ownedByDisabled, g.openRecords, "open records", 0.4, `0 % (score 0 at ${pct(TARGETS.ownedByDisabledLimit)})`, "Reassign records of people who left to active owners.", (v) => below(v, TARGETS.ownedByDisabledLimit)),
    ],
    activity: [
      ratioSignal("opportunityActivity", `Open opportunities with an activity in ${OPPORTUNITY_ACTIVITY_DAYS} days`, s.opportunities.withRecentActivity, oppOpen, "open opportunities", 0.6, `${pct(TARGETS.opportunityActivity)} or more`, "Ask sellers to log every customer call, meeting and email against the deal.", (v) => toward(v, TARGETS.opportunityActivity)),
      ratioSignal("contactEngagement", `Active contacts with a logged activity in ${CONTACT_ENGAGEMENT_DAYS} days`, s.contacts.withEngagement, s.contacts.active, "active contacts", 0.4, `${pct(TARGETS.contactEngagement)} or more`, "Track email and meetings in the CRM (server-side synchronisation) so engagement is captured.", (v) => toward(v, TARGETS.contactEngagement)),
      captureSignal(s.capture ?? null),
    ],
  };
}

function weighted(signals: SignalScore[]): number | null {
  const measured = signals.filter((x) => x.score !== null);
  const w = measured.reduce((t, x) => t + x.weight, 0);
  return w > 0 ? measured.reduce((t, x) => t + x.weight * x.score!, 0) / w : null;
}

function statedSignal(pillar: PillarId, answers: Answers): SignalScore | null {
  const qs = QUESTIONS.filter((q) => q.pillar === pillar);
  if (!qs.length) return null;
  const points = qs.map((q) => ANSWER_POINTS[answers[q.id]]);
  const mean = points.reduce((x, y) => x + y, 0) / points.length;
  return {
    id: `stated.${pillar}`,
    label: "Self-assessment",
    display: qs.map((q) => `${q.id}: ${answers[q.id]}`).join(", "),
    score: mean,
    weight: STATED_WEIGHT,
    target: "yes 100, partly 50, no 0",
    nextStep: "Agree and write down the practice the self-assessment asks about.",
  };
}

/** The six pillars: measured pillars are 90 % data, 10 % self-assessment; Strategy & alignment is the self-assessment. */
export function scorePillars(s: ReadinessSignals, answers: Answers): PillarScore[] {
  const measured = measuredSignals(s);
  return PILLARS.map((id) => {
    if (id === "strategy") {
      const signals = QUESTIONS.filter((q) => q.pillar === "strategy").map(
        (q): SignalScore => ({ id: q.id, label: q.text.replace(/\.$/, ""), display: `answered ${answers[q.id]}`, score: ANSWER_POINTS[answers[q.id]], weight: 1, target: "yes", nextStep: STRATEGY_STEPS[q.id] ?? "Agree it with the business and write it down." }),
      );
      const w = weighted(signals);
      return { id, name: PILLAR_NAMES[id], score: w === null ? null : round1(w), signals };
    }
    const data = measured[id];
    const stated = statedSignal(id, answers);
    const fromData = weighted(data);
    const score = fromData === null ? null : stated ? (1 - STATED_WEIGHT) * fromData + STATED_WEIGHT * stated.score! : fromData;
    return { id, name: PILLAR_NAMES[id], score: score === null ? null : round1(score), signals: stated ? [...data, stated] : data };
  });
}

const STRATEGY_STEPS: Readonly<Record<string, string>> = {
  "process-owners": "Name a business owner for each sales process.",
  "business-led": "Make a business leader the CRM's product owner, with IT as partner.",
  "success-defined": "Agree one measurable CRM target per department.",
  "ai-use-cases": "Pick the first two AI use cases with the sales leadership and agree how success is measured.",
};

/** Ready or not for the predictive scoring models, exact at the minimum (40 is ready, 39 is not). */
export function checkPrerequisites(s: ReadinessSignals): PrerequisiteCheck[] {
  const p = s.prerequisites;
  const check = (feature: string, a: [string, number], b: [string, number]): PrerequisiteCheck => {
    const counts = [a, b].map(([label, value]) => ({ label, value, needed: PREREQUISITE_MINIMUM }));
    const ready = counts.every((c) => c.value >= c.needed);
    const detail = counts.map((c) => `${c.value} ${c.label}${c.value >= c.needed ? "" : ` (needs ${c.needed})`}`).join(", ");
    return { feature, ready, counts, windowDays: p.windowDays, text: `${feature}: ${ready ? "ready" : "not ready"} — ${detail} in the last ${p.windowDays} days` };
  };
  return [
    check("Predictive opportunity scoring", ["won", p.won], ["lost", p.lost]),
    check("Predictive lead scoring", ["qualified", p.qualified], ["disqualified", p.disqualified]),
  ];
}

/** "Yes" answers the data disagrees with, each with its evidence. */
export function findContradictions(s: ReadinessSignals, answers: Answers): Contradiction[] {
  const out: Contradiction[] = [];
  const text = new Map(QUESTIONS.map((q) => [q.id, q.text]));
  const add = (id: string, evidence: string | null): void => {
    if (answers[id] === "yes" && evidence) out.push({ questionId: id, question: text.get(id)!, answer: "yes", evidence });
  };
  const a = s.audit;
  const open = s.opportunities.open;
  if (a?.exitCriteriaFailed != null && open > 0) {
    const r = a.exitCriteriaFailed / open;
    add("stages-documented", r >= CONTRADICTION.exitCriteriaFailing ? `${pct(r)} of open opportunities (${a.exitCriteriaFailed} of ${open}) entered a stage without meeting the earlier stages' exit criteria` : null);
  }
  if (a?.pastClose != null && open > 0) {
    const r = a.pastClose / open;
    add("pipeline-single-source", r >= CONTRADICTION.pastClose ? `${pct(r)} of open opportunities (${a.pastClose} of ${open}) have a close date in the past` : null);
  }
  const weakFill = s.fillRates.filter((x) => x.total > 0).map((x) => ({ ...x, rate: x.filled / x.total })).sort((x, y) => x.rate - y.rate || `${x.table}.${x.column}`.localeCompare(`${y.table}.${y.column}`));
  const fillMean = weakFill.length ? weakFill.reduce((t, x) => t + x.rate, 0) / weakFill.length : null;
  const dataEvidence: string[] = [];
  if (fillMean !== null && fillMean < CONTRADICTION.fillRate) dataEvidence.push(`the columns AI features read are ${pct(fillMean)} filled on average (emptiest: ${weakFill[0].table}.${weakFill[0].column} ${pct(weakFill[0].rate)})`);
  if (a?.averageScore != null && a.averageScore < CONTRADICTION.auditScore) dataEvidence.push(`the last audit's average record score is ${a.averageScore} of 100`);
  add("data-entry-rules", dataEvidence.length ? dataEvidence.join("; ") : null);
  if (s.users.enabled > 0) {
    const r = s.users.active / s.users.enabled;
    add("daily-use", r < CONTRADICTION.activeUsers ? `only ${pct(r)} of enabled users (${s.users.active} of ${s.users.enabled}) created or changed anything in ${ACTIVE_USER_DAYS} days` : null);
  }
  const g = s.governance;
  if (g.openRecords > 0) {
    const r = g.ownedByDisabled / g.openRecords;
    add("data-ownership", r >= CONTRADICTION.ownedByDisabled ? `${g.ownedByDisabled} open records (${pct(r)}) are owned by disabled users` : null);
  }
  add(
    "quality-reviewed",
    g.daysSinceLastRun === null ? "no data-quality audit has ever completed" : g.daysSinceLastRun > 2 * g.cadenceDays ? `the last audit completed ${g.daysSinceLastRun} days ago, more than twice the ${g.cadenceDays}-day cadence` : null,
  );
  const logging: string[] = [];
  if (open > 0) {
    const r = s.opportunities.withRecentActivity / open;
    if (r < CONTRADICTION.opportunityActivity) logging.push(`only ${pct(r)} of open opportunities (${s.opportunities.withRecentActivity} of ${open}) have an activity logged in ${OPPORTUNITY_ACTIVITY_DAYS} days`);
  }
  const c = s.capture;
  if (c && c.logged + c.unlogged > 0) {
    const r = c.logged / (c.logged + c.unlogged);
    if (r < CONTRADICTION.capturedEngagement) logging.push(`Outlook shows ${c.unlogged} emails and meetings with contacts that are not in Dynamics (${pct(r)} logged)`);
  }
  add("activity-logging", logging.length ? logging.join("; ") : null);
  return out;
}

/**
 * The signal that costs its pillar the most points: its effective weight (data signals share 90 %
 * of a measured pillar, the self-assessment 10 %) times its distance from 100.
 */
export function costliestSignal(p: PillarScore): SignalScore {
  const measured = p.signals.filter((x) => x.score !== null);
  const isStated = (x: SignalScore): boolean => x.id.startsWith("stated.");
  const data = measured.filter((x) => !isStated(x));
  const dataWeight = data.reduce((t, x) => t + x.weight, 0);
  const dataShare = measured.some(isStated) ? 1 - STATED_WEIGHT : 1;
  const loss = (x: SignalScore): number => (isStated(x) ? STATED_WEIGHT : (dataShare * x.weight) / dataWeight) * (100 - x.score!);
  return measured.map((x, i) => ({ x, i, loss: loss(x) })).sort((a, b) => b.loss - a.loss || a.i - b.i)[0].x;
}

/** The whole scorecard with its executive summary. */
export function buildScorecard(s: ReadinessSignals, answers: Answers, previous: PreviousAssessment | null): Scorecard {
  const pillars = scorePillars(s, answers);
  const scored = pillars.filter((p) => p.score !== null);
  const overall = scored.length ? round1(scored.reduce((t, p) => t + p.score!, 0) / scored.length) : null;
  const gaps: Gap[] = scored
    .filter((p) => p.score! < 100)
    .sort((x, y) => x.score! - y.score! || PILLARS.indexOf(x.id) - PILLARS.indexOf(y.id))
    .slice(0, 3)
    .map((p) => ({ pillar: p.id, name: p.name, score: p.score!, signal: costliestSignal(p) }));
  const prerequisites = checkPrerequisites(s);
  const contradictions = findContradictions(s, answers);
  const projections = s.history
    ? projectReadiness(s.history, new Date(s.measuredOn), { minimum: PREREQUISITE_MINIMUM, windowDays: s.prerequisites.windowDays, scoreFloor: CONTRADICTION.auditScore, duplicateLimit: TARGETS.duplicateLimit })
    : null;
  return { assessedOn: s.measuredOn, overall, pillars, prerequisites, contradictions, gaps, previous, summary: summarise(overall, pillars, gaps, prerequisites, contradictions, previous), projections };
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));

function summarise(overall: number | null, pillars: PillarScore[], gaps: Gap[], prerequisites: PrerequisiteCheck[], contradictions: Contradiction[], previous: PreviousAssessment | null): string[] {
  const lines: string[] = [];
  lines.push(
    overall === null
      ? "Overall AI readiness could not be measured."
      : `Overall AI readiness is ${fmt(overall)} out of 100 (${pillars.map((p) => `${p.name} ${p.score === null ? "not measured" : fmt(p.score)}`).join(", ")}).`,
  );
  if (gaps.length) {
    lines.push(`The ${gaps.length === 1 ? "largest gap is" : `${gaps.length} largest gaps are`}:`);
    gaps.forEach((g, i) => lines.push(`${i + 1}. ${g.name} at ${fmt(g.score)}. ${g.signal.label.replace(/\.$/, "")}: ${g.signal.display}. Next step: ${g.signal.nextStep}`));
  } else lines.push("No pillar has a gap.");
  const ready = prerequisites.filter((p) => p.ready).map((p) => p.feature);
  const notReady = prerequisites.filter((p) => !p.ready);
  if (ready.length) lines.push(`Ready for ${ready.join(" and ")}.`);
  for (const p of notReady) lines.push(`${p.feature} is not ready: ${p.counts.map((c) => `${c.value} ${c.label} of ${c.needed} needed`).join(", ")} in the last ${p.windowDays} days.`);
  if (contradictions.length) {
    lines.push(`${contradictions.length} self-assessment ${contradictions.length === 1 ? "answer is" : "answers are"} contradicted by the data: ${contradictions.map((c) => c.questionId).join(", ")}.`);
  } else lines.push("The data does not contradict the self-assessment.");
  if (!previous) lines.push("This is the first assessment, so there is no change to report.");
  else if (overall !== null) {
    const delta = round1(overall - previous.overall);
    const on = previous.assessedOn.slice(0, 10);
    lines.push(delta === 0 ? `No change since the previous assessment on ${on} (${fmt(previous.overall)}).` : `${delta > 0 ? "Up" : "Down"} ${fmt(Math.abs(delta))} points since the previous assessment on ${on} (${fmt(previous.overall)}).`);
  }
  return lines;
}
