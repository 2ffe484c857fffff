/**
 * JSON Schema (draft 2020-12 subset understood by ajv) of a rule pack. The check object uses a
 * discriminator on `type`, so an unknown check type or a bad parameter gives one precise error.
 */
import { DIMENSIONS, SEVERITIES } from "../types";

const column = { type: "string", pattern: "^[a-z_][a-z0-9_]*$", maxLength: 100 } as const;
const columns = { type: "array", items: column, minItems: 1, uniqueItems: true } as const;
const scalar = { type: ["string", "number", "boolean", "null"] } as const;
const positiveDays = { type: "number", exclusiveMinimum: 0, maximum: 36500 } as const;

function check(type: string, properties: Record<string, unknown>, required: string[]) {
  return {
    type: "object",
    properties: { type: { const: type }, ...properties },
    required: ["type", ...required],
    additionalProperties: false,
  };
}

export const CHECK_SCHEMAS = {
  required: check("required", { column }, ["column"]),
  requiredAny: check("requiredAny", { columns }, ["columns"]),
  requiredWhen: check("requiredWhen", { column, if: { $ref: "#/$defs/condition" } }, ["column", "if"]),
  format: check(
    "format",
    { column, format: { enum: ["email", "phone", "url", "domain", "postalCode"] }, countryColumn: column },
    ["column", "format"],
  ),
  pattern: check(
    "pattern",
    {
      column,
      pattern: { type: "string", minLength: 1, maxLength: 500 },
      flags: { type: "string", pattern: "^[imsu]*$" },
      description: { type: "string", minLength: 1 },
    },
    ["column", "pattern", "description"],
  ),
  allowedValues: check(
    "allowedValues",
    {
      column,
      values: { type: "array", items: { type: ["string", "number", "boolean"] }, minItems: 1 },
      caseSensitive: { type: "boolean" },
    },
    ["column", "values"],
  ),
  range: check("range", { column, min: { type: "number" }, max: { type: "number" } }, ["column"]),
  length: check(
    "length",
    { column, min: { type: "integer", minimum: 0 }, max: { type: "integer", minimum: 1 } },
    ["column"],
  ),
  placeholder: check(
    "placeholder",
    { columns, extraValues: { type: "array", items: { type: "string", minLength: 1 } } },
    ["columns"],
  ),
  casing: check(
    "casing",
    {
      column,
      reject: { type: "array", items: { enum: ["upper", "lower"] }, minItems: 1, uniqueItems: true },
      minLength: { type: "integer", minimum: 1 },
    },
    ["column", "reject"],
  ),
  freshness: check("freshness", { column, maxDays: positiveDays }, ["column", "maxDays"]),
  lastActivity: check("lastActivity", { maxDays: positiveDays }, ["maxDays"]),
  followUp: check("followUp", { overdueGraceDays: { type: "number", minimum: 0, maximum: 3650 } }, []),
  engagementCaptured: check("engagementCaptured", { maxUnlogged: { type: "integer", minimum: 0, maximum: 10000 }, maxAgeDays: positiveDays }, []),
  daysInStage: check("daysInStage", { maxDays: positiveDays }, []),
  stageExitCriteria: check("stageExitCriteria", {}, []),
  relation: check("relation", { lookup: column, mustBeActive: { type: "boolean" } }, ["lookup"]),
  ownerEnabled: check("ownerEnabled", {}, []),
  dateNotPast: check("dateNotPast", { column, graceDays: { type: "number", minimum: 0 } }, ["column"]),
  dateOrder: check("dateOrder", { earlier: column, later: column }, ["earlier", "later"]),
  emailDomainMatchesWebsite: check(
    "emailDomainMatchesWebsite",
    { emailColumn: column, websiteColumn: column, parentLookup: column },
    ["emailColumn", "websiteColumn"],
  ),
  duplicate: check("duplicate", { minScore: { type: "number", minimum: 0, maximum: 1 } }, []),
} as const;

export const CHECK_TYPES = Object.keys(CHECK_SCHEMAS) as (keyof typeof CHECK_SCHEMAS)[];

/** Fixes a rule may offer (`repair`), discriminated on `type`; which check each fits is in validate.ts. */
export const REPAIR_SCHEMAS = {
  phoneE164: check("phoneE164", {}, []),
  nameCasing: check("nameCasing", {}, []),
  emailDomainLowercase: check("emailDomainLowercase", {}, []),
  websiteNormalise: check("websiteNormalise", {}, []),
  clearPlaceholder: check("clearPlaceholder", {}, []),
  parentByEmailDomain: check("parentByEmailDomain", { emailColumn: column }, ["emailColumn"]),
  reassignOwner: check("reassignOwner", { preferManager: { type: "boolean" } }, []),
  task: check("task", { subject: { type: "string", minLength: 1, maxLength: 200 }, dueInDays: { type: "integer", minimum: 0, maximum: 365 } }, ["subject"]),
} as const;

export const REPAIR_TYPES = Object.keys(REPAIR_SCHEMAS) as (keyof typeof REPAIR_SCHEMAS)[];

const condition = {
  type: "object",
  minProperties: 1,
  oneOf: [
    { properties: { column, equals: scalar }, required: ["column", "equals"], additionalProperties: false },
    { properties: { column, notEquals: scalar }, required: ["column", "notEquals"], additionalProperties: false },
    {
      properties: { column, in: { type: "array", items: scalar, minItems: 1 } },
      required: ["column", "in"],
      additionalProperties: false,
    },
    { properties: { column, isEmpty: { type: "boolean" } }, required: ["column", "isEmpty"], additionalProperties: false },
    {
      properties: { stageIn: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 } },
      required: ["stageIn"],
      additionalProperties: false,
    },
    { properties: { stageAtLeast: { type: "string", minLength: 1 } }, required: ["stageAtLeast"], additionalProperties: false },
    {
      properties: { all: { type: "array", items: { $ref: "#/$defs/condition" }, minItems: 1 } },
      required: ["all"],
      additionalProperties: false,
    },
    {
      properties: { any: { type: "array", items: { $ref: "#/$defs/condition" }, minItems: 1 } },
      required: ["any"],
      additionalProperties: false,
    },
    { properties: { not: { $ref: "#/$defs/condition" } }, required: ["not"], additionalProperties: false },
  ],
} as const;

export const rulePackSchema = {
  $id: "https://crmvitals.dev/schemas/rulepack.json",
  title: "CRM Vitals rule pack",
  type: "object",
  required: ["id", "name", "version", "rules"],
  additionalProperties: false,
  properties: {
    $schema: { type: "string" },
    id: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$", maxLength: 100 },
    name: { type: "string", minLength: 1, maxLength: 200 },
    version: { type: "string", pattern: "^\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.-]+)?$" },
    description: { type: "string" },
    defaultRegion: { type: "string", pattern: "^[A-Z]{2}$" },
    gradeBands: {
      type: "object",
      required: ["A", "B", "C", "D"],
      additionalProperties: false,
      properties: {
        A: { type: "number", minimum: 0, maximum: 100 },
        B: { type: "number", minimum: 0, maximum: 100 },
        C: { type: "number", minimum: 0, maximum: 100 },
        D: { type: "number", minimum: 0, maximum: 100 },
      },
    },
    dimensionWeights: {
      type: "object",
      additionalProperties: false,
      properties: Object.fromEntries(DIMENSIONS.map((d) => [d, { type: "number", minimum: 0, maximum: 100 }])),
    },
    processes: {
      type: "object",
      additionalProperties: { $ref: "#/$defs/process" },
      propertyNames: { pattern: "^[a-z_][a-z0-9_]*$" },
    },
    rules: { type: "array", items: { $ref: "#/$defs/rule" }, maxItems: 2000 },
  },
  $defs: {
    condition,
    process: {
      type: "object",
      required: ["name", "stages"],
      additionalProperties: false,
      properties: {
        name: { type: "string", minLength: 1 },
        stages: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["name", "exitCriteria"],
            additionalProperties: false,
            properties: {
              name: { type: "string", minLength: 1 },
              maxDays: positiveDays,
              exitCriteria: {
                type: "array",
                items: {
                  type: "object",
                  required: ["column", "label"],
                  additionalProperties: false,
                  properties: { column, label: { type: "string", minLength: 1 }, equals: scalar },
                },
              },
            },
          },
        },
      },
    },
    rule: {
      type: "object",
      required: ["id", "table", "title", "dimension", "severity", "weight", "check", "message", "fix"],
      additionalProperties: false,
      properties: {
        id: { type: "string", pattern: "^[a-z][a-z0-9_]*(\\.[a-z0-9_-]+)+$", maxLength: 120 },
        table: column,
        title: { type: "string", minLength: 1, maxLength: 200 },
        dimension: { enum: [...DIMENSIONS] },
        severity: { enum: [...SEVERITIES] },
        weight: { type: "number", exclusiveMinimum: 0, maximum: 100 },
        check: {
          type: "object",
          required: ["type"],
          discriminator: { propertyName: "type" },
          oneOf: Object.values(CHECK_SCHEMAS),
        },
        when: { $ref: "#/$defs/condition" },
        message: { type: "string", minLength: 1, maxLength: 500 },
        fix: { type: "string", minLength: 1, maxLength: 500 },
        repair: {
          type: "object",
          required: ["type"],
          discriminator: { propertyName: "type" },
          oneOf: Object.values(REPAIR_SCHEMAS),
        },
        blockOnSave: { type: "boolean" },
        enabled: { type: "boolean" },
      },
    },
  },
} as const;
