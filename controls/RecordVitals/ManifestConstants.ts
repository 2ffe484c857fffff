/** Names from ControlManifest.Input.xml, in one place. */
export const ManifestConstants = {
  namespace: "CrmVitals",
  constructor: "RecordVitals",
  /** The bound property (any column of the form; the panel only needs a place on it). */
  boundProperty: "boundColumn",
  /** Width in pixels below which the panel switches to its compact layout. */
  compactWidth: 400,
} as const;

/** `context.client.getFormFactor()` values. */
export const FormFactor = { unknown: 0, desktop: 1, tablet: 2, phone: 3 } as const;

/** updatedProperties entries that only concern layout: they never trigger a data check. */
export const LAYOUT_ONLY_UPDATES: readonly string[] = ["layout", "fullscreen_open", "fullscreen_close"];

/** Every resx key the control shows (strings/RecordVitals.<lcid>.resx). */
export const STRING_KEYS = [
  "Title",
  "Loading",
  "NewRecord",
  "NoAccess",
  "NoAccessDetail",
  "ErrorTitle",
  "Retry",
  "Masked",
  "UnsupportedTable",
  "ScoreLabel",
  "ScoreNone",
  "ScoredAt",
  "PackDefault",
  "PackOrganisation",
  "PackFallback",
  "Dimensions",
  "DimensionScore",
  "DimensionNotScored",
  "Dimension_completeness",
  "Dimension_validity",
  "Dimension_freshness",
  "Dimension_consistency",
  "Dimension_uniqueness",
  "Dimension_process",
  "Dimension_engagement",
  "Dimension_ownership",
  "Findings",
  "NoFailures",
  "Severity_critical",
  "Severity_high",
  "Severity_medium",
  "Severity_low",
  "SeverityGroup",
  "Observed",
  "Expected",
  "Fix",
  "Waived",
  "WaivedNote",
  "NotEvaluated",
  "NotEvaluatedReason",
  "Passed",
  "Readiness",
  "ReadinessStage",
  "ReadinessNoStage",
  "ReadinessNotFetched",
  "ExitCriteria",
  "CriterionMet",
  "CriterionMissing",
  "CriterionUnknown",
  "NoExitCriteria",
  "DaysInStage",
  "DaysInStageNoLimit",
  "DaysInStageUnknown",
  "LastActivity",
  "LastActivityNoCadence",
  "LastActivityNone",
  "NextFollowUp",
  "NextFollowUpOverdue",
  "NextFollowUpNone",
  "Overdue",
  "Duplicates",
  "NoDuplicates",
  "DuplicateMatch",
  "DuplicateOpen",
  "DuplicateUnnamed",
  "DuplicatesNotChecked",
  "PartialData",
  "FixProposal",
  "FixArrow",
  "FixApply",
  "FixApplyLabel",
  "FixOffForm",
  "FixAll",
  "FixPending",
] as const;
export type StringKey = (typeof STRING_KEYS)[number];

/** A localised string with {0}, {1} … filled in. */
export type Translate = (key: StringKey, ...args: (string | number)[]) => string;

export function makeTranslate(getString: (key: string) => string): Translate {
  return (key, ...args) => getString(key).replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}
