/**
 * The data-heavy libraries the engine's checks rest on, behind one seam so a browser bundle can
 * load them once as a separate, cached web resource (vit_/scripts/vitals.libs.js) instead of
 * carrying them: the public-suffix list (tldts), phone metadata (libphonenumber-js, min metadata)
 * and the JSON-schema validator of rule packs (ajv). Every caller gets the same library code and
 * data, so a score never depends on where it was computed.
 */
import type { getDomain, parse } from "tldts";
import type { getCountries, isValidPhoneNumber, parsePhoneNumberFromString } from "libphonenumber-js";
import type { ValidateFunction } from "ajv";

export interface EngineLibs {
  parseDomain: typeof parse;
  getDomain: typeof getDomain;
  getCountries: typeof getCountries;
  isValidPhoneNumber: typeof isValidPhoneNumber;
  parsePhoneNumberFromString: typeof parsePhoneNumberFromString;
  /** The compiled validator of the rule-pack JSON schema (compiled on first use). */
  packSchemaValidator: () => ValidateFunction;
}

/** The global the libs web resource sets. */
export const ENGINE_LIBS_GLOBAL = "CrmVitalsEngineLibs";
