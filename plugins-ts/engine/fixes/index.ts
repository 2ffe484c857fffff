/** Fixes computed by the engine (pure): proposals from findings, and the transformations behind them. */
export * from "./types";
export { proposeFixes } from "./propose";
export { caseName, collapseWhitespace, lowercaseEmailDomain, normaliseWebsite, phoneToE164, type PhoneRegionInput, type TransformResult } from "./transforms";
