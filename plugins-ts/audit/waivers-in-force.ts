/**
 * Phase "waivers" of an audit, for incremental runs: the records whose waivers were decided or
 * expired since the last run (they are re-scored even when the record is unchanged). Which waivers
 * are in force — approved by a real approver — is waivers.ts. Reads only; a waiver row missing its
 * table or record is skipped.
 */
import type { DataverseGateway } from "../dataverse/gateway";
import { f } from "../dataverse/requests";
import { str } from "./model";
import { readAll } from "./readall";

/** Records whose waivers were decided or expired since `since`: table → record ids. */
export async function waiverRecordsChangedSince(gateway: DataverseGateway, since: string, now: Date): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const sinceDate = new Date(since);
  const filter = f.or(f.ge("modifiedon", sinceDate), f.and(f.gt("vit_expireson", sinceDate), f.le("vit_expireson", now)));
  for (const r of await readAll(gateway, "vit_waiver", ["vit_table", "vit_recordid"], [filter], "waivers changed since the last run")) {
    const t = str(r.vit_table);
    const id = str(r.vit_recordid)?.toLowerCase();
    if (!t || !id) continue;
    const set = out.get(t) ?? new Set<string>();
    set.add(id);
    out.set(t, set);
  }
  return out;
}
