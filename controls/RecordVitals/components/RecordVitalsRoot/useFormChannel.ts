/**
 * The panel's side of the form channel (plugins-ts/client/formChannel.ts): after every scoring it
 * publishes the result for the form script (notifications, the stage check on save), repeats the
 * last publication when a form script says hello, and hands the form's own values to `rescore`
 * when the user edits a column the pack reads — a re-scoring without a request.
 */
import * as React from "react";
import type { ColumnValue } from "../../../../plugins-ts/engine";
import { openFormChannel, publicationOf, type FormChannel, type VitalsPublication } from "../../../../plugins-ts/client/formChannel";
import type { VitalsState } from "./RecordVitalsRoot.types";

export function useFormChannel(table: string | null, recordId: string | null, state: VitalsState, rescore: (values: Record<string, ColumnValue>) => void): void {
  const channel = React.useRef<FormChannel | null>(null);
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
  }, [table, recordId]);

  React.useEffect(() => {
    if (state.status !== "ready" || state.refreshing) return;
    const p = publicationOf(state.pack.compiled, state.snapshot.record, state.score, ++scorings.current);
    last.current = p;
    channel.current?.post(p);
  }, [state]);
}
