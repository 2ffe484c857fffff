/**
 * The scorecard for people: plain text for the terminal and a self-contained HTML page (no
 * scripts, no external assets) that prints on A4. Pure: takes a Scorecard, returns text.
 */
import escape from "validator/lib/escape";
import { QUESTIONS, type Answers } from "./questions";
import type { Scorecard } from "./score";

const esc = (s: string | number | null | undefined): string => escape(String(s ?? ""));

const num = (x: number | null): string => (x === null ? "not measured" : Number.isInteger(x) ? String(x) : x.toFixed(1));

export function renderScorecardText(card: Scorecard, note?: string): string {
  const lines: string[] = [`AI-readiness scorecard, ${card.assessedOn.slice(0, 10)}`];
  if (note) lines.push(note);
  lines.push("", `Overall  ${num(card.overall)} / 100`, "");
  for (const p of card.pillars) {
    lines.push(`${p.name.padEnd(22)} ${num(p.score).padStart(12)}`);
    for (const s of p.signals) lines.push(`    ${s.label}: ${s.display}`);
  }
  lines.push("", "Prerequisites of Dynamics 365 AI features:", ...card.prerequisites.map((p) => `  ${p.text}`));
  lines.push("", card.contradictions.length ? "Where belief and data disagree:" : "Where belief and data disagree: nowhere.");
  for (const c of card.contradictions) lines.push(`  "${c.question}" answered ${c.answer} — but ${c.evidence}.`);
  lines.push("", "Executive summary:", ...card.summary.map((l) => `  ${l}`));
  return lines.join("\n") + "\n";
}

const CSS = `
body{font:14px/1.45 "Segoe UI",system-ui,sans-serif;color:#1b1b1b;margin:2rem auto;max-width:60rem;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #ccc}
.overall{font-size:2.4rem;font-weight:700}.note{color:#555}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:600;padding:.25rem 0}
.bar{display:inline-block;height:.7rem;background:#2b6cb0;vertical-align:middle}
.ready{color:#1e6b2e;font-weight:600}.notready{color:#a4262c;font-weight:600}
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,section{break-inside:avoid}.bar{print-color-adjust:exact;-webkit-print-color-adjust:exact}@page{size:A4;margin:15mm}}
`;

export function renderScorecardHtml(card: Scorecard, answers: Answers, opts: { orgUrl?: string; note?: string } = {}): string {
  const date = card.assessedOn.slice(0, 10);
  const pillarRows = card.pillars
    .map((p) => `<tr><th scope="row">${esc(p.name)}</th><td>${esc(num(p.score))}</td><td><span class="bar" style="width:${Math.round((p.score ?? 0) * 2)}px"></span></td><td><ul>${p.signals.map((s) => `<li>${esc(s.label)}: ${esc(s.display)} <small>(target ${esc(s.target)})</small></li>`).join("")}</ul></td></tr>`)
    .join("\n");
  const prereqRows = card.prerequisites
    .map((p) => `<tr><th scope="row">${esc(p.feature)}</th><td class="${p.ready ? "ready" : "notready"}">${p.ready ? "Ready" : "Not ready"}</td><td>${p.counts.map((c) => `${esc(c.value)} ${esc(c.label)} (needs ${esc(c.needed)})`).join(", ")} in the last ${esc(p.windowDays)} days</td></tr>`)
    .join("\n");
  const contradictionRows = card.contradictions.map((c) => `<tr><th scope="row">${esc(c.question)}</th><td>${esc(c.answer)}</td><td>${esc(c.evidence)}</td></tr>`).join("\n");
  const answerRows = QUESTIONS.map((q) => `<tr><th scope="row">${esc(q.text)}</th><td>${esc(answers[q.id])}</td></tr>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CRM Vitals AI readiness ${esc(date)}</title><style>${CSS}</style></head>
<body>
<h1>AI-readiness scorecard</h1>
<p class="note">${esc(opts.orgUrl ?? "")} · assessed ${esc(date)}${opts.note ? ` · ${esc(opts.note)}` : ""}</p>
<p>Overall readiness <span class="overall">${esc(num(card.overall))}</span> / 100</p>
<section><h2>Executive summary</h2>${card.summary.map((l) => `<p>${esc(l)}</p>`).join("\n")}</section>
<section><h2>Pillars</h2><table><caption>Pillar scores and their signals</caption><thead><tr><th scope="col">Pillar</th><th scope="col">Score</th><th scope="col"></th><th scope="col">Signals</th></tr></thead><tbody>
${pillarRows}
</tbody></table></section>
<section><h2>Prerequisites of Dynamics 365 AI features</h2><table><caption>Predictive scoring training data</caption><thead><tr><th scope="col">Feature</th><th scope="col">Status</th><th scope="col">Numbers</th></tr></thead><tbody>
${prereqRows}
</tbody></table></section>
<section><h2>Where belief and data disagree</h2>${
    card.contradictions.length
      ? `<table><caption>Self-assessment answers the data contradicts</caption><thead><tr><th scope="col">Statement</th><th scope="col">Answer</th><th scope="col">Evidence</th></tr></thead><tbody>
${contradictionRows}
</tbody></table>`
      : "<p>The data does not contradict any answer.</p>"
  }</section>
<section><h2>Self-assessment</h2><table><caption>Answers</caption><thead><tr><th scope="col">Statement</th><th scope="col">Answer</th></tr></thead><tbody>
${answerRows}
</tbody></table></section>
</body></html>
`;
}
