/**
 * The stage ledger: what each audit saw of a record's business-process stages, kept on its health
 * row (`vit_stagehistory`, compact JSON) so it outlives the record's closing.
 *
 * - **Stage entries.** The first audit that sees an open record in a stage records the stage, the
 *   day it was entered (the BPF's `activestagestartedon`, else the audit's day) and the record's
 *   health at that audit: score, grade and dimension scores. Outcome analysis
 *   (plugins-ts/readiness/outcomes.ts) reads these after the opportunity has closed.
 * - **The gate.** The furthest stage at which the record met every earlier stage's exit criteria.
 * - **Slides.** An open record missing a criterion of a stage before its gate passed that gate
 *   and later lost the criterion (decision maker removed, budget cleared): a regression. Its day
 *   is the record's last change (`modifiedon`) when that lies after the gate was passed, else the
 *   audit's day: the slide happened on or before it. A slide stays until the criterion is met
 *   again or the record closes. `vit_regressedon` holds the earliest open slide's day, so views
 *   can filter on it.
 *
 * Pure: the caller (the audit's page scoring) hands in the previous ledger, the score, the row and
 * the stage fact. A previous ledger that is not valid JSON starts afresh (nothing is lost that the
 * next audits cannot see again). Bounded: at most MAX_ENTRIES entries are kept.
 */
import { unmetExitCriteria } from "../engine/checks/exitCriteria";
import type { ProcessDefinition, RulePack } from "../engine/pack/types";
import type { ColumnValue, Dimension, Grade, RecordScore, StageFact } from "../engine/types";

export const STAGE_HISTORY_COLUMN = "vit_stagehistory";
export const REGRESSED_ON_COLUMN = "vit_regressedon";
export const MAX_ENTRIES = 12;

export interface StageEntry {
  /** stage name */
  s: string;
  /** day the stage was entered (BPF), else the audit's day */
  on: string;
  /** day of the audit that first saw the record in the stage */
  seen: string;
  /** grade and score at that audit */
  g: Grade | null;
  sc: number | null;
  /** dimension scores at that audit (rounded) */
  d: Partial<Record<Dimension, number>>;
}

export interface Slide {
  /** criterion label */
  c: string;
  /** the stage whose exit the criterion guards */
  of: string;
  /** the stage the record was in when it slid */
  in: string;
  /** the day it slid (on or before) */
  on: string;
}

export interface StageLedger {
  v: 1;
  e: StageEntry[];
  /** furthest stage (index and name) whose earlier criteria were all met, and the day it was first seen so */
  gate: { i: number; s: string; at: string } | null;
  r: Slide[];
}

export interface LedgerUpdate {
  ledger: StageLedger;
  json: string;
  /** the earliest open slide's day, or null */
  regressedOn: string | null;
  /** true when the ledger differs from the one stored */
  changed: boolean;
}

/** The process a table's ledger follows, or undefined when the pack has no stage exit criteria rule for it. */
export function ledgerProcess(pack: RulePack, table: string): ProcessDefinition | undefined {
  const process = pack.processes?.[table];
  if (!process) return undefined;
  const hasRule = pack.rules.some((r) => r.table === table && (r.check as { type?: string }).type === "stageExitCriteria");
  return hasRule ? process : undefined;
}

/** Parses a stored ledger; null when absent or not a ledger. */
export function parseLedger(text: string | null | undefined): StageLedger | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<StageLedger>;
    return v && v.v === 1 && Array.isArray(v.e) && Array.isArray(v.r) ? { v: 1, e: v.e, gate: v.gate ?? null, r: v.r } : null;
  } catch {
    return null;
  }
}

const day = (iso: string): string => iso.slice(0, 10);

function dimensionsOf(score: RecordScore): Partial<Record<Dimension, number>> {
  const out: Partial<Record<Dimension, number>> = {};
  for (const [d, v] of Object.entries(score.dimensions)) if (v && v.score !== null) out[d as Dimension] = Math.round(v.score);
  return out;
}

export interface LedgerInput {
  previous: string | null;
  score: RecordScore;
  values: Readonly<Record<string, ColumnValue | undefined>>;
  stage: StageFact | null | undefined;
  /** the audit's clock (ISO-8601) */
  now: string;
}

/** The ledger after this audit. */
export function nextStageLedger(process: ProcessDefinition, input: LedgerInput): LedgerUpdate {
  const before = parseLedger(input.previous);
  const ledger: StageLedger = before ? { v: 1, e: [...before.e], gate: before.gate, r: [...before.r] } : { v: 1, e: [], gate: null, r: [] };
  const open = input.values.statecode === 0 || input.values.statecode === undefined || input.values.statecode === null;
  const stage = input.stage;
  const at = stage ? process.stages.findIndex((s) => s.name === stage.name) : -1;
  if (!open) ledger.r = [];
  else if (stage && at >= 0) {
    const entered = stage.enteredOn ? day(stage.enteredOn) : day(input.now);
    const last = ledger.e[ledger.e.length - 1];
    if (!last || last.s !== stage.name || last.on !== entered) {
      ledger.e.push({ s: stage.name, on: entered, seen: day(input.now), g: input.score.grade, sc: input.score.score, d: dimensionsOf(input.score) });
      if (ledger.e.length > MAX_ENTRIES) ledger.e.splice(0, ledger.e.length - MAX_ENTRIES);
    }
    const judged = unmetExitCriteria(process.stages, at, input.values);
    if ("unmet" in judged) {
      if (judged.unmet.length === 0 && (!ledger.gate || at > ledger.gate.i)) ledger.gate = { i: at, s: stage.name, at: day(input.now) };
      const gate = ledger.gate;
      const lost = gate ? judged.unmet.filter((u) => process.stages.findIndex((s) => s.name === u.stage) < gate.i) : [];
      const modified = typeof input.values.modifiedon === "string" ? day(input.values.modifiedon) : null;
      const slidOn = gate && modified && modified >= gate.at && modified <= day(input.now) ? modified : day(input.now);
      ledger.r = lost.map((u) => ledger.r.find((x) => x.c === u.label && x.of === u.stage) ?? { c: u.label, of: u.stage, in: stage.name, on: slidOn });
    }
  }
  const json = JSON.stringify(ledger);
  const regressedOn = ledger.r.length ? ledger.r.map((x) => x.on).sort()[0] : null;
  return { ledger, json, regressedOn: regressedOn ? `${regressedOn}T00:00:00.000Z` : null, changed: json !== (input.previous ?? "") };
}
