/**
 * The plan file: what `vitals fix plan` writes and `vitals fix apply` (or the Governance Center)
 * reads back. Checked against a JSON Schema before anything is applied, so an edited or truncated
 * file is refused as a whole with the place of each problem.
 */
import Ajv from "ajv";
import type { FixPlan } from "./model";

const guid = { type: "string", pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" } as const;
const scalar = { type: ["string", "number", "boolean", "null"] } as const;

const planSchema = {
  type: "object",
  required: ["kind", "v", "planId", "createdOn", "proposedBy", "pack", "scope", "entries", "blocked", "scoreBefore", "records"],
  properties: {
    kind: { const: "crm-vitals-fix-plan" },
    v: { const: 1 },
    planId: guid,
    createdOn: { type: "string" },
    proposedBy: guid,
    pack: { type: "object", required: ["id", "version"] },
    scope: { type: "object", required: ["tables"], properties: { tables: { type: "array", items: { type: "string" }, minItems: 1 } } },
    entries: {
      type: "array",
      items: {
        type: "object",
        required: ["key", "ruleId", "repair", "table", "recordId", "action", "changes", "etag", "include"],
        properties: {
          key: { type: "string", minLength: 1 },
          recordId: guid,
          action: { enum: ["update", "task"] },
          etag: { type: "string", minLength: 1, not: { const: "*" } },
          include: { type: "boolean" },
          changes: { type: "array", items: { type: "object", required: ["column", "before", "after"], properties: { column: { type: "string" }, before: scalar, after: scalar } } },
        },
      },
    },
    merges: {
      type: "array",
      items: {
        type: "object",
        required: ["key", "table", "masterId", "subordinateId", "masterEtag", "subordinateEtag", "include", "swap", "updateContent"],
        properties: {
          table: { enum: ["account", "contact", "lead"] },
          masterId: guid,
          subordinateId: guid,
          masterEtag: { type: "string", minLength: 1, not: { const: "*" } },
          subordinateEtag: { type: "string", minLength: 1, not: { const: "*" } },
          include: { type: "boolean" },
          swap: { type: "boolean" },
        },
      },
    },
    blocked: { type: "array" },
    scoreBefore: { type: "object" },
    records: { type: "object" },
  },
} as const;

let validator: ReturnType<Ajv["compile"]> | undefined;

export class FixPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FixPlanError";
  }
}

/** Throws FixPlanError listing every problem of a plan that is not a fix plan. */
export function checkPlan(data: unknown, source = "the fix plan"): asserts data is FixPlan {
  validator ??= new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(planSchema);
  if (validator(data)) return;
  const problems = (validator.errors ?? []).slice(0, 20).map((e) => `  - at ${e.instancePath || "/"}: ${e.message ?? e.keyword}${e.keyword === "const" ? ` (${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)})` : ""}`);
  throw new FixPlanError(`${source} is not a valid CRM Vitals fix plan; nothing was applied:\n${problems.join("\n")}`);
}

export function parsePlan(text: string, source = "the fix plan"): FixPlan {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw new FixPlanError(`${source} is not JSON: ${(err as Error).message}`);
  }
  checkPlan(data, source);
  return data;
}
