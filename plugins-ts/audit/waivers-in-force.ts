/**
 * Phase "waivers" of an audit: the approved waivers in force when the run starts (their rules are
 * marked waived instead of failed) and, for incremental runs, the records whose waivers were
 * decided or expired since the last run (they are re-scored even when the record is unchanged).
 * Reads only; a waiver row missing its table, record or rule is skipped.
 */
import type { DataverseGateway } from "../dataverse/gateway";
import { f } from "../dataverse/requests";
import { STATECODE_ACTIVE, WAIVER_STATUS, str } from "./model";

/** Approved waivers in force: `table|recordid` → rule ids. */
export async function loadWaivers(gateway: DataverseGateway, now: Date): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const filter = f.and(f.eq("vit_waiverstatus", WAIVER_STATUS.approved), f.eq("statecode", STATECODE_ACTIVE), f.or(f.isNull("vit_expireson"), f.gt("vit_expireson", now)));
  for await (const page of gateway.streamTable({ table: "vit_waiver", columns: ["vit_table", "vit_recordid", "vit_ruleid"], filter })) {
    for (const r of page.rows) {
      const t = str(r.vit_table);
      const id = str(r.vit_recordid)?.toLowerCase();
      const rule = str(r.vit_ruleid);
      if (!t || !id || !rule) continue;
      const k = `${t}|${id}`;
      const set = out.get(k) ?? new Set<string>();
      set.add(rule);
      out.set(k, set);
    }
  }
  return out;
}

/** Records whose waivers were decided or expired since `since`: table → record ids. */
export async function waiverRecordsChangedSince(gateway: DataverseGateway, since: string, now: Date): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const sinceDate = new Date(since);
  const filter = f.or(f.ge("modifiedon", sinceDate), f.and(f.gt("vit_expireson", sinceDate), f.le("vit_expireson", now)));
  for await (const page of gateway.streamTable({ table: "vit_waiver", columns: ["vit_table", "vit_recordid"], filter })) {
    for (const r of page.rows) {
      const t = str(r.vit_table);
      const id = str(r.vit_recordid)?.toLowerCase();
      if (!t || !id) continue;
      const set = out.get(t) ?? new Set<string>();
      set.add(id);
      out.set(t, set);
    }
  }
  return out;
}
