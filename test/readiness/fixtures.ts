/** A crafted organisation's readiness signals and answers, with every figure chosen by hand. */
import type { Answers } from "../../plugins-ts/readiness/questions";
import type { ReadinessSignals } from "../../plugins-ts/readiness/signals";

export function craftedSignals(): ReadinessSignals {
  return {
    measuredOn: "2026-11-23T12:00:00.000Z",
    audit: { runId: "r1", finishedOn: "2026-11-13T12:00:00.000Z", averageScore: 80, records: 1000, duplicateFailures: 50, duplicateRecords: 1000, exitCriteriaFailed: 28, stuck: 20, pastClose: 12 },
    fillRates: [
      { table: "contact", column: "emailaddress1", filled: 90, total: 100 },
      { table: "account", column: "industrycode", filled: 60, total: 100 },
    ],
    opportunities: { open: 100, withRecentActivity: 35 },
    users: { enabled: 10, active: 4 },
    records: { total: 1000, touched: 300 },
    governance: { cadenceDays: 30, runsLast90: 1, daysSinceLastRun: 10, waiversApproved: 4, waiversInDate: 3, openRecords: 800, ownedByDisabled: 20 },
    contacts: { active: 200, withEngagement: 50 },
    prerequisites: { windowDays: 730, won: 40, lost: 39, qualified: 41, disqualified: 40 },
  };
}

export const ALL_YES: Answers = {
  "process-owners": "yes",
  "business-led": "yes",
  "success-defined": "partly",
  "ai-use-cases": "no",
  "stages-documented": "yes",
  "pipeline-single-source": "yes",
  "data-entry-rules": "yes",
  "newcomer-training": "yes",
  "daily-use": "yes",
  "data-ownership": "yes",
  "quality-reviewed": "yes",
  "activity-logging": "yes",
};
