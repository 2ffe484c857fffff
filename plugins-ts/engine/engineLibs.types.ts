/**
 * The data-heavy libraries the engine's checks rest on, behind one seam so a browser bundle can
 * load them once as a separate, cached web resource (vit_/scripts/vitals.libs.js) instead of
 * carrying them: the public-suffix list (tldts), phone metadata (libphonenumber-js, min metadata)
 * the JSON-schema validator of rule packs (ajv), the built-in default rule pack (its JSON, validated
 * by ./packs on first use like any other pack) and the duplicate matcher the record panel runs on one
 * record (./duplicates: candidate query and scoring). Every caller gets the same library code and
 * data, so a score never depends on where it was computed.
 */
import type { getDomain, parse } from "tldts";
import type { getCountries, isValidPhoneNumber, parsePhoneNumberFromString } from "libphonenumber-js";
import type { ValidateFunction } from "ajv";
import type { buildCandidateQueries, scoreCandidates } from "./duplicates/targeted";
import type { columnsOf, isDuplicateTable } from "./duplicates/fields";

/** What the record panel uses of the duplicate matcher (./duplicates), unchanged. */
export interface DuplicateLibs {
  buildCandidateQueries: typeof buildCandidateQueries;
  scoreCandidates: typeof scoreCandidates;
  columnsOf: typeof columnsOf;
  isDuplicateTable: typeof isDuplicateTable;
}

export interface EngineLibs {
  parseDomain: typeof parse;
  getDomain: typeof getDomain;
  getCountries: typeof getCountries;
  isValidPhoneNumber: typeof isValidPhoneNumber;
  parsePhoneNumberFromString: typeof parsePhoneNumberFromString;
  /** The compiled validator of the rule-pack JSON schema (compiled on first use). */
  packSchemaValidator: () => ValidateFunction;
  /** The JSON of the built-in default rule pack (packs/default.json), not yet validated. */
  defaultPackJson: unknown;
  /** The duplicate matcher's single-record entry points. */
  duplicates: DuplicateLibs;
}

/** The global the libs web resource sets. */
export const ENGINE_LIBS_GLOBAL = "CrmVitalsEngineLibs";
