/**
 * Reads behind the outcome insight, through the gateway: closed opportunities with the stage
 * ledger of their health rows (for outcomes.ts) and the open regressions (for regressions.ts).
 * Health rows are read with the signed-in user's rights, so a person sees the deals their role
 * lets them see. Each table is paged once (5,000 rows a page).
 */
import type { DataverseGateway, Filter, Row } from "../dataverse/gateway";
import { f } from "../dataverse/requests";
import { HEALTH_LOOKUP, STATECODE_ACTIVE } from "../audit/model";
import { REGRESSED_ON_COLUMN, STAGE_HISTORY_COLUMN, parseLedger } from "../audit/stages";
import type { ClosedOpportunity } from "./outcomes";
import { regressionsOf, type Regression } from "./regressions";

const text = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

async function each(gateway: DataverseGateway, table: string, columns: string[], filter: Filter, visit: (r: Row) => void): Promise<void> {
  for await (const page of gateway.streamTable({ table, columns, filter })) for (const r of page.rows) visit(r);
}

/** Closed (won or lost) opportunities with the ledger entries their health rows recorded while they were open. */
export async function readClosedOpportunities(gateway: DataverseGateway): Promise<ClosedOpportunity[]> {
  const ledgers = new Map<string, string>();
  await each(gateway, "vit_recordhealth", ["vit_recordid", STAGE_HISTORY_COLUMN], f.and(f.eq("vit_table", "opportunity"), f.eq("statecode", STATECODE_ACTIVE)), (r) => {
    const id = text(r.vit_recordid)?.toLowerCase();
    const ledger = text(r[STAGE_HISTORY_COLUMN]);
    if (id && ledger) ledgers.set(id, ledger);
  });
  const out: ClosedOpportunity[] = [];
  await each(gateway, "opportunity", ["statecode", "actualclosedate", "modifiedon"], f.ne("statecode", 0), (r) => {
    const id = String(r.opportunityid).toLowerCase();
    const closedOn = text(r.actualclosedate) ?? text(r.modifiedon);
    if (!closedOn || (r.statecode !== 1 && r.statecode !== 2)) return;
    out.push({ id, won: r.statecode === 1, closedOn, entries: parseLedger(ledgers.get(id))?.e ?? [] });
  });
  return out;
}

/** Open regressions as the last audit recorded them, newest slide first. */
export async function readRegressions(gateway: DataverseGateway): Promise<Regression[]> {
  const sources: Parameters<typeof regressionsOf>[0][number][] = [];
  const tables = Object.keys(HEALTH_LOOKUP);
  await each(gateway, "vit_recordhealth", ["vit_table", "vit_recordid", "vit_name", "_ownerid_value", STAGE_HISTORY_COLUMN], f.and(f.eq("statecode", STATECODE_ACTIVE), f.notNull(REGRESSED_ON_COLUMN)), (r) => {
    const table = text(r.vit_table);
    if (!table || !tables.includes(table)) return;
    const name = (text(r.vit_name) ?? "").replace(new RegExp(`^${table}: `), "");
    sources.push({ table, recordId: text(r.vit_recordid)?.toLowerCase() ?? "", name, ownerId: text(r._ownerid_value), stageHistory: text(r[STAGE_HISTORY_COLUMN]) });
  });
  return regressionsOf(sources);
}
