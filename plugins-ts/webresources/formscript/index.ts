/**
 * Entry of the form web resource vit_/scripts/recordvitals.form.js. Register on account, contact,
 * lead and opportunity forms: OnLoad → `CrmVitals.Form.onLoad`, OnSave → `CrmVitals.Form.onSave`,
 * both with "Pass execution context as first parameter".
 */
import { onLoad, onPreStageChange, onSave } from "./formVitals";

interface CrmVitalsNamespace {
  Form?: { onLoad: typeof onLoad; onSave: typeof onSave; onPreStageChange: typeof onPreStageChange };
  [other: string]: unknown;
}

const root = globalThis as unknown as { CrmVitals?: CrmVitalsNamespace };
// Keep whatever else another CrmVitals script put in the namespace.
root.CrmVitals = root.CrmVitals ?? {};
root.CrmVitals.Form = {
  onLoad: (executionContext) => onLoad(executionContext),
  onSave: (executionContext) => onSave(executionContext),
  onPreStageChange: (executionContext) => onPreStageChange(executionContext),
};
