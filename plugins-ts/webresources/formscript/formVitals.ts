/**
 * CRM Vitals on the model-driven form, through the form's own API. It never fetches and never
 * scores: the record vitals panel on the same form does both once per open and publishes the
 * result on the form channel (plugins-ts/client/formChannel.ts). This script
 *  - shows one form notification naming the critical findings of the panel's latest scoring, and
 *    clears it when a newer scoring has none (the panel re-scores after a save by itself);
 *  - reports the form's own values of the columns the pack reads when the user changes one, so the
 *    panel re-scores from them without a request;
 *  - tells the panel which of those columns the form lets the user edit, and sets them when the
 *    user presses the panel's Fix (the user sees the change and saves as usual, so form logic runs);
 *  - onSave / "Next Stage" (leads, opportunities): when the record moves into a stage whose earlier
 *    stages' exit criteria are not met by the form's values (saved values where a column is not on
 *    the form), a warning naming the missing data, or — when the pack's stage-exit rule says
 *    `blockOnSave: true` — the save or move is prevented.
 * Without the panel on the form nothing is published, and the script leaves the form alone.
 * Never throws into the form.
 */
import type { ColumnValue } from "../../engine";
import { openFormChannel, type FormChannel, type VitalsPublication } from "../../client/formChannel";
import { missingBefore } from "../../client/exitCriteria";
import { formStrings, type FormStrings } from "./strings";

export const CRITICAL_NOTIFICATION_ID = "vit_vitals_critical";
export const STAGE_NOTIFICATION_ID = "vit_vitals_stage";

export interface FormDependencies {
  channel: FormChannel;
  languageId: number;
}

function defaultDependencies(): FormDependencies {
  let languageId = 1033;
  try {
    languageId = Xrm.Utility.getGlobalContext().userSettings.languageId;
  } catch {
    // No global context (tests, very early load): English.
  }
  return { channel: openFormChannel(), languageId };
}

interface FormState {
  deps: FormDependencies;
  strings: FormStrings;
  table: string;
  id: string | null;
  /** Stage name when the form loaded (or last saved): a save "moves" when it differs. */
  savedStage: string | null;
  /** The panel's latest publication for this record. */
  latest?: VitalsPublication;
  /** Attributes whose change handler is registered (by logical name). */
  watched: Set<string>;
  postSaveRegistered: boolean;
  preStageRegistered: boolean;
  unsubscribe?: () => void;
}

const forms = new WeakMap<Xrm.FormContext, FormState>();
/** Records whose state (and channel listener) the script keeps at once. */
export const RECENT_RECORDS = 8;
/** Dynamics does not promise the same formContext object to every handler: also keep the state by record. */
const byRecord = new Map<string, FormState>();

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

function stateFor(formContext: Xrm.FormContext, deps?: FormDependencies): FormState {
  const { table, id } = recordOf(formContext);
  const key = `${table}|${id ?? "new"}`;
  let state = forms.get(formContext) ?? byRecord.get(key);
  if (!state || (deps && deps !== state.deps)) {
    state?.unsubscribe?.();
    const d = deps ?? defaultDependencies();
    state = { deps: d, strings: formStrings(d.languageId), table, id, savedStage: activeStageName(formContext), watched: new Set(), postSaveRegistered: false, preStageRegistered: false };
  }
  state.table = table;
  state.id = id;
  forms.set(formContext, state);
  // Unified Interface moves between records in-page, so a long session meets many records: keep
  // the most recent few (a main form plus dialogs or side panes) and let the oldest go, its channel
  // listener with it.
  byRecord.delete(key);
  byRecord.set(key, state);
  for (const [old, s] of byRecord) {
    if (byRecord.size <= RECENT_RECORDS) break;
    s.unsubscribe?.();
    s.unsubscribe = undefined;
    byRecord.delete(old);
  }
  return state;
}

/** Form value of a pack column in Web API terms (lookups `_x_value` → their GUID); undefined when not on the form. */
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

/** The form's values of the publication's columns that are on the form. */
function formValues(formContext: Xrm.FormContext, columns: readonly string[]): Record<string, ColumnValue> {
  const out: Record<string, ColumnValue> = {};
  for (const c of columns) {
    const v = formValue(formContext, c);
    if (v !== undefined) out[c] = v;
  }
  return out;
}

/** Shows or clears the critical-findings notification for a publication. */
function showCritical(formContext: Xrm.FormContext, state: FormState, p: VitalsPublication): void {
  formContext.ui.clearFormNotification(CRITICAL_NOTIFICATION_ID);
  if (p.critical.length > 0) formContext.ui.setFormNotification(state.strings.critical(p.critical.length, p.critical.join(" ")), "ERROR", CRITICAL_NOTIFICATION_ID);
}

/** Registers change handlers on the attributes the pack reads, once each. */
function watchColumns(formContext: Xrm.FormContext, state: FormState, columns: readonly string[]): void {
  for (const column of columns) {
    const name = /^_(.+)_value$/.exec(column)?.[1] ?? column;
    if (state.watched.has(name)) continue;
    const attribute = formContext.getAttribute(name);
    if (!attribute) continue;
    state.watched.add(name);
    attribute.addOnChange(() => {
      const p = state.latest;
      if (!p || !state.id) return;
      state.deps.channel.post({ kind: "values", table: state.table, id: state.id, values: formValues(formContext, p.columns) });
    });
  }
}

/** The pack's plain columns the user may edit on this form, and which of them the form requires (lookups are left out: a fix never sets one here). */
function editableColumns(formContext: Xrm.FormContext, columns: readonly string[]): { editable: string[]; required: string[] } {
  const editable: string[] = [];
  const required: string[] = [];
  for (const column of columns) {
    if (/^_.+_value$/.test(column)) continue;
    const attribute = formContext.getAttribute(column);
    const controls = attribute?.controls?.get() ?? [];
    if (!attribute || !controls.some((c) => !(c).getDisabled?.())) continue;
    editable.push(column);
    if (attribute.getRequiredLevel() === "required") required.push(column);
  }
  return { editable, required };
}

/**
 * A fix from the panel: sets the form's own fields, as if the user typed the values, and fires
 * their change events so form logic runs (and the change handler reports the values back, so the
 * panel re-scores at once). Nothing is saved: the user sees the change and saves as usual.
 */
function setFormValues(formContext: Xrm.FormContext, values: Readonly<Record<string, ColumnValue>>): void {
  for (const [column, value] of Object.entries(values)) {
    const attribute = formContext.getAttribute(column);
    if (!attribute || /^_.+_value$/.test(column)) continue;
    try {
      attribute.setValue(value);
      attribute.fireOnChange();
    } catch {
      // The form refused the value (a control's own validation): the field stays as the user left it.
    }
  }
}

/** OnLoad handler (pass the execution context). Never throws into the form. */
export function onLoad(executionContext: Xrm.Events.EventContext, deps?: FormDependencies): void {
  try {
    const formContext = executionContext.getFormContext();
    const state = stateFor(formContext, deps);
    state.savedStage = activeStageName(formContext);
    if (!state.id) {
      formContext.ui.clearFormNotification(CRITICAL_NOTIFICATION_ID);
      return;
    }
    if (!state.postSaveRegistered && typeof formContext.data.entity.addOnPostSave === "function") {
      state.postSaveRegistered = true;
      formContext.data.entity.addOnPostSave(() => {
        state.savedStage = activeStageName(formContext);
        formContext.ui.clearFormNotification(STAGE_NOTIFICATION_ID);
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
    state.unsubscribe ??= state.deps.channel.subscribe((m) => {
      if (m.table !== state.table || m.id !== state.id) return;
      if (m.kind === "setValues") return setFormValues(formContext, m.values);
      if (m.kind !== "scored") return;
      state.latest = m;
      showCritical(formContext, state, m);
      watchColumns(formContext, state, m.columns);
      state.deps.channel.post({ kind: "form", table: state.table, id: state.id, ...editableColumns(formContext, m.columns) });
    });
    // The panel may have scored before this script started: ask for its last result.
    state.deps.channel.post({ kind: "hello", table: state.table, id: state.id });
  } catch {
    // A host without the form API parts this script uses: the form works as before, without vitals.
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
  formContext.ui.clearFormNotification(STAGE_NOTIFICATION_ID);
  if (!state.latest || !target || String(args.getDirection()).toLowerCase() !== "next") return;
  judgeStage(formContext, state, state.latest, target, () => args.preventDefault());
}

/** Warns about (or blocks, with `blockOnSave`) entering `stage` with earlier exit criteria unmet. */
function judgeStage(formContext: Xrm.FormContext, state: FormState, p: VitalsPublication, stage: string, prevent: () => void): void {
  const missing = missingBefore(p.process, stage, (c) => {
    const fromForm = formValue(formContext, c);
    return fromForm !== undefined ? fromForm : p.saved[c];
  });
  if (!missing || missing.length === 0) return;
  if (p.blockOnSave) {
    prevent();
    formContext.ui.setFormNotification(state.strings.stageBlocked(stage, missing.join(", ")), "ERROR", STAGE_NOTIFICATION_ID);
  } else {
    formContext.ui.setFormNotification(state.strings.stageWarning(stage, missing.join(", ")), "WARNING", STAGE_NOTIFICATION_ID);
  }
}

/** OnSave handler (pass the execution context). Synchronous, so preventDefault takes effect. */
export function onSave(executionContext: Xrm.Events.SaveEventContext, deps?: FormDependencies): void {
  const formContext = executionContext.getFormContext();
  const state = stateFor(formContext, deps);
  const stage = activeStageName(formContext);
  formContext.ui.clearFormNotification(STAGE_NOTIFICATION_ID);
  // Without the panel's result (not published yet, or no panel on the form) or a stage change there is nothing to judge.
  if (!state.latest || !stage || stage === state.savedStage) return;
  judgeStage(formContext, state, state.latest, stage, () => executionContext.getEventArgs().preventDefault());
}
