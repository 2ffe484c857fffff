/**
 * An esbuild plugin for the browser builds (vitals.libs.js, the Governance Center): replaces
 * plugins-ts/engine/pack/schemaValidator with ajv's standalone code for the rule-pack schema,
 * generated at build time from the same schema and the same options Node compiles at run time
 * (PACK_AJV_OPTIONS). The page then carries the compiled validator, not ajv's compiler, and judges
 * a pack exactly as the CLI and the audits do (test/webresources/standaloneValidator.test.ts).
 *
 * Failure modes: a schema ajv cannot compile fails the build with ajv's message.
 */
import Ajv from "ajv";
import standaloneCode from "ajv/dist/standalone";
import type { Plugin } from "esbuild";
import { resolve } from "node:path";
import { rulePackSchema } from "../engine/pack/schema";
import { PACK_AJV_OPTIONS } from "../engine/pack/schemaValidator";

const ROOT = resolve(__dirname, "..", "..");

/** The module source that stands in for schemaValidator.ts: the standalone validator and the same export. */
export function standaloneValidatorSource(): string {
  const ajv = new Ajv({ ...PACK_AJV_OPTIONS, code: { source: true, esm: true } });
  const code = standaloneCode(ajv, ajv.compile(rulePackSchema));
  return `${code}\nexport function compilePackSchemaValidator() { return validate; }\n`;
}

export const standalonePackValidator: Plugin = {
  name: "standalone-pack-validator",
  setup(b) {
    b.onResolve({ filter: /[\\/]schemaValidator$/ }, () => ({ path: "pack-schema-validator", namespace: "standalone-validator" }));
    b.onLoad({ filter: /.*/, namespace: "standalone-validator" }, () => ({ contents: standaloneValidatorSource(), loader: "js", resolveDir: ROOT }));
  },
};
