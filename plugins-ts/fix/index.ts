/**
 * Fixes with undo: plans made from the engine's proposals, applied with a person's approval in
 * their own security context, journaled before every write (vit_fixrun, vit_fixentry), undoable.
 * See docs/fixes.md.
 */
export { makePlan, REQUIRED_COLUMNS, type PlanOptions, type PlanProgress } from "./plan";
export { applyPlan, FixApprovalError, type ApplyOptions, type FixProgress, type FixRunResult } from "./apply";
export { undoRun, type UndoOptions } from "./undo";
export { readRun, readEntries, countOutcomes, type JournalEntry, type StoredRun } from "./journal";
export { parsePlan, checkPlan, FixPlanError } from "./planfile";
export type { FixPlan, PlanEntry, TableScores, EntryOutcome, FixRunStatus } from "./model";
export { applyMergePlan } from "./merge-apply";
export { undoMergeRun } from "./merge-undo";
export { readMergeEntries, isMergeRun, type MergeJournal } from "./merge-journal";
export type { MergePlanEntry } from "./model";
// Merge plans (./merge-plan: the matcher and a CSV reader) are imported from their own module, so
// a browser bundle of plugins-ts/fix does not carry them.
