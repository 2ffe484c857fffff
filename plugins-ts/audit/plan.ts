/**
 * Phase 1 of an audit, the plan: which columns and related facts every table in scope needs
 * (from the rule pack), the filter a scope puts on every read, and the keys that make runs of the
 * same scope and pack comparable. A pack that asks for a lookup the audit cannot follow, a table
 * without rules, or a column the organisation's metadata does not have is refused here, before any
 * data is read.
 */
import type { CompiledPack } from "../engine/score";
import { columnsOf } from "../engine/duplicates";
import type { RulePack } from "../engine/pack/types";
import type { DataverseGateway, FactsRequest, ParentSpec } from "../dataverse/gateway";
import { f, guid, type Filter } from "../dataverse/requests";
import { hash53 } from "./health";
import type { AuditScope } from "./types";
import { BPF_TABLES } from "../client/facts";
import { GAP_TABLE } from "../graph/model";

export const PRIMARY_NAME: Readonly<Record<string, string>> = { account: "name", contact: "fullname", lead: "fullname", opportunity: "name" };
/** Where lookups used by rule packs point (polymorphic customer lookups resolve to account). */
const LOOKUP_TARGET: Readonly<Record<string, string>> = {
  parentcustomerid: "account",
  customerid: "account",
  parentaccountid: "account",
  primarycontactid: "contact",
  parentcontactid: "contact",
  originatingleadid: "lead",
};

/** Pack id, version and a hash of its content: an edited pack without a new version still counts as changed. */
export function packVersionKey(pack: RulePack): string {
  return `${pack.id}@${pack.version}#${hash53(JSON.stringify(pack))}`;
}

export function primaryId(table: string): string {
  return `${table}id`;
}

export function scopeFilter(scope: AuditScope): Filter | undefined {
  const parts: Filter[] = [];
  if (scope.ownerId) parts.push(f.eq("_ownerid_value", guid(scope.ownerId)));
  if (scope.teamId) parts.push(f.eq("_ownerid_value", guid(scope.teamId)));
  if (scope.businessUnitId) parts.push(f.eq("_owningbusinessunit_value", guid(scope.businessUnitId)));
  if (scope.createdOn?.from) parts.push(f.ge("createdon", new Date(scope.createdOn.from)));
  if (scope.createdOn?.to) parts.push(f.lt("createdon", new Date(scope.createdOn.to)));
  return parts.length ? f.and(...parts) : undefined;
}

export interface TablePlan {
  table: string;
  columns: string[];
  facts: FactsRequest;
  wantsDuplicates: boolean;
}

export function planTable(compiled: CompiledPack, table: string): TablePlan {
  const req = compiled.requirements(table);
  if (compiled.rules(table).length === 0) throw new Error(`the rule pack has no rules for table "${table}"`);
  const parents: ParentSpec[] = Object.entries(req.parentColumns).map(([lookup, cols]) => {
    const target = LOOKUP_TARGET[lookup];
    if (!target) throw new Error(`rule pack: the target table of lookup "${lookup}" on ${table} is not known to the audit`);
    return { lookup, table: target, columns: cols };
  });
  const columns = new Set<string>([
    ...req.columns,
    PRIMARY_NAME[table] ?? "name",
    "_ownerid_value",
    "_owninguser_value",
    "_owningteam_value",
    "_owningbusinessunit_value",
    "modifiedon",
    "statecode",
  ]);
  for (const p of parents) columns.add(`_${p.lookup}_value`);
  // The matcher compares these; incremental runs match a page's records with them.
  if (req.facts.includes("duplicates") && (table === "contact" || table === "account" || table === "lead")) columnsOf(table).forEach((c) => columns.add(c));
  return {
    table,
    columns: [...columns].sort(),
    facts: {
      lastActivityOn: req.facts.includes("lastActivityOn") || undefined,
      nextActivityDueOn: req.facts.includes("nextActivityDueOn") || undefined,
      stage: req.facts.includes("stage") || undefined,
      owner: req.facts.includes("ownerEnabled") || undefined,
      engagementGap: req.facts.includes("engagementGap") || undefined,
      parents: parents.length ? parents : undefined,
    },
    wantsDuplicates: req.facts.includes("duplicates"),
  };
}

/** What every table needs, checked against the organisation's metadata before any data is read. */
export async function planAudit(gateway: DataverseGateway, compiled: CompiledPack, scope: AuditScope): Promise<TablePlan[]> {
  const plans = scope.tables.map((t) => planTable(compiled, t));
  // Every table the run will touch, with the attributes of those in scope, in one request.
  await gateway.prefetchMetadata?.(metadataTables(plans), scope.tables);
  await gateway.checkColumns(Object.fromEntries(plans.map((p) => [p.table, p.columns])));
  return plans;
}

/** The tables an audit reads or writes besides those in scope: its own, and those its facts come from. */
function metadataTables(plans: readonly TablePlan[]): string[] {
  const out = new Set<string>(["vit_auditrun", "vit_recordhealth", "vit_waiver", "duplicaterule", "duplicaterulecondition"]);
  for (const p of plans) {
    out.add(p.table);
    if (p.facts.lastActivityOn || p.facts.nextActivityDueOn) out.add("activitypointer");
    if (p.facts.owner) ["systemuser", "team"].forEach((t) => out.add(t));
    if (p.facts.engagementGap) out.add(GAP_TABLE);
    if (p.facts.stage && BPF_TABLES[p.table]) ["processstage", BPF_TABLES[p.table].table].forEach((t) => out.add(t));
    for (const parent of p.facts.parents ?? []) out.add(parent.table);
    if (p.wantsDuplicates) ["contact", "account", "lead"].forEach((t) => out.add(t));
  }
  return [...out];
}
