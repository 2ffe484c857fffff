/**
 * Audit reports for people: a self-contained HTML page (no scripts, no external assets, prints
 * well) and CSV rows of the records that have findings. Pure: callers supply names and rows.
 */
import escape from "validator/lib/escape";
import type { RulePack } from "../engine/pack/types";
import { gradeFor } from "../engine/score";
import { DIMENSIONS } from "../engine/types";
import type { AuditResult } from "./run";

export interface ReportNames {
  /** businessunitid → name */
  businessUnits?: ReadonlyMap<string, string>;
  /** systemuserid / teamid → name; only used when per-person figures are on */
  owners?: ReadonlyMap<string, string>;
  /** Show figures per owner (off by default: scores are for coaching, not for ranking people). */
  perPerson?: boolean;
  orgUrl?: string;
}

const esc = (s: string | number | null | undefined): string => escape(String(s ?? ""));

const fmt = (n: number | null | undefined): string => (n === null || n === undefined ? "—" : n.toLocaleString("en-US"));

function gradeOf(score: number | null, pack: RulePack): string {
  return score === null ? "—" : gradeFor(score, pack.gradeBands);
}

export function renderAuditHtml(result: AuditResult, pack: RulePack, names: ReportNames = {}): string {
  const r = result.report;
  const rules = new Map(pack.rules.map((x) => [x.id, x]));
  const rows = (cells: string[][]): string => cells.map((c) => `<tr>${c.map((x, i) => (i === 0 ? `<th scope="row">${x}</th>` : `<td>${x}</td>`)).join("")}</tr>`).join("\n");
  const table = (caption: string, head: string[], body: string[][]): string =>
    `<table><caption>${esc(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows(body)}</tbody></table>`;

  const coverage = result.coverage.map((c) => [
    esc(c.table),
    fmt(c.readable),
    c.total === null ? "unknown" : fmt(c.total),
    c.complete === null ? "unknown" : c.complete ? "complete" : `<strong>partial: ${fmt((c.total ?? 0) - c.readable)} records could not be read</strong>`,
  ]);
  const byTable = Object.entries(r.byTable).map(([t, s]) => [esc(t), fmt(s.records), fmt(s.average), esc(gradeOf(s.average, pack)), fmt(s.failed)]);
  const byDim = DIMENSIONS.filter((d) => r.byDimension[d] !== undefined).map((d) => [esc(d), fmt(r.byDimension[d] ?? null)]);
  const byRule = r.byRule
    .filter((x) => x.failed > 0 || x.waived > 0)
    .map((x) => {
      const rule = rules.get(x.ruleId);
      return [`<code>${esc(x.ruleId)}</code>`, esc(rule?.title ?? ""), esc(rule?.severity ?? ""), fmt(x.failed), fmt(x.waived), esc(rule?.fix ?? "")];
    });
  const byBu = Object.entries(r.byBusinessUnit).map(([id, s]) => [esc(names.businessUnits?.get(id) ?? id), fmt(s.records), fmt(s.average), fmt(s.failed)]);
  const byOwner = names.perPerson
    ? Object.entries(r.byOwner)
        .sort((a, b) => b[1].failed - a[1].failed)
        .map(([id, s]) => [esc(names.owners?.get(id) ?? id), fmt(s.records), fmt(s.average), fmt(s.failed)])
    : [];

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CRM Vitals audit ${esc(result.startedOn.slice(0, 10))}</title>
<style>
body{font-family:"Segoe UI",system-ui,sans-serif;color:#242424;margin:2rem auto;max-width:60rem;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d1d1d1;padding-bottom:.2rem}
.meta{color:#616161}.score{display:flex;gap:2rem;align-items:baseline;margin:1rem 0}.big{font-size:3rem;font-weight:600}
.grade{font-size:2rem;font-weight:600;border:2px solid #242424;border-radius:.4rem;padding:0 .6rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #e0e0e0;padding:.35rem .5rem;text-align:left;vertical-align:top}td{font-variant-numeric:tabular-nums}
.note{background:#fff4ce;border-left:4px solid #8a6d00;padding:.5rem .8rem}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}}
</style></head><body>
<header><h1>CRM Vitals audit</h1>
<p class="meta">${esc(result.mode === "full" ? "Full" : "Incremental")} audit of ${esc(result.scope.tables.join(", "))}${names.orgUrl ? ` in ${esc(names.orgUrl)}` : ""} · started ${esc(result.startedOn)} · finished ${esc(result.finishedOn)} · rule pack <code>${esc(result.packVersion)}</code> · run ${esc(result.runId)}</p></header>
<main>
<section aria-labelledby="s-score"><h2 id="s-score">Organisation score</h2>
<div class="score"><span class="big">${fmt(r.overall.average)}</span><span class="grade" aria-label="grade">${esc(gradeOf(r.overall.average, pack))}</span>
<span>${fmt(r.overall.records)} records · ${fmt(r.overall.failed)} failed findings · ${fmt(result.recordsChanged)} health rows written · ${fmt(result.requests)} requests${result.throttled ? ` · ${fmt(result.throttled)} throttled and retried` : ""}</span></div>
${result.fullBecause ? `<p class="note">Ran as a full audit: ${esc(result.fullBecause)}.</p>` : ""}
</section>
${coverage.length ? `<section aria-labelledby="s-cov"><h2 id="s-cov">Coverage</h2>${table("Records the audit could read", ["Table", "Read", "In scope", "Coverage"], coverage)}</section>` : ""}
<section aria-labelledby="s-tab"><h2 id="s-tab">By table</h2>${table("Score by table", ["Table", "Records", "Average", "Grade", "Failed findings"], byTable)}</section>
<section aria-labelledby="s-dim"><h2 id="s-dim">By dimension</h2>${table("Average score by dimension", ["Dimension", "Average"], byDim)}</section>
<section aria-labelledby="s-rule"><h2 id="s-rule">By rule</h2>${table("Rules with failures, most first", ["Rule", "Title", "Severity", "Failed", "Waived", "How to fix"], byRule)}</section>
${result.duplicateRules?.length ? `<section aria-labelledby="s-dup"><h2 id="s-dup">Dataverse duplicate detection</h2>${table("Findings about the organisation's duplicate detection rules", ["Table", "Severity", "Finding", "How to fix"], result.duplicateRules.map((d) => [esc(d.table), esc(d.severity), esc(d.message), esc(d.fix)]))}</section>` : ""}
<section aria-labelledby="s-bu"><h2 id="s-bu">By business unit</h2>${table("Score by business unit", ["Business unit", "Records", "Average", "Failed findings"], byBu)}</section>
${names.perPerson ? `<section aria-labelledby="s-own"><h2 id="s-own">By owner</h2>${table("Score by owner", ["Owner", "Records", "Average", "Failed findings"], byOwner)}</section>` : `<p class="meta">Figures per person are not shown: scores are for coaching. An administrator can include them with <code>--per-person</code>.</p>`}
</main></body></html>
`;
}

export const FINDINGS_CSV_HEADER = ["table", "record_id", "name", "score", "grade", "failed_findings", "top_issue", "failed_rules", "owner_id", "scored_on"];

