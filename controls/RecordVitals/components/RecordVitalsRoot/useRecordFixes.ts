/**
 * The fixes the panel offers for the record on screen: the engine's proposals (pure, from the same
 * scoring the panel shows) for the columns the form lets the user edit. Applying one asks the form
 * to set its own fields (./useFormChannel → the form script): nothing is written here — the user
 * sees the values on the form and saves as usual, so the form's logic, plug-ins and flows run and
 * the save is the user's own, in their own security context. The form reports its new values back,
 * and the panel re-scores at once from them.
 *
 * Outside a form (no form answered the channel) no fix is applied: PCF's webAPI cannot send the
 * preview's ETag as If-Match, and an unjournaled write could not be undone; the panel shows the
 * proposal and says where it can be applied (docs/fixes.md).
 */
import * as React from "react";
import { proposeFixes, type FixProposal } from "../../../../plugins-ts/engine/fixes";
import type { VitalsState } from "./RecordVitalsRoot.types";
import type { FormChannelState } from "./useFormChannel";

export interface RecordFixes {
  /** A form answered: fixes can be set on its fields. */
  onForm: boolean;
  /** Proposals of failed findings, by rule id (only those the panel can show: column changes). */
  byRule: ReadonlyMap<string, FixProposal>;
  /** Every safe proposal of the record on the form's fields ("Fix all formatting"), failed or merely unformatted. */
  safe: readonly FixProposal[];
  /** Fixes set on the form since the last save (the user still has to save). */
  pending: number;
  /** The form shows every column of the proposal and lets the user edit it (and the panel is not read-only). */
  canApply: (proposal: FixProposal) => boolean;
  apply: (proposals: readonly FixProposal[]) => void;
}

/** Whether the form can take the proposal: every column on the form and editable there. */
const fits = (p: FixProposal, editable: ReadonlySet<string> | undefined): boolean => editable !== undefined && p.changes.every((c) => editable.has(c.column));

export function useRecordFixes(state: VitalsState, channel: FormChannelState, disabled: boolean): RecordFixes {
  const [pending, setPending] = React.useState(0);
  const ready = state.status === "ready" ? state : null;
  const form = channel.form;
  const version = ready?.snapshot.version;
  // A save (new row version) or another record: the form holds what was saved.
  React.useEffect(() => setPending(0), [version]);
  const proposals = React.useMemo(() => {
    if (!ready) return [];
    const required = form?.required;
    const found = proposeFixes(ready.pack.compiled, ready.snapshot.record, ready.score, { now: ready.scoredAt, isRequired: (_t, column) => required?.has(column) ?? false });
    return found.proposals.filter((p) => p.action === "update" && p.changes.length > 0);
  }, [ready, form]);
  const failed = new Set(ready?.score.findings.filter((f) => f.outcome === "failed" && !f.waived).map((f) => f.ruleId) ?? []);
  const byRule = new Map(proposals.filter((p) => failed.has(p.ruleId)).map((p) => [p.ruleId, p]));
  const { setValues } = channel;
  const canApply = React.useCallback((p: FixProposal) => !disabled && fits(p, form?.editable), [disabled, form]);
  const apply = React.useCallback(
    (list: readonly FixProposal[]) => {
      if (list.length === 0 || !list.every(canApply)) return;
      const values = Object.fromEntries(list.flatMap((p) => p.changes.map((c) => [c.column, c.after])));
      setValues(values);
      setPending((n) => n + list.length);
    },
    [canApply, setValues],
  );
  return { onForm: form !== null && !disabled, byRule, safe: proposals.filter((p) => p.safe && canApply(p)), pending, canApply, apply };
}
