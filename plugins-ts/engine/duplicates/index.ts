/** Duplicate detection: normalise, block, compare, weigh (Fellegi–Sunter + EM), cluster, explain. */
export * from "./normalise";
export * from "./company";
export * from "./address";
export * from "./frequencies";
export * from "./conflicts";
export * from "./fields";
export * from "./compare";
export * from "./blocking";
export * from "./model";
export { estimateParameters, withoutMatches, MIN_FIELDS_FOR_EM, type Training } from "./train";
export * from "./scorer";
export * from "./cluster";
export * from "./matcher";
export * from "./paged";
export * from "./candidates";
export * from "./targeted";
export * from "./duplicateRules";
export { NICKNAMES, canonicalGivenName } from "./nicknames";
