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
import type { EngineLibs } from "./engineLibs.types";

export const bundledEngineLibs: EngineLibs = {
  parseDomain: parse,
  getDomain,
  getCountries,
  isValidPhoneNumber,
  parsePhoneNumberFromString,
  packSchemaValidator: compilePackSchemaValidator,
};

export function engineLibs(): EngineLibs {
  return bundledEngineLibs;
}

export function loadEngineLibs(): Promise<void> {
  return Promise.resolve();
}
