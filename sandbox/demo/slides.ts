/**
 * Stages that slid back, planted in the demo organisation's past (history.ts): some open deals that
 * today miss an exit criterion of an earlier stage (the generator's stageWithoutExitCriteria
 * defects) had it met before their last change — the decision maker was identified, the budget
 * was known — so the monthly audits first see them pass their stage gate and later lose it. Only
 * deals whose every missing criterion is a plain column (not a lookup) and whose last change falls
 * inside the history qualify; the first MAX_SLIDES of them (the organisation is deterministic for its seed). Each slide is returned as a
 * HistoryFix whose `before` is the met value and `after` the missing one, applied by the history
 * like any change made on the record's last modification.
 */
import { unmetExitCriteria } from "../../plugins-ts/engine/checks/exitCriteria";
import { defaultRulePack } from "../../plugins-ts/engine/packs";
import type { ColumnValue } from "../../plugins-ts/engine/types";
import { nowIso } from "../emulator/store";
import type { DemoOrg } from "./generate";
import type { HistoryFix } from "./history";

export const MAX_SLIDES = 4;

/** What a met criterion held, by column (plausible values; booleans come from the criterion's `equals`). */
const MET: Record<string, unknown> = {
  budgetamount: 120_000,
  purchasetimeframe: 1,
  customerneed: "Replace legacy CRM",
  proposedsolution: "Pilot then rollout",
  finaldecisiondate: null,
};

export function planSlides(org: DemoOrg, from: number, until: number): HistoryFix[] {
  const stages = defaultRulePack().processes?.opportunity?.stages ?? [];
  const gaps = new Set(org.groundTruth.defects.filter((d) => d.table === "opportunity" && d.kind === "stageWithoutExitCriteria").map((d) => d.id));
  const out: HistoryFix[] = [];
  for (const row of org.tables.opportunity ?? []) {
    const id = String(row.opportunityid);
    const modified = Date.parse(String(row.modifiedon));
    if (!gaps.has(id) || row.statecode !== 0 || !(modified > from && modified < until)) continue;
    const judged = unmetExitCriteria(stages, Number(row.salesstage), row as Readonly<Record<string, ColumnValue | undefined>>);
    if (!("unmet" in judged) || !judged.unmet.length) continue;
    const fixes = judged.unmet.map((u) => {
      const criterion = stages.flatMap((s) => s.exitCriteria).find((c) => c.column === u.column);
      const before = criterion?.equals ?? MET[u.column] ?? null;
      return { table: "opportunity", id, column: u.column, before: before as string | null, after: (row[u.column] as string | null) ?? null, on: nowIso(new Date(modified)) };
    });
    if (fixes.some((f) => f.column.startsWith("_") || f.before === null)) continue;
    out.push(...fixes);
    if (new Set(out.map((f) => f.id)).size >= MAX_SLIDES) break;
  }
  return out;
}
