/**
 * The words of the outcome insight views (Outcomes tab; the projections on the AI readiness tab)
 * in both shipped languages, English (1033) and German (1031); any other language gets English.
 * The language is the Dynamics user's (`userSettings.languageId`), or `?lang=1031` in the sandbox.
 * Functions take the values they interpolate; numbers are formatted for the language.
 */
export type InsightLanguage = 1033 | 1031;

const nf = (lang: InsightLanguage) => (n: number, digits = 0): string => n.toLocaleString(lang === 1031 ? "de-DE" : "en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const pct = (lang: InsightLanguage) => (x: number): string => `${nf(lang)(Math.round(x * 100))} %`;

function english() {
  const n = nf(1033);
  const p = pct(1033);
  return {
    tab: "Outcomes",
    heading: "Outcomes",
    intro: "What the audit history says about deals: stages that slid back, how data health went with wins, and how waivers burn down.",
    asTable: "Show the chart as a table",
    loading: "Loading…",
    loadError: (what: string, message: string) => `Could not load ${what}: ${message}`,
    colDate: "Date",
    colOwner: "Owner",
    colStage: "Stage",
    colRecord: "Record",
    colRule: "Rule",
    noOwner: "(no owner)",
    // regressions
    regressionsHeading: "Stages that slid back",
    regressionsIntro: "Open deals that passed a stage gate and later lost one of its exit criteria, as the last audit saw them.",
    regressionsNone: "No open deal has lost an exit criterion after passing its stage gate.",
    regressionsGroup: (owner: string, stage: string, count: number) => `${owner}, ${stage}: ${n(count)} lost criteri${count === 1 ? "on" : "a"}`,
    colCriterion: "Lost criterion",
    colSlidOn: "Slid on (or before)",
    criterionOf: (criterion: string, stage: string) => `${criterion} (exit of ${stage})`,
    // outcomes
    outcomesHeading: "Data health and outcomes",
    basisLabel: "Grade recorded at",
    basisFirst: "the first audit that saw the deal open",
    basisStage: (stage: string) => `entry into ${stage}`,
    winChartTitle: "Win rate of closed deals by data-health grade, with 95 % intervals",
    winChartDesc: (closed: number, shown: number) => `${n(closed)} closed deals, ${n(shown)} with a grade recorded while open. Bars show the win rate where a grade has at least 10 deals; lines show the 95 % Wilson interval.`,
    colGrade: "Grade",
    colClosed: "Closed (n)",
    colWon: "Won",
    colWinRate: "Win rate",
    colInterval: "95 % interval",
    colDays: "Median days to close",
    tooFew: "too few (under 10)",
    rate: (x: number) => p(x),
    interval: (lo: number, hi: number) => `${p(lo)}–${p(hi)}`,
    headline: (basis: string, ab: { n: number; rate: number | null; lo: number | null; hi: number | null }, cf: { n: number; rate: number | null; lo: number | null; hi: number | null }) => {
      const part = (g: typeof ab): string => (g.rate === null ? `too few to give a rate (n = ${n(g.n)})` : `${p(g.rate)} (n = ${n(g.n)}, 95 % interval ${p(g.lo!)}–${p(g.hi!)})`);
      return `Closed deals whose data was graded A–B at ${basis} were won at ${part(ab)}; those graded C–F at ${part(cf)}.`;
    },
    association: "This is an association, not proof that the data caused the outcome: deals with better data may differ in other ways too.",
    noClosed: "No closed deal has a grade recorded while it was open yet: outcomes appear once audits have seen deals open and they have closed.",
    dimensionsHeading: "Dimensions that differ most",
    colDimension: "Dimension",
    colHealthy: "Score ≥ 80 at entry: win rate (n)",
    colWeak: "Score < 80: win rate (n)",
    colDifference: "Difference",
    points: (x: number) => `${x > 0 ? "+" : ""}${n(x, 1)} points`,
    clear: "intervals apart",
    overlap: "intervals overlap: no clear difference",
    dimensionsNone: "No dimension has at least 10 deals on both sides.",
    dimension: {
      completeness: "Completeness", validity: "Validity", freshness: "Freshness", consistency: "Consistency",
      uniqueness: "Uniqueness", process: "Process", engagement: "Engagement", ownership: "Ownership",
    } as Record<string, string>,
    // waiver burn-down
    burndownHeading: "Waiver burn-down",
    burndownTitle: "Waivers in force and requests waiting for a decision, weekly",
    burndownDesc: (points: number, inForce: number, waiting: number) => `${n(points)} weekly points; now ${n(inForce)} in force and ${n(waiting)} waiting.`,
    seriesInForce: "In force",
    seriesWaiting: "Waiting for a decision",
    expiringHeading: "Expiring in the next 30 days",
    expiringNone: "No waiver in force expires in the next 30 days.",
    colWaiver: "Waiver",
    colExpires: "Expires",
    byRuleHeading: "Open waivers by rule",
    colInForce: "In force",
    colExpiring: "Expiring in 30 days",
    colWaiting: "Waiting",
    undated: (k: number) => `${n(k)} waiver${k === 1 ? "" : "s"} without the dates the burn-down needs ${k === 1 ? "is" : "are"} left out.`,
    // projections (AI readiness tab)
    projectionHeading: "When AI features become possible",
    projectionIntro: "Today's count against each documented prerequisite, the count at every audit, and a projection at the last 90 days' rate (dashed).",
    projectionTitle: (feature: string, label: string) => `${feature}: ${label} in the training window`,
    projectionDesc: (today: number, needed: number, audits: number) => `${n(today)} today, ${n(needed)} needed; ${n(audits)} audit dates.`,
    seriesCount: "Count at each audit date",
    seriesProjected: "Projection (dashed)",
    needed: (x: number) => `needed ${n(x)}`,
    eligible: (feature: string) => `${feature}: eligible now.`,
    eligibleIn: (feature: string, days: number) => `${feature}: eligible in about ${n(days)} days at the last 90 days' rate.`,
    notAtThisRate: (feature: string, needs: string) => `${feature}: not at this rate — needs about ${needs} to be eligible within a year.`,
    needsMore: (more: number, label: string, needed: number, now: number) => `${n(more, 1)} more ${label} per month (${n(needed)} instead of ${n(now, 1)})`,
    tooLittleHistory: (feature: string) => `${feature}: not eligible yet, and too little history to project (a rate needs 90 days of records).`,
    inputs: (text: string) => `Based on: ${text}.`,
    colCount: "Count",
    colProjected: "Projected",
    floorsHeading: "Data-quality floors",
    floorTitle: (label: string) => `${label} over the audits`,
    floorStatus: { eligible: "met", eligibleIn: "reached in about {0} days", notAtThisRate: "not reached at this rate", tooLittleHistory: "too little history to project" } as Record<string, string>,
    colMeasure: "Measure",
    colFloor: "Floor",
    colToday: "Today",
    colStatus: "Status",
    colSlope: "Change per 30 days",
  };
}

export type InsightStrings = ReturnType<typeof english>;

function german(): InsightStrings {
  const n = nf(1031);
  const p = pct(1031);
  const en = english();
  return {
    ...en,
    tab: "Ergebnisse",
    heading: "Ergebnisse",
    intro: "Was der Prüfverlauf über Verkaufschancen sagt: zurückgefallene Phasen, wie Datenqualität mit Abschlüssen einherging und wie Ausnahmen abgebaut werden.",
    asTable: "Diagramm als Tabelle anzeigen",
    loading: "Wird geladen…",
    loadError: (what: string, message: string) => `${what} konnte nicht geladen werden: ${message}`,
    colDate: "Datum",
    colOwner: "Besitzer",
    colStage: "Phase",
    colRecord: "Datensatz",
    colRule: "Regel",
    noOwner: "(kein Besitzer)",
    regressionsHeading: "Zurückgefallene Phasen",
    regressionsIntro: "Offene Verkaufschancen, die ein Phasentor passiert und danach ein Ausstiegskriterium verloren haben, wie die letzte Prüfung sie sah.",
    regressionsNone: "Keine offene Verkaufschance hat nach dem Phasentor ein Ausstiegskriterium verloren.",
    regressionsGroup: (owner: string, stage: string, count: number) => `${owner}, ${stage}: ${n(count)} verlorene${count === 1 ? "s Kriterium" : " Kriterien"}`,
    colCriterion: "Verlorenes Kriterium",
    colSlidOn: "Zurückgefallen am (oder vor dem)",
    criterionOf: (criterion: string, stage: string) => `${criterion} (Ausstieg aus ${stage})`,
    outcomesHeading: "Datenqualität und Ergebnisse",
    basisLabel: "Note erfasst bei",
    basisFirst: "der ersten Prüfung, die die Chance offen sah",
    basisStage: (stage: string) => `Eintritt in ${stage}`,
    winChartTitle: "Gewinnquote abgeschlossener Chancen nach Datenqualitätsnote, mit 95-%-Intervallen",
    winChartDesc: (closed: number, shown: number) => `${n(closed)} abgeschlossene Chancen, ${n(shown)} mit einer Note aus der offenen Zeit. Balken zeigen die Gewinnquote ab 10 Chancen je Note; Linien das 95-%-Wilson-Intervall.`,
    colGrade: "Note",
    colClosed: "Abgeschlossen (n)",
    colWon: "Gewonnen",
    colWinRate: "Gewinnquote",
    colInterval: "95-%-Intervall",
    colDays: "Median Tage bis Abschluss",
    tooFew: "zu wenige (unter 10)",
    rate: (x: number) => p(x),
    interval: (lo: number, hi: number) => `${p(lo)}–${p(hi)}`,
    headline: (basis, ab, cf) => {
      const part = (g: typeof ab): string => (g.rate === null ? `zu wenige für eine Quote (n = ${n(g.n)})` : `${p(g.rate)} (n = ${n(g.n)}, 95-%-Intervall ${p(g.lo!)}–${p(g.hi!)})`);
      return `Abgeschlossene Chancen mit Datenqualität A–B bei ${basis} wurden zu ${part(ab)} gewonnen; solche mit C–F zu ${part(cf)}.`;
    },
    association: "Das ist ein Zusammenhang, kein Beweis, dass die Daten das Ergebnis verursacht haben: Chancen mit besseren Daten können sich auch anders unterscheiden.",
    noClosed: "Noch keine abgeschlossene Chance hat eine Note aus ihrer offenen Zeit: Ergebnisse erscheinen, sobald Prüfungen Chancen offen gesehen haben und diese abgeschlossen sind.",
    dimensionsHeading: "Dimensionen mit dem größten Unterschied",
    colDimension: "Dimension",
    colHealthy: "Wert ≥ 80 bei Eintritt: Gewinnquote (n)",
    colWeak: "Wert < 80: Gewinnquote (n)",
    colDifference: "Unterschied",
    points: (x: number) => `${x > 0 ? "+" : ""}${n(x, 1)} Punkte`,
    clear: "Intervalle getrennt",
    overlap: "Intervalle überlappen: kein klarer Unterschied",
    dimensionsNone: "Keine Dimension hat auf beiden Seiten mindestens 10 Chancen.",
    dimension: {
      completeness: "Vollständigkeit", validity: "Gültigkeit", freshness: "Aktualität", consistency: "Konsistenz",
      uniqueness: "Eindeutigkeit", process: "Prozess", engagement: "Kundenkontakt", ownership: "Zuständigkeit",
    },
    burndownHeading: "Abbau der Ausnahmen",
    burndownTitle: "Gültige Ausnahmen und Anträge, die auf eine Entscheidung warten, wöchentlich",
    burndownDesc: (points: number, inForce: number, waiting: number) => `${n(points)} Wochenpunkte; jetzt ${n(inForce)} gültig und ${n(waiting)} wartend.`,
    seriesInForce: "Gültig",
    seriesWaiting: "Wartet auf Entscheidung",
    expiringHeading: "Läuft in den nächsten 30 Tagen ab",
    expiringNone: "Keine gültige Ausnahme läuft in den nächsten 30 Tagen ab.",
    colWaiver: "Ausnahme",
    colExpires: "Läuft ab",
    byRuleHeading: "Offene Ausnahmen nach Regel",
    colInForce: "Gültig",
    colExpiring: "Läuft in 30 Tagen ab",
    colWaiting: "Wartend",
    undated: (k: number) => `${n(k)} Ausnahme${k === 1 ? "" : "n"} ohne die nötigen Daten ${k === 1 ? "ist" : "sind"} nicht enthalten.`,
    projectionHeading: "Wann KI-Funktionen möglich werden",
    projectionIntro: "Die heutige Anzahl gegenüber jeder dokumentierten Voraussetzung, die Anzahl zu jeder Prüfung und eine Hochrechnung mit der Rate der letzten 90 Tage (gestrichelt).",
    projectionTitle: (feature: string, label: string) => `${feature}: ${label} im Trainingszeitraum`,
    projectionDesc: (today: number, needed: number, audits: number) => `Heute ${n(today)}, nötig ${n(needed)}; ${n(audits)} Prüfungsdaten.`,
    seriesCount: "Anzahl zu jedem Prüfungsdatum",
    seriesProjected: "Hochrechnung (gestrichelt)",
    needed: (x: number) => `nötig ${n(x)}`,
    eligible: (feature: string) => `${feature}: jetzt möglich.`,
    eligibleIn: (feature: string, days: number) => `${feature}: in etwa ${n(days)} Tagen möglich, bei der Rate der letzten 90 Tage.`,
    notAtThisRate: (feature: string, needs: string) => `${feature}: bei dieser Rate nicht — nötig sind etwa ${needs}, um innerhalb eines Jahres möglich zu werden.`,
    needsMore: (more: number, label: string, needed: number, now: number) => `${n(more, 1)} mehr ${label} pro Monat (${n(needed)} statt ${n(now, 1)})`,
    tooLittleHistory: (feature: string) => `${feature}: noch nicht möglich, und zu wenig Verlauf für eine Hochrechnung (eine Rate braucht 90 Tage Datensätze).`,
    inputs: (text: string) => `Grundlage: ${text}.`,
    colCount: "Anzahl",
    colProjected: "Hochgerechnet",
    floorsHeading: "Mindestwerte der Datenqualität",
    floorTitle: (label: string) => `${label} über die Prüfungen`,
    floorStatus: { eligible: "erreicht", eligibleIn: "erreicht in etwa {0} Tagen", notAtThisRate: "bei dieser Rate nicht erreicht", tooLittleHistory: "zu wenig Verlauf für eine Hochrechnung" },
    colMeasure: "Kennzahl",
    colFloor: "Mindestwert",
    colToday: "Heute",
    colStatus: "Stand",
    colSlope: "Änderung pro 30 Tage",
  };
}

const CACHE: Partial<Record<InsightLanguage, InsightStrings>> = {};

export function insightStrings(languageId: number | undefined): InsightStrings {
  const lang: InsightLanguage = languageId === 1031 ? 1031 : 1033;
  return (CACHE[lang] ??= lang === 1031 ? german() : english());
}

/** The user's language: Dynamics' user settings, else `?lang=` (sandbox), else English. */
export function languageOf(win: { location: { search: string }; Xrm?: unknown; parent?: unknown }): InsightLanguage {
  const read = (x: unknown): number | undefined => (x as { Utility?: { getGlobalContext?: () => { userSettings?: { languageId?: number } } } } | undefined)?.Utility?.getGlobalContext?.().userSettings?.languageId;
  let id = read(win.Xrm);
  if (id === undefined) {
    try {
      id = read((win.parent as { Xrm?: unknown } | undefined)?.Xrm);
    } catch {
      id = undefined;
    }
  }
  id ??= Number(new URLSearchParams(win.location.search).get("lang")) || undefined;
  return id === 1031 ? 1031 : 1033;
}
