/**
 * The digests as mail that reads well in Outlook desktop (Word rendering engine): table layout
 * 600 pixels wide, inline styles and bgcolor attributes only, web-safe fonts, no images, no
 * scripts, no style sheets. Grades are coloured cells that carry their letter; trends use ▲ ▼
 * and numbers, never colour alone. Every value from data is escaped with validator's `escape`.
 * Each mail has a plain-text alternative.
 */
import escape from "validator/lib/escape";
import { DIMENSIONS, type Grade } from "../../engine/types";
import type { DigestData, DigestRun, OwnerDigest, RenderedDigest } from "./types";

const FONT = "font-family:'Segoe UI',Arial,sans-serif;";
const INK = "#201f1e";
const MUTED = "#605e5c";
const RULE = "#e1dfdd";
const PAGE_BG = "#f3f2f1";
const BRAND = "#0f6cbd";
const UP = "#107c10";
const DOWN = "#a4262c";

/** Badge colours; white text on each has a contrast ratio of at least 4.5:1. */
const GRADE_BG: Record<Grade | "none", string> = { A: "#0b6a0b", B: "#3b6e0c", C: "#7a5c00", D: "#a33e06", F: "#a4262c", none: "#605e5c" };

/** Texts of the digests; pass a partial set to translate or reword. */
export interface DigestStrings {
  product: string;
  ownerSubject(records: number): string;
  ownerGreeting(name: string): string;
  ownerIntro(records: number, findings: number): string;
  moreRecords(more: number): string;
  seeAll: string;
  coaching: string;
  governanceTitle: string;
  governanceSubject(score: string | null, change: string | null, since: string | null): string;
  noAudit: string;
  colGrade: string;
  colRecord: string;
  colScore: string;
  colFindings: string;
  colTopIssue: string;
  colAudit: string;
  colMode: string;
  colChange: string;
  colTable: string;
  colRecords: string;
  colAverage: string;
  colDimension: string;
  colRule: string;
  colFailed: string;
  colWaived: string;
  colOwner: string;
  lastRunHeading: string;
  trendHeading: string;
  attentionHeading: string;
  byTableHeading: string;
  byDimensionHeading: string;
  byRuleHeading: string;
  ownersHeading: string;
  factScope: string;
  factFinished: string;
  factScanned: string;
  factChanged: string;
  factMode: string;
  attentionRecords: string;
  attentionFindings: string;
  attentionUsers: string;
  attentionTeams: string;
  attentionUnknown: string;
  kindUser: string;
  kindTeam: string;
  kindUnknown: string;
  kindDisabled: string;
  noChange: string;
  footer(generatedOn: string): string;
}

export const DEFAULT_DIGEST_STRINGS: DigestStrings = {
  product: "CRM Vitals",
  ownerSubject: (n) => `CRM Vitals: ${n} of your records ${n === 1 ? "needs" : "need"} attention`,
  ownerGreeting: (name) => `Hello ${name},`,
  ownerIntro: (records, findings) =>
    `${records} record${records === 1 ? "" : "s"} you own ${records === 1 ? "has" : "have"} ${findings} open finding${findings === 1 ? "" : "s"}. ` +
    "The lowest scores come first; open a record to see every finding and how to fix it.",
  moreRecords: (more) => `…and ${more} more record${more === 1 ? "" : "s"}.`,
  seeAll: "See them all in Dynamics 365",
  coaching: "Scores are for coaching, not for punishment: each finding says what to do next.",
  governanceTitle: "Governance digest",
  governanceSubject: (score, change, since) =>
    score === null ? "CRM Vitals governance digest: no completed audit yet" : `CRM Vitals governance digest: score ${score}${change && since ? ` (${change} since ${since})` : ""}`,
  noAudit: "No audit has completed yet. Run one from the Governance Center or with `vitals audit`.",
  colGrade: "Grade",
  colRecord: "Record",
  colScore: "Score",
  colFindings: "Findings",
  colTopIssue: "Top issue",
  colAudit: "Audit",
  colMode: "Mode",
  colChange: "Change",
  colTable: "Table",
  colRecords: "Records",
  colAverage: "Average",
  colDimension: "Dimension",
  colRule: "Rule",
  colFailed: "Failed",
  colWaived: "Waived",
  colOwner: "Owner",
  lastRunHeading: "Last audit",
  trendHeading: "Trend over audits",
  attentionHeading: "Records that need attention now",
  byTableHeading: "By table",
  byDimensionHeading: "By dimension",
  byRuleHeading: "Rules failed most",
  ownersHeading: "Owners with most records that need attention",
  factScope: "Scope",
  factFinished: "Finished",
  factScanned: "Records scanned",
  factChanged: "Records changed",
  factMode: "Mode",
  attentionRecords: "Records with open findings",
  attentionFindings: "Open findings",
  attentionUsers: "Users who own them",
  attentionTeams: "Records owned by teams (no personal digest)",
  attentionUnknown: "Records whose owner could not be read",
  kindUser: "user",
  kindTeam: "team",
  kindUnknown: "unknown",
  kindDisabled: "disabled user",
  noChange: "no change",
  footer: (on) => `Sent by CRM Vitals on ${on}. The digest only reads Dynamics 365; it changes and stores nothing.`,
};

const RULES_SHOWN = 10;
const OWNERS_SHOWN = 10;

function e(value: string | number): string {
  return escape(String(value));
}

const fmtScore = (n: number | null): string => (n === null ? "–" : n.toFixed(1));
const fmtDate = (iso: string | null): string => (iso ? iso.slice(0, 10) : "–");
const fmtInt = (n: number | null): string => (n === null ? "–" : String(n));

/** "▲ 2.1", "▼ 0.4", or the no-change text; null when there is nothing to compare with. */
export function formatChange(change: number | null, noChange = DEFAULT_DIGEST_STRINGS.noChange): string | null {
  if (change === null) return null;
  if (change > 0) return `▲ ${change.toFixed(1)}`;
  if (change < 0) return `▼ ${Math.abs(change).toFixed(1)}`;
  return noChange;
}

function changeCell(change: number | null, noChange: string): string {
  const t = formatChange(change, noChange);
  if (t === null) return `<span style="color:${MUTED};">–</span>`;
  const colour = change! > 0 ? UP : change! < 0 ? DOWN : MUTED;
  return `<span style="color:${colour};font-weight:bold;">${e(t)}</span>`;
}

function badge(grade: Grade | null, size = 14): string {
  const bg = GRADE_BG[grade ?? "none"];
  const label = grade ?? "–";
  return (
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>` +
    `<td width="${size * 2}" height="${size * 2}" align="center" valign="middle" bgcolor="${bg}" ` +
    `style="width:${size * 2}px;height:${size * 2}px;background-color:${bg};color:#ffffff;${FONT}font-size:${size}px;font-weight:bold;" title="Grade ${e(label)}">${e(label)}</td>` +
    `</tr></table>`
  );
}

function cell(content: string, opts: { align?: "left" | "right" | "center"; width?: number; header?: boolean } = {}): string {
  const align = opts.align ?? "left";
  const width = opts.width ? ` width="${opts.width}"` : "";
  const style = `${FONT}font-size:13px;color:${INK};padding:6px 8px;border-bottom:1px solid ${RULE};${opts.header ? "font-weight:bold;" : ""}`;
  return opts.header
    ? `<th scope="col" align="${align}"${width} bgcolor="${PAGE_BG}" style="${style}background-color:${PAGE_BG};">${content}</th>`
    : `<td align="${align}" valign="top"${width} style="${style}">${content}</td>`;
}

/** A data table: header cells and rows of already-escaped cell HTML. */
function dataTable(headers: { text: string; align?: "left" | "right" | "center"; width?: number }[], rows: string[][]): string {
  const head = `<tr>${headers.map((h) => cell(e(h.text), { align: h.align, width: h.width, header: true })).join("")}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c, i) => cell(c, { align: headers[i].align, width: headers[i].width })).join("")}</tr>`).join("");
  return `<table width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">${head}${body}</table>`;
}

/** Label/value rows without a header row: labels are row headers. */
function factTable(rows: [string, string | number][], valueAlign: "left" | "right" = "left"): string {
  const style = `${FONT}font-size:13px;color:${INK};padding:6px 8px;border-bottom:1px solid ${RULE};`;
  const body = rows
    .map(([k, v]) => `<tr><th scope="row" align="left" valign="top" width="260" style="${style}font-weight:normal;color:${MUTED};">${e(k)}</th><td align="${valueAlign}" valign="top" style="${style}">${e(v)}</td></tr>`)
    .join("");
  return `<table width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">${body}</table>`;
}

function heading(text: string): string {
  return `<tr><td style="${FONT}font-size:16px;font-weight:bold;color:${INK};padding:20px 24px 8px 24px;">${e(text)}</td></tr>`;
}

function paragraph(html: string, muted = false): string {
  return `<tr><td style="${FONT}font-size:14px;line-height:20px;color:${muted ? MUTED : INK};padding:4px 24px;">${html}</td></tr>`;
}

function block(html: string): string {
  return `<tr><td style="padding:4px 24px;">${html}</td></tr>`;
}

function link(href: string, text: string): string {
  return `<a href="${e(href)}" style="color:${BRAND};text-decoration:underline;">${e(text)}</a>`;
}

function page(s: DigestStrings, title: string, bodyRows: string[], footer: string): string {
  return (
    `<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(title)}</title></head>` +
    `<body style="margin:0;padding:0;background-color:${PAGE_BG};" bgcolor="${PAGE_BG}">` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="${PAGE_BG}" style="background-color:${PAGE_BG};"><tr><td align="center" style="padding:16px 0;">` +
    `<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="width:600px;background-color:#ffffff;">` +
    `<tr><td bgcolor="${BRAND}" style="background-color:${BRAND};${FONT}font-size:18px;font-weight:bold;color:#ffffff;padding:14px 24px;">${e(s.product)}</td></tr>` +
    bodyRows.join("") +
    `<tr><td style="${FONT}font-size:12px;line-height:16px;color:${MUTED};padding:20px 24px 16px 24px;border-top:1px solid ${RULE};">${e(footer)}</td></tr>` +
    `</table></td></tr></table></body></html>`
  );
}

function strings(over?: Partial<DigestStrings>): DigestStrings {
  return { ...DEFAULT_DIGEST_STRINGS, ...over };
}

/** Link to the list of record health rows in Dynamics (its default view lists the worst first). */
function healthListLink(orgUrl: string): string {
  return `${orgUrl}/main.aspx?pagetype=entitylist&etn=vit_recordhealth`;
}

export interface OwnerDigestInput {
  owner: OwnerDigest;
  /** ISO-8601, from DigestData.generatedOn. */
  generatedOn: string;
  /** From DigestData.orgUrl. */
  orgUrl: string | null;
}

/** One owner's personal digest: their records with open findings, worst first. */
export function renderOwnerDigest(data: OwnerDigestInput, over?: Partial<DigestStrings>): RenderedDigest {
  const s = strings(over);
  const { owner } = data;
  const subject = s.ownerSubject(owner.recordCount);
  const more = owner.recordCount - owner.records.length;

  const rows = owner.records.map((r) => [
    badge(r.grade),
    `${r.link ? link(r.link, r.name) : e(r.name)} <span style="color:${MUTED};font-size:12px;">${e(r.table)}</span>` +
      (r.topIssue ? `<br><span style="font-size:13px;">${e(s.colTopIssue)}: ${e(r.topIssue)}</span>` : ""),
    e(fmtScore(r.score)),
    e(r.findings),
  ]);
  const body = [
    `<tr><td style="${FONT}font-size:20px;font-weight:bold;color:${INK};padding:20px 24px 4px 24px;">${e(subject.replace(/^CRM Vitals: /, ""))}</td></tr>`,
    paragraph(e(s.ownerGreeting(owner.name))),
    paragraph(e(s.ownerIntro(owner.recordCount, owner.findingCount))),
    block(
      dataTable(
        [
          { text: s.colGrade, align: "center", width: 52 },
          { text: s.colRecord },
          { text: s.colScore, align: "right", width: 60 },
          { text: s.colFindings, align: "right", width: 70 },
        ],
        rows,
      ),
    ),
  ];
  if (more > 0) body.push(paragraph(e(s.moreRecords(more)) + (data.orgUrl ? ` ${link(healthListLink(data.orgUrl), s.seeAll)}` : "")));
  body.push(paragraph(e(s.coaching), true));

  const lines = [subject, "", s.ownerGreeting(owner.name), s.ownerIntro(owner.recordCount, owner.findingCount), ""];
  for (const r of owner.records) {
    lines.push(`[${r.grade ?? "–"}] ${fmtScore(r.score)}  ${r.name} (${r.table}), ${r.findings} finding${r.findings === 1 ? "" : "s"}${r.topIssue ? `: ${r.topIssue}` : ""}`);
    if (r.link) lines.push(`    ${r.link}`);
  }
  if (more > 0) lines.push(s.moreRecords(more) + (data.orgUrl ? ` ${s.seeAll}: ${healthListLink(data.orgUrl)}` : ""));
  lines.push("", s.coaching, "", s.footer(fmtDate(data.generatedOn)));

  return { subject, html: page(s, subject, body, s.footer(fmtDate(data.generatedOn))), text: lines.join("\n") };
}

/** The headline change: the last trend run against the one before it. */
function headline(data: DigestData, s: DigestStrings): { score: string | null; change: string | null; since: string | null; run: DigestRun | null } {
  const { lastRun, trend } = data.governance;
  if (!lastRun || lastRun.overallScore === null) return { score: null, change: null, since: null, run: null };
  const run = trend.find((t) => t.runId === lastRun.runId) ?? null;
  return {
    score: fmtScore(lastRun.overallScore),
    change: run ? formatChange(run.change, s.noChange) : null,
    since: run?.previousStartedOn ? fmtDate(run.previousStartedOn) : null,
    run,
  };
}

function scopeText(data: DigestData): string {
  const scope = data.governance.lastRun?.scope;
  if (!scope) return "–";
  const parts = [scope.tables.join(", ")];
  if (scope.ownerId) parts.push(`owner ${scope.ownerId}`);
  if (scope.teamId) parts.push(`team ${scope.teamId}`);
  if (scope.businessUnitId) parts.push(`business unit ${scope.businessUnitId}`);
  return parts.join("; ");
}

/** The governance digest: the last audit, the trend, what needs attention now and where. */
export function renderGovernanceDigest(data: DigestData, over?: Partial<DigestStrings>): RenderedDigest {
  const s = strings(over);
  const h = headline(data, s);
  const subject = s.governanceSubject(h.score, h.change, h.since);
  const { lastRun, trend, attention } = data.governance;
  const body: string[] = [`<tr><td style="${FONT}font-size:20px;font-weight:bold;color:${INK};padding:20px 24px 4px 24px;">${e(s.governanceTitle)}</td></tr>`];
  const lines = [subject, ""];

  if (!lastRun) {
    body.push(paragraph(e(s.noAudit)));
    lines.push(s.noAudit);
  } else {
    // Score, grade and change in one row.
    const changeHtml = h.run && h.run.change !== null ? `${changeCell(h.run.change, s.noChange)} <span style="color:${MUTED};">since ${e(h.since ?? "–")}</span>` : "";
    body.push(
      block(
        `<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>` +
          `<td valign="middle" style="padding:8px 12px 8px 0;">${badge(lastRun.grade, 18)}</td>` +
          `<td valign="middle" style="${FONT}font-size:28px;font-weight:bold;color:${INK};padding:8px 12px 8px 0;">${e(fmtScore(lastRun.overallScore))}</td>` +
          `<td valign="middle" style="${FONT}font-size:14px;color:${INK};">${changeHtml}</td>` +
          `</tr></table>`,
      ),
    );
    lines.push(`Score ${fmtScore(lastRun.overallScore)} (grade ${lastRun.grade ?? "–"})${h.change && h.since ? `, ${h.change} since ${h.since}` : ""}`, "");

    const facts: [string, string][] = [
      [s.colAudit, lastRun.name],
      [s.factMode, lastRun.mode],
      [s.factScope, scopeText(data)],
      [s.factFinished, fmtDate(lastRun.finishedOn)],
      [s.factScanned, fmtInt(lastRun.recordsScanned)],
      [s.factChanged, fmtInt(lastRun.recordsChanged)],
    ];
    body.push(heading(s.lastRunHeading), block(factTable(facts)));
    lines.push(s.lastRunHeading, ...facts.map(([k, v]) => `  ${k}: ${v}`), "");

    if (trend.length) {
      body.push(
        heading(s.trendHeading),
        block(
          dataTable(
            [{ text: s.colAudit }, { text: s.colMode }, { text: s.colGrade, align: "center", width: 60 }, { text: s.colScore, align: "right", width: 70 }, { text: s.colChange, align: "right", width: 110 }],
            trend.map((t) => [e(fmtDate(t.startedOn)), e(t.mode), badge(t.grade, 11), e(fmtScore(t.score)), changeCell(t.change, s.noChange)]),
          ),
        ),
      );
      lines.push(s.trendHeading, ...trend.map((t) => `  ${fmtDate(t.startedOn)}  ${t.mode.padEnd(11)} ${fmtScore(t.score).padStart(5)}  ${formatChange(t.change, s.noChange) ?? "–"}`), "");
    }

    const report = lastRun.report;
    if (report) {
      const tables = Object.entries(report.byTable);
      if (tables.length) {
        body.push(
          heading(s.byTableHeading),
          block(
            dataTable(
              [{ text: s.colTable }, { text: s.colRecords, align: "right" }, { text: s.colAverage, align: "right" }, { text: s.colFindings, align: "right" }],
              tables.map(([t, v]) => [e(t), e(v.records), e(fmtScore(v.average)), e(v.failed)]),
            ),
          ),
        );
        lines.push(s.byTableHeading, ...tables.map(([t, v]) => `  ${t}: ${v.records} records, average ${fmtScore(v.average)}, ${v.failed} findings`), "");
      }
      const dims = DIMENSIONS.filter((d) => report.byDimension[d] !== undefined).map((d) => [d, report.byDimension[d] ?? null] as const);
      if (dims.length) {
        body.push(heading(s.byDimensionHeading), block(dataTable([{ text: s.colDimension }, { text: s.colScore, align: "right" }], dims.map(([d, v]) => [e(d), e(fmtScore(v))]))));
        lines.push(s.byDimensionHeading, ...dims.map(([d, v]) => `  ${d}: ${fmtScore(v)}`), "");
      }
      const rules = report.byRule.filter((r) => r.failed > 0).slice(0, RULES_SHOWN);
      if (rules.length) {
        body.push(
          heading(s.byRuleHeading),
          block(dataTable([{ text: s.colRule }, { text: s.colFailed, align: "right" }, { text: s.colWaived, align: "right" }], rules.map((r) => [e(r.ruleId), e(r.failed), e(r.waived)]))),
        );
        lines.push(s.byRuleHeading, ...rules.map((r) => `  ${r.ruleId}: ${r.failed} failed, ${r.waived} waived`), "");
      }
    }
  }

  const att: [string, number][] = [
    [s.attentionRecords, attention.records],
    [s.attentionFindings, attention.findings],
    [s.attentionUsers, attention.users],
    [s.attentionTeams, attention.teamOwnedRecords],
  ];
  if (attention.unknownOwnerRecords > 0) att.push([s.attentionUnknown, attention.unknownOwnerRecords]);
  body.push(heading(s.attentionHeading), block(factTable(att, "right")));
  lines.push(s.attentionHeading, ...att.map(([k, v]) => `  ${k}: ${v}`), "");

  const owners = data.owners.slice(0, OWNERS_SHOWN);
  if (owners.length) {
    const kind = (o: OwnerDigest): string => (o.kind === "user" ? (o.disabled ? s.kindDisabled : s.kindUser) : o.kind === "team" ? s.kindTeam : s.kindUnknown);
    body.push(
      heading(s.ownersHeading),
      block(
        dataTable(
          [{ text: s.colOwner }, { text: s.colRecords, align: "right", width: 80 }, { text: s.colFindings, align: "right", width: 80 }],
          owners.map((o) => [`${e(o.name)} <span style="color:${MUTED};font-size:12px;">(${e(kind(o))})</span>`, e(o.recordCount), e(o.findingCount)]),
        ),
      ),
    );
    lines.push(s.ownersHeading, ...owners.map((o) => `  ${o.name} (${kind(o)}): ${o.recordCount} records, ${o.findingCount} findings`), "");
  }
  if (data.orgUrl) body.push(paragraph(link(healthListLink(data.orgUrl), s.seeAll)));
  lines.push(s.footer(fmtDate(data.generatedOn)));

  return { subject, html: page(s, subject, body, s.footer(fmtDate(data.generatedOn))), text: lines.join("\n") };
}
