/**
 * The validator of the rule-pack JSON schema (./schema), compiled by ajv on first use: what Node
 * (CLI, audits, tests) runs. Browser builds replace this module with ajv's standalone code for the
 * same schema and the same options (plugins-ts/webresources/standaloneValidator.ts), generated at
 * build time, so the page carries the compiled validator (≈ 11 KB gzip) instead of ajv's compiler
 * (≈ 35 KB gzip) and every caller still judges a pack by the same code.
 */
import Ajv, { type Options, type ValidateFunction } from "ajv";
import { rulePackSchema } from "./schema";

/** ajv's options for the rule-pack schema; the standalone build uses the same. */
export const PACK_AJV_OPTIONS: Options = { allErrors: true, discriminator: true, strict: true, strictRequired: false, allowUnionTypes: true };

let validator: ValidateFunction | undefined;

export function compilePackSchemaValidator(): ValidateFunction {
  validator ??= new Ajv(PACK_AJV_OPTIONS).compile(rulePackSchema);
  return validator;
}
