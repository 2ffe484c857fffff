/**
 * The CRM Vitals engine: rule packs, checks, scoring. Pure: no I/O, no clock of its own.
 * Every place that computes a score (panel, form script, audits, CLI) goes through here.
 */
export * from "./types";
export type { Check, CheckType, Condition, ExitCriterion, FormatKind, ProcessDefinition, Rule, RulePack, StageDefinition } from "./pack/types";
export { rulePackSchema, CHECK_TYPES } from "./pack/schema";
export { validateRulePack, parseRulePack, RulePackError, formatPackError, type PackError, type PackValidation } from "./pack/validate";
export { compilePack, CompiledPack, gradeFor, DEFAULT_GRADE_BANDS, type Requirements, type CompiledRule } from "./score";
export { defaultRulePack, DEFAULT_TABLES } from "./packs";
export { SummaryBuilder, type ScoreSummary, type RuleTally } from "./summary";
export { coerceCell, COLUMN_KINDS, type ColumnKind } from "./columns";
export { renderRulesMarkdown } from "./docs";
export { describeEngagement } from "./checks";
