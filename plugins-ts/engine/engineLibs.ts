/**
 * The engine's libraries, imported directly: what Node (CLI, audits, tests) and the Governance
 * Center use. The record panel's build swaps this module for ./engineLibs.browser (see
 * controls/webpack.config.js), which reads the same libraries from the vitals.libs.js web resource.
 * `loadEngineLibs` resolves at once here: nothing to load.
 */
import { getDomain, parse } from "tldts";
import { getCountries, isValidPhoneNumber, parsePhoneNumberFromString } from "libphonenumber-js";
import Ajv, { type ValidateFunction } from "ajv";
import { rulePackSchema } from "./pack/schema";
import type { EngineLibs } from "./engineLibs.types";

let validator: ValidateFunction | undefined;

export const bundledEngineLibs: EngineLibs = {
  parseDomain: parse,
  getDomain,
  getCountries,
  isValidPhoneNumber,
  parsePhoneNumberFromString,
  packSchemaValidator: () => {
    validator ??= new Ajv({ allErrors: true, discriminator: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(rulePackSchema);
    return validator;
  },
};

export function engineLibs(): EngineLibs {
  return bundledEngineLibs;
}

export function loadEngineLibs(): Promise<void> {
  return Promise.resolve();
}
