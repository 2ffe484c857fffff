/**
 * Validates a rule pack as a whole: the JSON Schema first, then what a schema cannot say
 * (unique ids, regexes that compile, stages that exist). A pack with any error is refused whole;
 * every error names the rule id, the JSON path and what was expected.
 */
import type { ErrorObject } from "ajv";
import { engineLibs } from "../engineLibs";
import { REPAIR_TYPES, rulePackSchema } from "./schema";
import type { Condition, RulePack } from "./types";

export interface PackError {
  /** Rule id when the error is inside a rule whose id is readable. */
  ruleId?: string;
  /** JSONPath of the offending value, e.g. `$.rules[3].check.format`. */
  path: string;
  /** What was expected, in words. */
  message: string;
}

export type PackValidation = { ok: true; pack: RulePack } | { ok: false; errors: PackError[] };

export class RulePackError extends Error {
  constructor(
    readonly errors: PackError[],
    readonly source = "rule pack",
  ) {
    super(`${source} is invalid (${errors.length} error${errors.length === 1 ? "" : "s"}); it was refused as a whole:\n${errors.map(formatPackError).join("\n")}`);
    this.name = "RulePackError";
  }
}

export function formatPackError(e: PackError): string {
  return `  - ${e.ruleId ? `rule "${e.ruleId}" ` : ""}at ${e.path}: ${e.message}`;
}

const CONDITION_FORMS =
  "one condition form: {column, equals} | {column, notEquals} | {column, in} | {column, isEmpty} | {stageIn} | {stageAtLeast} | {all} | {any} | {not}";

function toJsonPath(instancePath: string): string {
  if (!instancePath) return "$";
  return (
    "$" +
    instancePath
      .split("/")
      .slice(1)
      .map((seg) => seg.replace(/~1/g, "/").replace(/~0/g, "~"))
      .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : /^[A-Za-z_$][\w$]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`))
      .join("")
  );
}

function ruleIdAt(data: unknown, instancePath: string): string | undefined {
  const m = /^\/rules\/(\d+)/.exec(instancePath);
  if (!m || typeof data !== "object" || data === null) return undefined;
  const rules = (data as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) return undefined;
  const rule: unknown = rules[Number(m[1])];
  if (typeof rule === "object" && rule !== null) {
    const id = (rule as { id?: unknown }).id;
    if (typeof id === "string" && id) return id;
  }
  return undefined;
}

function describe(e: ErrorObject, data: unknown): string {
  const got = valueAt(data, e.instancePath);
  const gotText = got === undefined ? "" : ` (got ${JSON.stringify(got)?.slice(0, 80)})`;
  switch (e.keyword) {
    case "required":
      return `missing required property "${(e.params as { missingProperty: string }).missingProperty}"`;
    case "additionalProperties":
      return `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}" is not allowed here`;
    case "enum":
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}${gotText}`;
    case "discriminator": {
      const p = e.params as { error: string; tag: string; tagValue?: unknown };
      if (p.error === "mapping" && /\/repair$/.test(e.instancePath)) {
        return `unknown repair type ${JSON.stringify(p.tagValue)}; known types: ${REPAIR_TYPES.join(", ")}`;
      }
      if (p.error === "mapping") {
        return `unknown check type ${JSON.stringify(p.tagValue)}; known types: ${knownCheckTypes().join(", ")}`;
      }
      return `check must have a string "type"; known types: ${knownCheckTypes().join(", ")}`;
    }
    case "oneOf":
      return `must be ${CONDITION_FORMS}${gotText}`;
    case "type":
      return `must be of type ${String((e.params as { type: string | string[] }).type)}${gotText}`;
    case "pattern":
      return `must match ${(e.params as { pattern: string }).pattern}${gotText}`;
    case "exclusiveMinimum":
    case "minimum":
    case "maximum":
    case "exclusiveMaximum":
      return `${e.message ?? "out of range"}${gotText}`;
    default:
      return `${e.message ?? e.keyword}${gotText}`;
  }
}

function knownCheckTypes(): string[] {
  return (rulePackSchema.$defs.rule.properties.check.oneOf as readonly { properties: { type: { const: string } } }[]).map(
    (s) => s.properties.type.const,
  );
}

function valueAt(data: unknown, instancePath: string): unknown {
  let cur: unknown = data;
  for (const seg of instancePath.split("/").slice(1)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return cur;
}

/** Drops the per-branch noise ajv reports under a failed `oneOf`, keeping the oneOf itself. */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const oneOfSchemaPaths = errors.filter((e) => e.keyword === "oneOf").map((e) => e.schemaPath);
  const discriminatorPaths = errors.filter((e) => e.keyword === "discriminator").map((e) => e.instancePath);
  const kept = errors.filter((e) => {
    if (e.keyword !== "oneOf" && oneOfSchemaPaths.some((p) => e.schemaPath.startsWith(p.replace(/oneOf$/, "oneOf/")))) {
      return false;
    }
    if (e.keyword !== "discriminator" && discriminatorPaths.includes(e.instancePath)) return false;
    return true;
  });
  // When a deeper error exists inside a condition, ajv's oneOf on the parent is noise as well.
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function semanticErrors(pack: RulePack): PackError[] {
  const errors: PackError[] = [];
  const ids = new Map<string, number>();
  pack.rules.forEach((rule, i) => {
    const at = `$.rules[${i}]`;
    const prev = ids.get(rule.id);
    if (prev !== undefined) {
      errors.push({ ruleId: rule.id, path: `${at}.id`, message: `duplicate rule id; first used at $.rules[${prev}]` });
    } else ids.set(rule.id, i);
    if (!rule.id.startsWith(`${rule.table}.`)) {
      errors.push({ ruleId: rule.id, path: `${at}.id`, message: `rule id must start with its table "${rule.table}."` });
    }
    const process = pack.processes?.[rule.table];
    const stageNames = new Set(process?.stages.map((s) => s.name) ?? []);
    const check = rule.check;
    const needsProcess = check.type === "daysInStage" || check.type === "stageExitCriteria";
    if (needsProcess && !process) {
      errors.push({ ruleId: rule.id, path: `${at}.check.type`, message: `check "${check.type}" needs a process for table "${rule.table}" in $.processes` });
    }
    if (check.type === "pattern") {
      try {
        new RegExp(check.pattern, check.flags);
      } catch (err) {
        errors.push({ ruleId: rule.id, path: `${at}.check.pattern`, message: `must be a valid regular expression: ${(err as Error).message}` });
      }
    }
    if ((check.type === "range" || check.type === "length") && check.min !== undefined && check.max !== undefined && check.min > check.max) {
      errors.push({ ruleId: rule.id, path: `${at}.check`, message: `min (${check.min}) must not exceed max (${check.max})` });
    }
    if ((check.type === "range" || check.type === "length") && check.min === undefined && check.max === undefined) {
      errors.push({ ruleId: rule.id, path: `${at}.check`, message: `needs "min", "max" or both` });
    }
    const visit = (c: Condition, path: string): void => {
      if ("all" in c) c.all.forEach((x, j) => visit(x, `${path}.all[${j}]`));
      else if ("any" in c) c.any.forEach((x, j) => visit(x, `${path}.any[${j}]`));
      else if ("not" in c) visit(c.not, `${path}.not`);
      else if ("stageIn" in c || "stageAtLeast" in c) {
        if (!process) {
          errors.push({ ruleId: rule.id, path, message: `stage conditions need a process for table "${rule.table}" in $.processes` });
          return;
        }
        const names = "stageIn" in c ? c.stageIn : [c.stageAtLeast];
        for (const n of names) {
          if (!stageNames.has(n)) {
            errors.push({ ruleId: rule.id, path, message: `unknown stage "${n}"; stages of "${process.name}": ${[...stageNames].join(", ")}` });
          }
        }
      }
    };
    const misfit = rule.repair ? repairMisfit(rule.repair.type, check) : undefined;
    if (misfit) errors.push({ ruleId: rule.id, path: `${at}.repair.type`, message: misfit });
    if (rule.when) visit(rule.when, `${at}.when`);
    if (check.type === "requiredWhen") visit(check.if, `${at}.check.if`);
  });
  if (pack.rules.length === 0) {
    errors.push({ path: "$.rules", message: "a rule pack needs at least one rule; an empty pack would score no record and hide every finding" });
  }
  if (pack.gradeBands) {
    const { A, B, C, D } = pack.gradeBands;
    if (!(A > B && B > C && C > D)) {
      errors.push({ path: "$.gradeBands", message: `bands must descend strictly (A > B > C > D); got A=${A}, B=${B}, C=${C}, D=${D}` });
    }
  }
  for (const [table, process] of Object.entries(pack.processes ?? {})) {
    const seen = new Set<string>();
    process.stages.forEach((s, i) => {
      if (seen.has(s.name)) errors.push({ path: `$.processes.${table}.stages[${i}].name`, message: `duplicate stage "${s.name}"` });
      seen.add(s.name);
    });
  }
  return errors;
}

/** Which check each repair fits; undefined when it fits, else the reason. */
function repairMisfit(repair: string, check: RulePack["rules"][number]["check"]): string | undefined {
  const fits: Record<string, (c: typeof check) => boolean> = {
    phoneE164: (c) => c.type === "format" && c.format === "phone",
    emailDomainLowercase: (c) => c.type === "format" && c.format === "email",
    websiteNormalise: (c) => c.type === "format" && c.format === "url",
    nameCasing: (c) => c.type === "casing",
    clearPlaceholder: (c) => c.type === "placeholder",
    parentByEmailDomain: (c) => c.type === "relation",
    reassignOwner: (c) => c.type === "ownerEnabled",
    task: () => true,
  };
  const words: Record<string, string> = {
    phoneE164: 'a "format" check with format "phone"',
    emailDomainLowercase: 'a "format" check with format "email"',
    websiteNormalise: 'a "format" check with format "url"',
    nameCasing: 'a "casing" check',
    clearPlaceholder: 'a "placeholder" check',
    parentByEmailDomain: 'a "relation" check',
    reassignOwner: 'an "ownerEnabled" check',
  };
  return fits[repair]?.(check) === false ? `repair "${repair}" needs ${words[repair]}, not a "${check.type}" check` : undefined;
}

/** Validates untrusted JSON (already parsed) as a rule pack. */
export function validateRulePack(data: unknown): PackValidation {
  const validate = engineLibs().packSchemaValidator();
  if (!validate(data)) {
    const errors = collapse(validate.errors ?? []).map((e) => ({
      ruleId: ruleIdAt(data, e.instancePath),
      path: toJsonPath(e.instancePath),
      message: describe(e, data),
    }));
    return { ok: false, errors };
  }
  const pack = data as RulePack;
  const errors = semanticErrors(pack);
  return errors.length ? { ok: false, errors } : { ok: true, pack };
}

/** Parses and validates pack text; throws RulePackError (every error listed) when invalid. */
export function parseRulePack(text: string, source = "rule pack"): RulePack {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw new RulePackError([{ path: "$", message: `not valid JSON: ${(err as Error).message}` }], source);
  }
  const result = validateRulePack(data);
  if (!result.ok) throw new RulePackError(result.errors, source);
  return result.pack;
}
