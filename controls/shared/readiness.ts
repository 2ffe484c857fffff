/**
 * The stage-readiness checklist of a lead or opportunity: the current stage's exit criteria ticked
 * or not, days in stage against the limit, the last activity against the expected cadence and the
 * next follow-up. Derived from the same pack and facts the engine scores, so it never disagrees
 * with the findings. Pure.
 */
import type { CompiledPack, EngineRecord } from "../../plugins-ts/engine";
import { criterionMet, missingBefore } from "../../plugins-ts/client/exitCriteria";

const DAY_MS = 86_400_000;

export interface CriterionState {
  label: string;
  column: string;
  /** true met, false missing, null not fetched. */
  met: boolean | null;
}

export interface StageReadiness {
  processName: string;
  /** "fetched": a stage is active; "none": no active stage; "unknown": the stage was not read. */
  status: "fetched" | "none" | "unknown";
  stage: string | null;
  criteria: CriterionState[];
  /** Exit criteria of earlier stages that are still missing ("Budget (Qualify)"). */
  earlierMissing: string[];
  daysInStage: number | null;
  maxDays: number | null;
  lastActivityOn: string | null | undefined;
  /** Days between activities the pack expects (its lastActivity rule), when it has one. */
  cadenceDays: number | null;
  lastActivityLate: boolean;
  nextActivityDueOn: string | null | undefined;
  followUpOverdue: boolean;
}

/** The checklist, or null when the table has no process in the pack. */
export function stageReadiness(compiled: CompiledPack, record: EngineRecord, now: Date): StageReadiness | null {
  const process = compiled.process(record.table);
  if (!process) return null;
  const facts = record.related ?? {};
  const stageFact = facts.stage;
  const at = stageFact ? process.stages.findIndex((s) => s.name === stageFact.name) : -1;
  const stage = at >= 0 ? process.stages[at] : undefined;
  const criteria = (stage?.exitCriteria ?? []).map((e) => ({ label: e.label, column: e.column, met: criterionMet(e, record.values[e.column]) }));
  const earlierMissing = stage ? (missingBefore(process, stage.name, (c) => record.values[c]) ?? []) : [];

  const rules = compiled.rules(record.table);
  const stageRule = rules.find((r) => r.rule.check.type === "daysInStage");
  const fixedLimit = stageRule && stageRule.rule.check.type === "daysInStage" ? stageRule.rule.check.maxDays : undefined;
  const maxDays = fixedLimit ?? stage?.maxDays ?? null;
  const entered = stageFact?.enteredOn ? Date.parse(stageFact.enteredOn) : NaN;
  const daysInStage = Number.isNaN(entered) ? null : Math.max(0, Math.floor((now.getTime() - entered) / DAY_MS));

  const cadenceRule = rules.find((r) => r.rule.check.type === "lastActivity");
  const cadenceDays = cadenceRule && cadenceRule.rule.check.type === "lastActivity" ? cadenceRule.rule.check.maxDays : null;
  const last = facts.lastActivityOn;
  const lastT = last ? Date.parse(last) : NaN;
  const lastActivityLate = cadenceDays !== null && (last === null || (!Number.isNaN(lastT) && now.getTime() - lastT > cadenceDays * DAY_MS));
  const next = facts.nextActivityDueOn;
  const nextT = next ? Date.parse(next) : NaN;

  return {
    processName: process.name,
    status: stageFact === undefined ? "unknown" : stageFact === null || !stage ? "none" : "fetched",
    stage: stageFact?.name ?? null,
    criteria,
    earlierMissing,
    daysInStage,
    maxDays,
    lastActivityOn: last,
    cadenceDays,
    lastActivityLate,
    nextActivityDueOn: next,
    followUpOverdue: !Number.isNaN(nextT) && nextT < now.getTime(),
  };
}
