/**
 * Every string the Governance Center shows, in one place (English), ready for localisation:
 * a translation replaces this object; functions take the values they interpolate.
 */
export const strings = {
  appTitle: "CRM Vitals Governance Center",
  appSubtitle: "Run governance audits, review the health of your CRM, decide waivers and tune the rules.",
  navLabel: "Governance Center sections",
  tabAudit: "Audit",
  tabResults: "Results",
  tabWaivers: "Waivers",
  tabRulePack: "Rule pack",
  loading: "Loading…",
  retry: "Retry",
  connectionError: (message: string) => `The Governance Center could not connect to Dataverse: ${message}`,
  noConnection:
    "No connection: open the Governance Center from the CRM Vitals app in Dynamics 365, or in the sandbox with ?orgUrl=<organisation URL>&token=<bearer token>.",
  badOrgUrl: (value: string) => `orgUrl "${value}" is not an http(s) URL.`,
  loadError: (what: string, message: string) => `Could not load ${what}: ${message}`,

  // cadence
  cadenceHeading: "Audit cadence",
  cadenceEvery: (days: number) => `Audits are due every ${days} day${days === 1 ? "" : "s"} (environment variable vit_AuditCadenceDays).`,
  cadenceUnset: "No audit cadence is set (environment variable vit_AuditCadenceDays).",
  cadenceInvalid: (value: string) => `The audit cadence "${value}" (vit_AuditCadenceDays) is not a whole number of days; no due date can be computed.`,
  lastCompleted: (when: string) => `Last completed audit: ${when}.`,
  noCompletedAudit: "No audit has completed yet.",
  nextDue: (when: string) => `Next audit due: ${when}.`,
  overdueTitle: "Audit overdue",
  overdueBody: (days: number) => `The last completed audit is ${days} day${days === 1 ? "" : "s"} past the cadence. Run an audit to keep the results current.`,
  neverAuditedTitle: "No audit yet",
  neverAuditedBody: "Run a full audit to see the health of the organisation's records.",

  // audit
  auditHeading: "Start an audit",
  scopeLegend: "Tables in scope",
  ownerLabel: "Owner (optional)",
  teamLabel: "Owning team (optional)",
  businessUnitLabel: "Business unit (optional)",
  anyOption: "Any",
  modeLabel: "Mode",
  modeFull: "Full: score every record in scope",
  modeIncremental: "Incremental: only records changed or due since the last completed audit",
  startAudit: "Start audit",
  cancelAudit: "Cancel",
  noTablesChosen: "Choose at least one table.",
  progressHeading: "Progress",
  progressLabel: "Audit progress",
  phase: {
    preparing: "Preparing",
    records: "Scoring records",
    revisits: "Re-scoring records due for a revisit",
    gone: "Retiring health rows of deleted records",
    finishing: "Finishing",
    done: "Done",
  } as Record<string, string>,
  progressTable: (table: string, index: number, total: number) => `Table ${table} (${index} of ${total})`,
  progressRecords: (done: number, total: number | null) => (total ? `${fmt(done)} of about ${fmt(total)} records` : `${fmt(done)} records`),
  progressPages: (n: number) => `${fmt(n)} page${n === 1 ? "" : "s"}`,
  progressRequests: (n: number) => `${fmt(n)} request${n === 1 ? "" : "s"}`,
  progressThrottle: (n: number, ms: number) => (n === 0 ? "no throttling" : `throttled ${fmt(n)} time${n === 1 ? "" : "s"}, waited ${duration(ms)}`),
  progressEta: (ms: number | null) => (ms === null ? "time left unknown" : `about ${duration(ms)} left`),
  progressLive: (phase: string, done: number, eta: string) => `${phase}: ${fmt(done)} records. ${eta}.`,
  auditCompleted: (records: number, score: number | null, grade: string | null) =>
    `Audit completed: ${fmt(records)} records, organisation score ${score === null ? "n/a" : score}${grade ? ` (grade ${grade})` : ""}.`,
  auditCancelled: (records: number) => `Audit cancelled after ${fmt(records)} records. It can be resumed from its checkpoint only if it failed; start a new audit instead.`,
  auditFailed: (message: string) => `The audit stopped: ${message} Its checkpoint is kept: resume it below.`,
  fullBecause: (why: string) => `Ran as a full audit because ${why}.`,
  resumeHeading: "Interrupted audits",
  resumeNone: "No interrupted audit.",
  resumeRun: "Resume",
  resumeRowLabel: (name: string) => `Resume ${name}`,
  runStatus: { running: "Running", completed: "Completed", failed: "Failed", cancelled: "Cancelled" } as Record<string, string>,
  colRun: "Audit run",
  colStatus: "Status",
  colStarted: "Started",
  colScanned: "Records scanned",
  colError: "Error",

  // results
  resultsHeading: "Results",
  runPicker: "Audit run",
  noResults: "No completed audit yet: run one on the Audit tab.",
  orgScore: "Organisation score",
  grade: (g: string) => `Grade ${g}`,
  noGrade: "No grade",
  recordsScored: (n: number, failed: number) => `${fmt(n)} records scored, ${fmt(failed)} failed findings`,
  byTableHeading: "By table",
  byDimensionHeading: "By dimension",
  byRuleHeading: "By rule",
  byBusinessUnitHeading: "By business unit",
  byOwnerHeading: "By owner",
  rankingOff: "Per-person ranking is off: scores are for coaching. An administrator can turn it on for the Governance Center (see docs/governance-center.md).",
  ownerCount: (n: number) => `${fmt(n)} owners have records in this audit.`,
  colTable: "Table",
  colRecords: "Records",
  colAverage: "Average score",
  colFailed: "Failed findings",
  colDimension: "Dimension",
  colScore: "Score",
  colRule: "Rule",
  colRuleId: "Rule id",
  colSeverity: "Severity",
  colWaived: "Waived",
  colMessage: "What is wrong",
  colBusinessUnit: "Business unit",
  colOwner: "Owner",
  colRank: "Rank",
  showRecords: "Show records",
  showRecordsFor: (rule: string) => `Show records failing ${rule}`,
  exportResults: "Export results (CSV)",
  unknownName: (id: string) => `Unknown (${id})`,
  noneName: "(no owner)",
  dimensionNames: {
    completeness: "Completeness",
    validity: "Validity",
    freshness: "Freshness",
    consistency: "Consistency",
    uniqueness: "Uniqueness",
    process: "Process",
    engagement: "Engagement",
    ownership: "Ownership",
  } as Record<string, string>,

  // trend
  trendHeading: "Trend over audits",
  trendTitle: "Organisation score over completed audits",
  trendDesc: (n: number, first: string, last: string) => (n === 0 ? "No completed audits yet." : `${n} completed audit${n === 1 ? "" : "s"}, from ${first} to ${last}.`),
  trendTable: "Show the trend as a table",
  colDate: "Date",
  colGrade: "Grade",

  // drill-down
  drillHeading: (rule: string) => `Records failing ${rule}`,
  drillLoading: "Loading records…",
  drillNone: "No active health row has this finding.",
  drillCount: (n: number) => `${fmt(n)} record${n === 1 ? "" : "s"}`,
  drillClose: "Close the record list",
  colRecord: "Record",
  colObserved: "Observed",
  colExpected: "Expected",
  exportRecords: "Export records (CSV)",
  openRecord: (name: string) => `Open ${name}`,
  requestWaiverFor: (name: string) => `Request a waiver for ${name}`,

  // waivers
  waiversHeading: "Waivers",
  waiverFilterStatus: "Status",
  waiverFilterTable: "Table",
  waiverAll: "All",
  waiverStatus: { requested: "Requested", approved: "Approved", rejected: "Rejected", expired: "Expired" } as Record<string, string>,
  colReason: "Reason",
  colExpires: "Expires",
  colRequestedBy: "Requested by",
  colActions: "Actions",
  approve: "Approve",
  reject: "Reject",
  approveLabel: (name: string) => `Approve ${name}`,
  expireNow: "Expire now",
  markExpired: "Mark expired",
  expireLabel: (name: string) => `Expire ${name}`,
  rejectLabel: (name: string) => `Reject ${name}`,
  expiresOnLabel: "Approved waivers expire on",
  noWaivers: "No waiver matches the filters.",
  requestHeading: "Request a waiver",
  requestTable: "Record's table",
  requestRecordId: "Record id (GUID)",
  requestRule: "Rule",
  requestReason: "Reason",
  requestSubmit: "Request waiver",
  requestDone: "Waiver requested. A governance owner approves or rejects it.",
  decided: (what: string) => `Waiver ${what}.`,
  invalidGuid: "Enter the record's id as a GUID (00000000-0000-0000-0000-000000000000).",
  reasonRequired: "Give a reason.",
  ruleRequired: "Choose a rule.",

  // rule pack
  packHeading: "Rule pack",
  packInForce: (name: string, version: string, source: string) => `In force: ${name} ${version} (${source}).`,
  packSourceOrganisation: "the organisation's pack, environment variable vit_RulePack",
  packSourceDefault: "the default pack that ships with CRM Vitals",
  packFallback: (reason: string) => `The organisation's pack is not in force: ${reason}`,
  defaultPackHeading: "Default pack (read only)",
  defaultPackLabel: "Default rule pack JSON",
  orgPackHeading: "Organisation's pack",
  orgPackLabel: "Organisation rule pack JSON (environment variable vit_RulePack)",
  copyDefault: "Start from the default pack",
  savePack: "Save rule pack",
  packValid: (rules: number) => `Valid: ${rules} rule${rules === 1 ? "" : "s"}.`,
  packErrorsHeading: (n: number) => `${n} error${n === 1 ? "" : "s"}: the pack cannot be saved`,
  packNotJson: (message: string) => `Not valid JSON: ${message}`,
  packEmpty: "Empty: saving clears the organisation's pack and the default pack applies.",
  packSaved: "Saved. Audits and record panels use this pack from their next run or page load.",
  packSaveError: (message: string) => `Could not save the rule pack: ${message}`,
  packErrorLine: (ruleId: string | undefined, path: string, message: string) => `${ruleId ? `Rule ${ruleId}, ` : ""}${path}: ${message}`,
  // AI readiness tab
  readinessTab: "AI readiness",
  readinessHeading: "AI readiness",
  readinessIntro: "Answer the twelve statements (about five minutes); the scorecard combines them with the organisation's data.",
  readinessForm: "Self-assessment",
  answerYes: "Yes",
  answerPartly: "Partly",
  answerNo: "No",
  scoreReadiness: "Score readiness",
  printScorecard: "Print scorecard",
  readingData: "Reading the organisation's data…",
  overallReadiness: (score: string) => `Overall readiness ${score} / 100`,
  pillarsTable: "Pillars",
  colPillar: "Pillar",
  colSignals: "Signals",
  prerequisitesHeading: "Prerequisites of Dynamics 365 AI features",
  prerequisitesList: "Prerequisites",
  contradictionsHeading: "Where belief and data disagree",
  noContradictions: "The data does not contradict any answer.",
  contradictionsTable: "Contradictions",
  colStatement: "Statement",
  colAnswer: "Answer",
  colEvidence: "Evidence",
  summaryHeading: "Executive summary",
} as const;

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1 h 5 min", "3 min 20 s", "12 s". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A date as the governance owner reads it (UTC, minutes). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}
