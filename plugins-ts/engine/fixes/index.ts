/** Fixes computed by the engine (pure): proposals from findings, and the transformations behind them. */
export * from "./types";
export { proposeFixes } from "./propose";
export { caseName, collapseWhitespace, lowercaseEmailDomain, normaliseWebsite, phoneToE164, type PhoneRegionInput, type TransformResult } from "./transforms";
export { MASTER_RULES, MERGE_COLUMNS, completeness, proposeMerges, updateContentFor, type MasterRule, type MergeCandidate, type MergePair, type MergeProposal, type MergeProposals } from "./merge";
