/**
 * Makes a fix plan: scores every record in scope (read-only, like an audit), asks the engine for
 * each record's fix proposals, and records each proposed record's ETag so the apply can send it
 * as If-Match. Nothing is written. The plan is a JSON file a person reviews, unticks and approves.
 *
 * Failure modes: a column the pack needs that the organisation lacks fails before any data is
 * read (the audit's metadata check); a record changed between its scoring and its ETag read is
 * left out of the plan (it will be proposed again next time), never proposed on stale values.
 */
import { compilePack } from "../engine/score";
import { proposeFixes, type FixBlocked, type FixContext } from "../engine/fixes";
import { registrableDomain } from "../engine/checks/formats";
import type { RulePack } from "../engine/pack/types";
import type { DataverseGateway } from "../dataverse/gateway";
import { MissingColumnsError } from "../dataverse/errors";
import { f, guid } from "../dataverse/requests";
import { planTable } from "../audit/plan";
import { newPlan, type FixPlan, type PlanEntry, type TableScores } from "./model";
import { addScores, emptyTableScores, scanScored, snapshotOf } from "./scan";
import { sameValue } from "./values";
import { REQUIRED_COLUMNS } from "./required";

export { REQUIRED_COLUMNS };

const PRIMARY_NAME: Readonly<Record<string, string>> = { account: "name", contact: "fullname", lead: "fullname", opportunity: "name" };

export interface PlanProgress {
  table: string;
  records: number;
  proposals: number;
}

export interface PlanOptions {
  gateway: DataverseGateway;
  pack: RulePack;
  tables: string[];
  /** Only fixes of these rules (default: every rule with a repair). */
  rules?: string[];
  /** Only records owned by this user or team. */
  ownerId?: string;
  /** Who takes over records of disabled owners (without it, those fixes are blocked). */
  newOwner?: FixContext["newOwner"];
  now: Date;
  onProgress?: (p: PlanProgress) => void;
  signal?: AbortSignal;
}

async function accountsByDomain(gateway: DataverseGateway): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for await (const page of gateway.streamTable({ table: "account", columns: ["websiteurl"], filter: f.and(f.eq("statecode", 0), f.notNull("websiteurl")) })) {
    for (const r of page.rows) {
      const d = typeof r.websiteurl === "string" ? registrableDomain(r.websiteurl) : null;
      if (!d) continue;
      const list = out.get(d) ?? [];
      list.push(String(r.accountid).toLowerCase());
      out.set(d, list);
    }
  }
  return out;
}

/** Managers of disabled users, where the organisation records them (`parentsystemuserid`). */
async function managersOfDisabled(gateway: DataverseGateway): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  try {
    await gateway.checkColumns({ systemuser: ["parentsystemuserid"] });
  } catch (err) {
    if (err instanceof MissingColumnsError) return out;
    throw err;
  }
  for await (const page of gateway.streamTable({ table: "systemuser", columns: ["_parentsystemuserid_value"], filter: f.eq("isdisabled", true) })) {
    for (const r of page.rows) out.set(String(r.systemuserid).toLowerCase(), typeof r._parentsystemuserid_value === "string" ? r._parentsystemuserid_value.toLowerCase() : null);
  }
  return out;
}

export async function makePlan(o: PlanOptions): Promise<FixPlan> {
  const compiled = compilePack(o.pack);
  const wanted = o.rules ? new Set(o.rules) : null;
  if (wanted) {
    const known = new Set(o.pack.rules.filter((r) => r.repair).map((r) => r.id));
    const unknown = [...wanted].filter((r) => !known.has(r));
    if (unknown.length) throw new Error(`--rules: ${unknown.join(", ")} ${unknown.length === 1 ? "is not a rule" : "are not rules"} with a fix in rule pack ${o.pack.id} ${o.pack.version}`);
  }
  const plans = o.tables.map((t) => planTable(compiled, t));
  await o.gateway.checkColumns(Object.fromEntries(plans.map((p) => [p.table, p.columns])));
  const me = await o.gateway.whoAmI();
  const wantsRepair = (type: string): boolean => o.tables.some((t) => compiled.rules(t).some(({ rule }) => rule.repair?.type === type && (!wanted || wanted.has(rule.id))));
  const ctx: FixContext = {
    now: o.now,
    isRequired: (table, column) => REQUIRED_COLUMNS[table]?.includes(column) ?? false,
    accountsByDomain: wantsRepair("parentByEmailDomain") ? await accountsByDomain(o.gateway) : undefined,
    managerOf: wantsRepair("reassignOwner") ? await managersOfDisabled(o.gateway) : undefined,
    newOwner: o.newOwner,
  };
  const plan: FixPlan = newPlan(me.userId, o.pack, o.now, { tables: o.tables, ...(o.rules ? { rules: o.rules } : {}), ...(o.ownerId ? { ownerId: o.ownerId } : {}) });
  for (const table of o.tables) {
    const scores: TableScores = emptyTableScores();
    plan.scoreBefore[table] = scores;
    const filter = o.ownerId ? f.eq("_ownerid_value", guid(o.ownerId)) : undefined;
    let records = 0;
    for await (const page of scanScored({ gateway: o.gateway, compiled, table, now: o.now, filter, signal: o.signal })) {
      const found: PlanEntry[] = [];
      page.records.forEach((record, i) => {
        const s = page.scores[i];
        addScores(scores, snapshotOf(s));
        const fixes = proposeFixes(compiled, record, s, ctx);
        const keep = (x: { ruleId: string }): boolean => !wanted || wanted.has(x.ruleId);
        const name = page.rows[i][PRIMARY_NAME[table] ?? "name"];
        for (const p of fixes.proposals.filter(keep)) found.push({ ...p, etag: "", include: true, ...(typeof name === "string" ? { name } : {}) });
        plan.blocked.push(...fixes.blocked.filter(keep).map((b): FixBlocked => b));
        if (fixes.proposals.some(keep)) plan.records[`${table}:${record.id}`] = snapshotOf(s);
      });
      records += page.records.length;
      await attachETags(o.gateway, table, found, plan);
      o.onProgress?.({ table, records, proposals: plan.entries.length });
    }
  }
  return plan;
}

/** Reads the ETag of each proposed record; drops proposals whose before values changed meanwhile. */
async function attachETags(gateway: DataverseGateway, table: string, found: PlanEntry[], plan: FixPlan): Promise<void> {
  if (found.length === 0) return;
  if (!gateway.readVersioned) throw new Error("this connection cannot read ETags; fix plans need the Web API gateway");
  const columns = [...new Set(found.flatMap((e) => e.changes.map((c) => c.column)))];
  const current = await gateway.readVersioned(table, [...new Set(found.map((e) => e.recordId))], columns);
  for (const e of found) {
    const now = current.get(e.recordId.toLowerCase());
    if (!now || !e.changes.every((c) => sameValue(now.row[c.column], c.before))) {
      delete plan.records[`${table}:${e.recordId}`];
      continue;
    }
    e.etag = now.etag;
    plan.entries.push(e);
  }
}
