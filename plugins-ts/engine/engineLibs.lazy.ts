/**
 * The engine's libraries in the Governance Center (plugins-ts/webresources/governance/build.ts
 * swaps this module in for ./engineLibs): the rule-pack validator is at hand at once (in the page's
 * build it is ajv standalone code, small), so the page can read and check packs on its first load;
 * the default pack's JSON is at hand too (the page shows it); the public-suffix list, the phone
 * metadata and the duplicate matcher, which only scoring needs, come from ./engineLibs
 * as a chunk of their own, fetched the first time `loadEngineLibs()` is called (an audit, a tab
 * that scores).
 *
 * Failure modes: a scoring library used before `loadEngineLibs()` resolved throws an error that
 * says so (never a wrong score); a chunk that cannot be fetched rejects `loadEngineLibs`, and the
 * next call tries again.
 */
import type { EngineLibs } from "./engineLibs.types";
import type { DuplicateTable } from "./duplicates/fields";
import { compilePackSchemaValidator } from "./pack/schemaValidator";
import defaultPackJson from "./packs/default.json";

let libs: EngineLibs | undefined;
let loading: Promise<void> | undefined;

const notYet = (): never => {
  throw new Error("CRM Vitals: the engine libraries are not loaded yet; call loadEngineLibs() first");
};

/** Until the chunk arrived: the validator and the default pack, and scoring libraries that refuse to run. */
const validatorOnly: EngineLibs = {
  parseDomain: notYet,
  getDomain: notYet,
  getCountries: notYet,
  isValidPhoneNumber: notYet,
  parsePhoneNumberFromString: notYet,
  packSchemaValidator: compilePackSchemaValidator,
  defaultPackJson,
  duplicates: { buildCandidateQueries: notYet, scoreCandidates: notYet, columnsOf: notYet, isDuplicateTable: (_table: string): _table is DuplicateTable => notYet() },
};

export function engineLibs(): EngineLibs {
  return libs ?? validatorOnly;
}

export function loadEngineLibs(): Promise<void> {
  if (libs) return Promise.resolve();
  loading ??= import("./engineLibs")
    .then((m) => {
      libs = m.bundledEngineLibs;
    })
    .catch((err: unknown) => {
      loading = undefined;
      throw new Error(`CRM Vitals: the engine libraries could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
    });
  return loading;
}
