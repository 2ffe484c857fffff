/**
 * How the record panel and the form script share one scoring per form open. The panel is the only
 * place that fetches and scores; it publishes what the form script needs (critical findings, the
 * pack's process with its exit criteria, the saved values of those columns) and the form script
 * answers with the form's own values when the user edits a column the pack reads, so the panel
 * re-scores from them without a request.
 *
 * Transport: a `BroadcastChannel` named CHANNEL_NAME. It reaches every same-origin document of the
 * tab — the form script runs in its own frame in Unified Interface, the control in the page — and,
 * unlike a global, it works in whichever order the two start: a late subscriber sends "hello" and
 * the panel repeats its last publication. Where BroadcastChannel does not exist the channel is a
 * same-window event target. Messages are plain data (structured clone); a malformed message is
 * ignored, never thrown into the form.
 */
import type { ColumnValue, CompiledPack, EngineRecord, ProcessDefinition, RecordScore } from "../engine";
import { criticalFailures } from "./exitCriteria";

export const CHANNEL_NAME = "crmvitals.form";

/** What the panel publishes after every scoring of a record. */
export interface VitalsPublication {
  kind: "scored";
  table: string;
  id: string;
  /** Counts the panel's scorings of this record in this page (1 = the scoring of the form open). */
  scoring: number;
  overall: number | null;
  grade: string | null;
  /** Messages of the failed critical findings that are not waived. */
  critical: string[];
  /** The columns the pack reads on this table: the form script reports their edits. */
  columns: string[];
  /** The pack's business process for the table, when it has one. */
  process: ProcessDefinition | null;
  /** The stage-exit rule says to block a save (or a stage move) with earlier criteria unmet. */
  blockOnSave: boolean;
  /** Saved values of the exit-criteria columns (for columns that are not on the form). */
  saved: Record<string, ColumnValue>;
}

/** The form script asks for the last publication of a record. */
export interface HelloMessage {
  kind: "hello";
  table: string;
  id: string;
}

/** The form's current values of pack columns (after the user changed one). */
export interface ValuesMessage {
  kind: "values";
  table: string;
  id: string;
  values: Record<string, ColumnValue>;
}

/**
 * The form answers a publication: which of the pack's columns it shows and the user may edit, and
 * which of those the form requires (getRequiredLevel "required"). The panel offers Fix only then.
 */
export interface FormPresenceMessage {
  kind: "form";
  table: string;
  id: string;
  editable: string[];
  required: string[];
}

/** The panel asks the form to set its own fields (a fix the user then sees and saves as usual). */
export interface SetValuesMessage {
  kind: "setValues";
  table: string;
  id: string;
  values: Record<string, ColumnValue>;
}

export type FormMessage = VitalsPublication | HelloMessage | ValuesMessage | FormPresenceMessage | SetValuesMessage;

const KINDS: ReadonlySet<string> = new Set(["scored", "hello", "values", "form", "setValues"]);

export interface FormChannel {
  post(message: FormMessage): void;
  /** Calls `listener` for every message from the other side; returns the unsubscribe function. */
  subscribe(listener: (message: FormMessage) => void): () => void;
  close(): void;
}

function isMessage(data: unknown): data is FormMessage {
  if (typeof data !== "object" || data === null) return false;
  const m = data as Partial<FormMessage>;
  return typeof m.kind === "string" && KINDS.has(m.kind) && typeof m.table === "string" && typeof m.id === "string";
}

interface ChannelLike {
  postMessage(data: unknown): void;
  addEventListener(type: "message", listener: (e: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (e: MessageEvent) => void): void;
  close(): void;
}

/** Same-window stand-in where BroadcastChannel is missing: every channel object but the sender hears a post. */
function windowChannel(name: string): ChannelLike {
  const g = globalThis as unknown as Record<string, EventTarget | undefined>;
  const key = `__${name}`;
  const bus = (g[key] ??= new EventTarget());
  const own = new Set<(e: MessageEvent) => void>();
  return {
    postMessage: (data) => {
      const event = new MessageEvent("message", { data });
      Object.defineProperty(event, "sender", { value: own });
      bus.dispatchEvent(event);
    },
    addEventListener: (_t, listener) => {
      const wrapped = (e: Event) => {
        if ((e as MessageEvent & { sender?: unknown }).sender !== own) listener(e as MessageEvent);
      };
      own.add(listener);
      (listener as unknown as { wrapped?: EventListener }).wrapped = wrapped;
      bus.addEventListener("message", wrapped);
    },
    removeEventListener: (_t, listener) => {
      own.delete(listener);
      const wrapped = (listener as unknown as { wrapped?: EventListener }).wrapped;
      if (wrapped) bus.removeEventListener("message", wrapped);
    },
    close: () => undefined,
  };
}

/** Opens the channel (one per panel instance or form script). */
export function openFormChannel(name: string = CHANNEL_NAME): FormChannel {
  const native = (globalThis as { BroadcastChannel?: new (n: string) => ChannelLike }).BroadcastChannel;
  const channel: ChannelLike = native ? new native(name) : windowChannel(name);
  return {
    post: (message) => channel.postMessage(message),
    subscribe(listener) {
      const onMessage = (e: MessageEvent) => {
        if (isMessage(e.data)) listener(e.data);
      };
      channel.addEventListener("message", onMessage);
      return () => channel.removeEventListener("message", onMessage);
    },
    close: () => channel.close(),
  };
}

/** The publication of one scoring. Pure. */
export function publicationOf(compiled: CompiledPack, record: EngineRecord, score: RecordScore, scoring: number): VitalsPublication {
  const process = compiled.process(record.table) ?? null;
  const rules = compiled.rules(record.table);
  const saved: Record<string, ColumnValue> = {};
  for (const s of process?.stages ?? [])
    for (const e of s.exitCriteria) {
      const v = record.values[e.column];
      if (v !== undefined) saved[e.column] = v;
    }
  const columns = new Set(compiled.requirements(record.table).columns);
  for (const c of Object.keys(saved)) columns.add(c);
  return {
    kind: "scored",
    table: record.table,
    id: record.id,
    scoring,
    overall: score.score,
    grade: score.grade,
    critical: criticalFailures(score.findings).map((f) => f.message),
    columns: [...columns].sort(),
    process: process ? { name: process.name, stages: process.stages.map((s) => ({ name: s.name, exitCriteria: s.exitCriteria.map((e) => ({ ...e })) })) } : null,
    blockOnSave: rules.some((r) => r.rule.check.type === "stageExitCriteria" && r.rule.blockOnSave === true),
    saved,
  };
}
