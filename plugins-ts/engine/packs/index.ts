import defaultPackJson from "./default.json";
import { RulePackError, validateRulePack } from "../pack/validate";
import type { RulePack } from "../pack/types";

let cached: RulePack | undefined;

/** The rule pack CRM Vitals ships with (validated on first use, like any other pack). */
export function defaultRulePack(): RulePack {
  if (!cached) {
    const result = validateRulePack(defaultPackJson);
    if (!result.ok) throw new RulePackError(result.errors, "the built-in default rule pack");
    cached = result.pack;
  }
  return cached;
}

/** The tables the default pack covers. */
export const DEFAULT_TABLES = ["account", "contact", "lead", "opportunity"] as const;
