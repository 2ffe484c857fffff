/**
 * Stages that slid back: open records that passed a stage gate and later lost one of its exit
 * criteria, as the last audit recorded them in the stage ledger (plugins-ts/audit/stages.ts), one
 * row per lost criterion, grouped per owner and stage. Pure: callers hand in the health rows'
 * ledgers. A record changed since the last audit shows as that audit saw it.
 */
import { parseLedger } from "../audit/stages";

export interface RegressionSource {
  table: string;
  recordId: string;
  name: string;
  ownerId: string | null;
  stageHistory: string | null;
}

export interface Regression {
  table: string;
  recordId: string;
  name: string;
  ownerId: string | null;
  /** the stage the record is in */
  stage: string;
  /** the lost criterion and the stage whose exit it guards */
  criterion: string;
  criterionOf: string;
  /** the day it slid (on or before) */
  slidOn: string;
}

export interface RegressionGroup {
  ownerId: string | null;
  stage: string;
  regressions: Regression[];
}

/** One row per lost criterion, newest slide first. */
export function regressionsOf(sources: readonly RegressionSource[]): Regression[] {
  const out: Regression[] = [];
  for (const s of sources) {
    const ledger = parseLedger(s.stageHistory);
    for (const r of ledger?.r ?? []) out.push({ table: s.table, recordId: s.recordId, name: s.name, ownerId: s.ownerId, stage: r.in, criterion: r.c, criterionOf: r.of, slidOn: r.on });
  }
  return out.sort((a, b) => b.slidOn.localeCompare(a.slidOn) || a.name.localeCompare(b.name) || a.criterion.localeCompare(b.criterion));
}

/** Regressions per owner and stage, the largest groups first. */
export function groupRegressions(list: readonly Regression[]): RegressionGroup[] {
  const groups = new Map<string, RegressionGroup>();
  for (const r of list) {
    const key = `${r.ownerId ?? ""}|${r.stage}`;
    const g = groups.get(key) ?? { ownerId: r.ownerId, stage: r.stage, regressions: [] };
    g.regressions.push(r);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.regressions.length - a.regressions.length || (a.ownerId ?? "").localeCompare(b.ownerId ?? "") || a.stage.localeCompare(b.stage));
}
