import { engineLibs } from "../engineLibs";
import { RulePackError, validateRulePack } from "../pack/validate";
import type { RulePack } from "../pack/types";

let cached: RulePack | undefined;

/**
 * The rule pack CRM Vitals ships with (validated on first use, like any other pack). Its JSON
 * (./default.json) comes through ../engineLibs: the record panel reads it from the vitals.libs.js
 * web resource instead of bundling it.
 */
export function defaultRulePack(): RulePack {
  if (!cached) {
    const result = validateRulePack(engineLibs().defaultPackJson);
    if (!result.ok) throw new RulePackError(result.errors, "the built-in default rule pack");
    cached = result.pack;
  }
  return cached;
}

/** The tables the default pack covers. */
export const DEFAULT_TABLES = ["account", "contact", "lead", "opportunity"] as const;
