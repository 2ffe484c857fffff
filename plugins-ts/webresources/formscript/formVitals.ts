/**
 * CRM Vitals on the classic/UCI form, through the form's own API:
 *  - onLoad scores the saved record with the same engine and data layer as the panel
 *    (`Xrm.WebApi` instead of `context.webAPI`) and shows one form notification naming the
 *    critical findings; it re-scores after every save (`addOnPostSave`) and clears the
 *    notification when they are fixed.
 *  - onSave (leads, opportunities): when the record has moved into a stage whose earlier stages'
 *    exit criteria are not met, a warning naming the missing data, or — when the pack's
 *    stage-exit rule says `blockOnSave: true` — the save is prevented. It reads the form's current
 *    values, so it judges what is about to be saved.
 */
import type { CompiledPack, ColumnValue, EngineRecord, RecordScore } from "../../engine";
import { createWebApiVitalsSource } from "../../client/vitalsSource";
import { sessionRulePack, type PackChoice } from "../../client/rulePackSource";
import { criticalFailures } from "../../../controls/shared/findings";
import { criterionMet } from "../../../controls/shared/readiness";
import type { WebApiPort, WebApiRow } from "../../client/webApiPort";
import { formStrings, type FormStrings } from "./strings";

export const CRITICAL_NOTIFICATION_ID = "vit_vitals_critical";
export const STAGE_NOTIFICATION_ID = "vit_vitals_stage";

export interface FormDependencies {
  webApi: WebApiPort;
  now: () => Date;
  languageId: number;
}

/** Xrm.WebApi as the shared data layer's port. */
export function xrmWebApiPort(api: Xrm.WebApi): WebApiPort {
  return {
    retrieveRecord: (table, id, options) => Promise.resolve(api.retrieveRecord(table, id, options) as PromiseLike<WebApiRow>),
    retrieveMultipleRecords: (table, options, maxPageSize) =>
      Promise.resolve(api.retrieveMultipleRecords(table, options, maxPageSize) as PromiseLike<{ entities: WebApiRow[]; nextLink?: string }>),
  };
}

function defaultDependencies(): FormDependencies {
  let languageId = 1033;
  try {
    languageId = Xrm.Utility.getGlobalContext().userSettings.languageId;
  } catch {
    // No global context (tests, very early load): English.
  }
  return { webApi: xrmWebApiPort(Xrm.WebApi), now: () => new Date(), languageId };
}

interface FormState {
  deps: FormDependencies;
  strings: FormStrings;
  /** Stage name when the form loaded (or last saved): a save "moves" when it differs. */
  savedStage: string | null;
  pack?: PackChoice;
  record?: EngineRecord;
  score?: RecordScore;
  postSaveRegistered: boolean;
  preStageRegistered?: boolean;
}

const forms = new WeakMap<Xrm.FormContext, FormState>();
/** Dynamics does not promise the same formContext object to every handler: also keep the state by record. */
const byRecord = new Map<string, FormState>();
const recordKey = (formContext: Xrm.FormContext): string => {
  const { table, id } = recordOf(formContext);
  return `${table}|${id ?? "new"}`;
};

function recordOf(formContext: Xrm.FormContext): { table: string; id: string | null } {
  const entity = formContext.data.entity;
  const id = entity.getId().replace(/^\{|\}$/g, "").toLowerCase();
  return { table: entity.getEntityName(), id: id === "" || /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(id) ? null : id };
}

function activeStageName(formContext: Xrm.FormContext): string | null {
  try {
    return formContext.data.process?.getActiveStage()?.getName() ?? null;
  } catch {
    return null; // no business process flow on this form
  }
}

/** Scores the saved record and shows or clears the critical-findings notification. */
export async function refresh(formContext: Xrm.FormContext, state: FormState): Promise<RecordScore | null> {
  const { table, id } = recordOf(formContext);
  if (!id) {
    formContext.ui.clearFormNotification(CRITICAL_NOTIFICATION_ID);
    return null;
  }
  const pack = await sessionRulePack(state.deps.webApi);
  state.pack = pack;
  if (pack.compiled.rules(table).length === 0) return null;
  const snapshot = await createWebApiVitalsSource(state.deps.webApi).load(table, id, pack.compiled);
  const score = pack.compiled.score(snapshot.record, { now: state.deps.now() });
  state.record = snapshot.record;
  state.score = score;
  const critical = criticalFailures(score.findings);
  formContext.ui.clearFormNotification(CRITICAL_NOTIFICATION_ID);
  if (critical.length > 0) {
    formContext.ui.setFormNotification(state.strings.critical(critical.length, critical.map((f) => f.message).join(" ")), "ERROR", CRITICAL_NOTIFICATION_ID);
  }
  return score;
}

function stateFor(formContext: Xrm.FormContext, deps?: FormDependencies): FormState {
  const key = recordKey(formContext);
  let state = forms.get(formContext) ?? byRecord.get(key);
  if (!state || deps) {
    const d = deps ?? state?.deps ?? defaultDependencies();
    state = { deps: d, strings: formStrings(d.languageId), savedStage: activeStageName(formContext), postSaveRegistered: forms.get(formContext)?.postSaveRegistered ?? false, preStageRegistered: forms.get(formContext)?.preStageRegistered, pack: state?.pack };
  }
  forms.set(formContext, state);
  // One entry per record and a handful of records per page session: the map stays small.
  byRecord.set(key, state);
  return state;
}

/** OnLoad handler (pass the execution context). Never throws into the form. */
export async function onLoad(executionContext: Xrm.Events.EventContext, deps?: FormDependencies): Promise<void> {
  const formContext = executionContext.getFormContext();
  const state = stateFor(formContext, deps);
  state.savedStage = activeStageName(formContext);
  if (!state.postSaveRegistered && typeof formContext.data.entity.addOnPostSave === "function") {
    state.postSaveRegistered = true;
    formContext.data.entity.addOnPostSave(() => {
      state.savedStage = activeStageName(formContext);
      formContext.ui.clearFormNotification(STAGE_NOTIFICATION_ID);
      refresh(formContext, state).catch(() => undefined);
    });
  }
  if (!state.preStageRegistered) {
    try {
      formContext.data.process?.addOnPreStageChange((ctx) => onPreStageChange(ctx));
      state.preStageRegistered = true;
    } catch {
      // No business process flow on this form (or a host without stage events).
    }
  }
  try {
    await refresh(formContext, state);
  } catch {
    // No read access or the service is unavailable: the form works as before, without vitals.
  }
}

/**
 * Before the business process flow moves to the next stage: the same check as on save, so the user
 * hears about missing exit criteria when they press "Next Stage"; with `blockOnSave` the move is
 * prevented. Registered by onLoad through `addOnPreStageChange`.
 */
export function onPreStageChange(executionContext: Xrm.Events.StageChangeEventContext): void {
  const formContext = executionContext.getFormContext();
  const state = stateFor(formContext);
  const args = executionContext.getEventArgs();
  const target = args.getStage()?.getName();
  const compiled = state.pack?.compiled;
  formContext.ui.clearFormNotification(STAGE_NOTIFICATION_ID);
  if (!compiled || !target || String(args.getDirection()).toLowerCase() !== "next") return;
  judgeStage(formContext, state, compiled, target, () => args.preventDefault());
}

/** Warns about (or blocks, with `blockOnSave`) entering `stage` with earlier exit criteria unmet. */
function judgeStage(formContext: Xrm.FormContext, state: FormState, compiled: CompiledPack, stage: string, prevent: () => void): void {
  const { table } = recordOf(formContext);
  const missing = missingBefore(compiled, table, stage, formContext, state.record);
  if (!missing || missing.length === 0) return;
  const stageRule = compiled.rules(table).find((r) => r.rule.check.type === "stageExitCriteria");
  if (stageRule?.rule.blockOnSave === true) {
    prevent();
    formContext.ui.setFormNotification(state.strings.stageBlocked(stage, missing.join(", ")), "ERROR", STAGE_NOTIFICATION_ID);
  } else {
    formContext.ui.setFormNotification(state.strings.stageWarning(stage, missing.join(", ")), "WARNING", STAGE_NOTIFICATION_ID);
  }
}

/** Form value of a pack column in Web API terms (lookups `_x_value` → their GUID). */
export function formValue(formContext: Xrm.FormContext, column: string): ColumnValue | undefined {
  const lookup = /^_(.+)_value$/.exec(column);
  const attribute: Xrm.Attributes.Attribute | null = formContext.getAttribute<Xrm.Attributes.Attribute>(lookup ? lookup[1] : column);
  if (!attribute) return undefined;
  const v: unknown = attribute.getValue();
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) {
    const first = v[0] as Xrm.LookupValue | undefined;
    return first?.id ? first.id.replace(/^\{|\}$/g, "").toLowerCase() : null;
  }
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return null;
}

/** Earlier stages' exit criteria not met by what the form holds (saved values where a column is not on the form). */
export function missingBefore(compiled: CompiledPack, table: string, stage: string, formContext: Xrm.FormContext, saved?: EngineRecord): string[] | null {
  const process = compiled.process(table);
  const at = process ? process.stages.findIndex((s) => s.name === stage) : -1;
  if (!process || at < 0) return null;
  const missing: string[] = [];
  for (const s of process.stages.slice(0, at)) {
    for (const e of s.exitCriteria) {
      const fromForm = formValue(formContext, e.column);
      const value = fromForm !== undefined ? fromForm : saved?.values[e.column];
      if (criterionMet(e, value) === false) missing.push(`${e.label} (${s.name})`);
    }
  }
  return missing;
}

/** OnSave handler (pass the execution context). Synchronous, so preventDefault takes effect. */
export function onSave(executionContext: Xrm.Events.SaveEventContext, deps?: FormDependencies): void {
  const formContext = executionContext.getFormContext();
  const state = stateFor(formContext, deps);
  const compiled = state.pack?.compiled;
  const stage = activeStageName(formContext);
  formContext.ui.clearFormNotification(STAGE_NOTIFICATION_ID);
  // Without the pack (onLoad has not finished) or a stage change there is nothing to judge.
  if (!compiled || !stage || stage === state.savedStage) return;
  judgeStage(formContext, state, compiled, stage, () => executionContext.getEventArgs().preventDefault());
}
