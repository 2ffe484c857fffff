/**
 * The panel's side of the form channel (plugins-ts/client/formChannel.ts): after every scoring it
 * publishes the result for the form script (notifications, the stage check on save), repeats the
 * last publication when a form script says hello, and hands the form's own values to `rescore`
 * when the user edits a column the pack reads — a re-scoring without a request. The form also says
 * which pack columns it lets the user edit; a fix asks it to set them (`setValues`).
 */
import * as React from "react";
import type { ColumnValue } from "../../../../plugins-ts/engine";
import { openFormChannel, publicationOf, type FormChannel, type VitalsPublication } from "../../../../plugins-ts/client/formChannel";
import type { VitalsState } from "./RecordVitalsRoot.types";

/** What the form said about itself: the pack columns the user may edit there, and which it requires. */
export interface FormFields {
  editable: ReadonlySet<string>;
  required: ReadonlySet<string>;
}

export interface FormChannelState {
  /** Null until a form answers (outside a form, or without the form script, it never does). */
  form: FormFields | null;
  /** Asks the form to set its own fields (a fix); the form reports the values back, which re-scores. */
  setValues: (values: Record<string, ColumnValue>) => void;
}

export function useFormChannel(table: string | null, recordId: string | null, state: VitalsState, rescore: (values: Record<string, ColumnValue>) => void): FormChannelState {
  const channel = React.useRef<FormChannel | null>(null);
  const [form, setForm] = React.useState<FormFields | null>(null);
  const last = React.useRef<VitalsPublication | null>(null);
  const scorings = React.useRef(0);
  const rescoreRef = React.useRef(rescore);
  rescoreRef.current = rescore;

  React.useEffect(() => {
    const c = openFormChannel();
    channel.current = c;
    const off = c.subscribe((m) => {
      const p = last.current;
      if (!p || m.table !== p.table || m.id !== p.id) return;
      if (m.kind === "hello") c.post(p);
      else if (m.kind === "values") rescoreRef.current(m.values);
      else if (m.kind === "form") setForm({ editable: new Set(m.editable), required: new Set(m.required) });
    });
    return () => {
      off();
      c.close();
      channel.current = null;
    };
  }, []);

  // A new record: its scorings count from one again.
  React.useEffect(() => {
    scorings.current = 0;
    last.current = null;
    setForm(null);
  }, [table, recordId]);

  React.useEffect(() => {
    if (state.status !== "ready" || state.refreshing) return;
    const p = publicationOf(state.pack.compiled, state.snapshot.record, state.score, ++scorings.current);
    last.current = p;
    channel.current?.post(p);
  }, [state]);

  const setValues = React.useCallback(
    (values: Record<string, ColumnValue>) => {
      if (table && recordId) channel.current?.post({ kind: "setValues", table, id: recordId, values });
    },
    [table, recordId],
  );
  return { form, setValues };
}
