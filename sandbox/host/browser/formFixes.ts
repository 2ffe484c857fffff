/**
 * The sandbox form's side of the form channel (plugins-ts/client/formChannel.ts), as the CRM
 * Vitals form script (plugins-ts/webresources/formscript) does it on a Dynamics form: after each
 * scoring it tells the panel which of the pack's columns are inputs the user may edit here (and
 * which the table requires), sets those inputs when the user presses the panel's Fix, and reports
 * the form's values back so the panel re-scores at once. Nothing is saved: the user sees the new
 * values, marked as changed, and presses Save as usual.
 */
import type { ColumnValue } from "../../../plugins-ts/engine";
import { openFormChannel } from "../../../plugins-ts/client/formChannel";
import { REQUIRED_COLUMNS } from "../../../plugins-ts/fix/required";
import { h } from "./common";

export interface FormFixHost {
  table: string;
  /** The record's id (null while new). */
  id: () => string | null;
  inputs: ReadonlyMap<string, HTMLInputElement | HTMLTextAreaElement>;
  /** The element holding the inputs (their change events bubble to it). */
  form: HTMLElement;
  readOnly: () => boolean;
  /** Where the page says what happened. */
  message: HTMLElement;
}

export function answerFormChannel(host: FormFixHost): () => void {
  const channel = openFormChannel();
  let columns: string[] = [];
  const values = (): Record<string, ColumnValue> => {
    const out: Record<string, ColumnValue> = {};
    for (const c of columns) {
      const input = host.inputs.get(c);
      if (input) out[c] = input.value.trim() === "" ? null : input.value;
    }
    return out;
  };
  const off = channel.subscribe((m) => {
    const id = host.id();
    if (!id || m.table !== host.table || m.id !== id) return;
    if (m.kind === "scored") {
      columns = m.columns;
      const editable = host.readOnly() ? [] : m.columns.filter((c) => host.inputs.has(c));
      channel.post({ kind: "form", table: host.table, id, editable, required: editable.filter((c) => REQUIRED_COLUMNS[host.table]?.includes(c)) });
    } else if (m.kind === "setValues") {
      const set: string[] = [];
      for (const [column, value] of Object.entries(m.values)) {
        const input = host.inputs.get(column);
        if (!input || host.readOnly()) continue;
        input.value = value === null ? "" : String(value);
        input.classList.add("changed");
        set.push(column);
      }
      if (set.length === 0) return;
      host.message.replaceChildren(h("p", { class: "warn" }, `Fixed ${set.join(", ")} on the form: not saved yet. Press Save to keep the change.`));
      channel.post({ kind: "values", table: host.table, id, values: values() });
    }
  });
  // Edits the user types are reported too, as the form script's change handlers do (delegated: the
  // page re-creates its inputs after a save).
  host.form.addEventListener("change", (e) => {
    const column = (e.target as HTMLInputElement | null)?.name ?? "";
    const id = host.id();
    if (id && columns.includes(column)) channel.post({ kind: "values", table: host.table, id, values: values() });
  });
  return () => {
    off();
    channel.close();
  };
}
