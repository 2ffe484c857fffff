/**
 * The engine's libraries, imported directly: what Node (CLI, audits, tests) uses. The record
 * panel's build swaps this module for ./engineLibs.browser (see controls/webpack.config.js), which
 * reads the same libraries from the vitals.libs.js web resource; the Governance Center's for
 * ./engineLibs.lazy, which loads this module as a chunk of its own when first needed.
 * `loadEngineLibs` resolves at once here: nothing to load.
 */
import { getDomain, parse } from "tldts";
import { getCountries, isValidPhoneNumber, parsePhoneNumberFromString } from "libphonenumber-js";
import { compilePackSchemaValidator } from "./pack/schemaValidator";
import defaultPackJson from "./packs/default.json";
import { buildCandidateQueries, scoreCandidates } from "./duplicates/targeted";
import { columnsOf, isDuplicateTable } from "./duplicates/fields";
import type { DuplicateLibs, EngineLibs } from "./engineLibs.types";

export const bundledEngineLibs: EngineLibs = {
  parseDomain: parse,
  getDomain,
  getCountries,
  isValidPhoneNumber,
  parsePhoneNumberFromString,
  packSchemaValidator: compilePackSchemaValidator,
  defaultPackJson,
  // A getter: ./duplicates imports this module back (for the phone and domain libraries), so its
  // functions are read when first used, not while the modules are still loading.
  get duplicates(): DuplicateLibs {
    return { buildCandidateQueries, scoreCandidates, columnsOf, isDuplicateTable };
  },
};

export function engineLibs(): EngineLibs {
  return bundledEngineLibs;
}

export function loadEngineLibs(): Promise<void> {
  return Promise.resolve();
}
