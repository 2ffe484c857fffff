/**
 * State of the panel: loads the pack and the record's data (one `open` of the data source: the
 * pack's lookup travels with the facts), scores it with the engine (once per open), re-scores after a save, and re-scores the form's own values the form script reports
 * (./useFormChannel) without a request. A host `updateView` with a data change bumps `refreshSignal`; the hook
 * then asks for the saved row version only and reloads when it changed, so unrelated refreshes
 * cost one small request and never a full reload.
 */
import * as React from "react";
import { useId } from "@fluentui/react-components";
import { classifyError } from "../../../../plugins-ts/client/errors";
import { groupFindings } from "../../../shared/findings";
import { stageReadiness } from "../../../shared/readiness";
import type { RecordVitalsRootProps, RecordVitalsViewModel, VitalsState } from "./RecordVitalsRoot.types";
import type { PackChoice } from "../../../../plugins-ts/client/rulePackSource";
import type { VitalsSnapshot } from "../../../../plugins-ts/client/vitalsSource";
import type { ColumnValue } from "../../../../plugins-ts/engine";
import { useFormChannel } from "./useFormChannel";
import { useRecordFixes } from "./useRecordFixes";

/** One scoring of a snapshot: the panel's only call of the engine's score. */
function scored(pack: PackChoice, snapshot: VitalsSnapshot, at: Date): VitalsState {
  const score = pack.compiled.score(snapshot.record, { now: at });
  return {
    status: "ready",
    snapshot,
    pack,
    score,
    groups: groupFindings(score.findings),
    readiness: stageReadiness(pack.compiled, snapshot.record, at),
    scoredAt: at,
    refreshing: false,
  };
}

function initialState(props: RecordVitalsRootProps): VitalsState {
  if (props.masked) return { status: "masked" };
  if (!props.recordId || !props.table) return { status: "newRecord" };
  return { status: "loading" };
}

export function useRecordVitals(props: RecordVitalsRootProps): RecordVitalsViewModel {
  const { table, recordId, dataSource, masked, refreshSignal, now, onScored } = props;
  const [state, setState] = React.useState<VitalsState>(() => initialState(props));
  const [attempt, setAttempt] = React.useState(0);
  const sequence = React.useRef(0);
  const stateRef = React.useRef(state);
  stateRef.current = state;
  const onScoredRef = React.useRef(onScored);
  onScoredRef.current = onScored;
  // The clock is read through a ref: a host hands a new function on every updateView, and that
  // must not count as a reason to reload.
  const nowRef = React.useRef(now);
  nowRef.current = now;

  const load = React.useCallback(
    (keepVisible: boolean) => {
      const mine = ++sequence.current;
      if (masked) return setState({ status: "masked" });
      if (!recordId || !table) return setState({ status: "newRecord" });
      setState((prev) => (keepVisible && prev.status === "ready" ? { ...prev, refreshing: true } : { status: "loading" }));
      dataSource
        .open(table, recordId)
        .then(({ pack, snapshot }) => {
            if (mine !== sequence.current) return;
            if (!snapshot) return setState({ status: "unsupported", table });
            setState(scored(pack, snapshot, nowRef.current()));
        })
        .catch((err: unknown) => {
            if (mine !== sequence.current) return;
            const c = classifyError(err);
            setState(c.kind === "noAccess" ? { status: "noAccess", message: c.message } : { status: "error", message: c.message });
        });
    },
    [dataSource, masked, recordId, table],
  );

  // Load when the record (or the retry counter) changes.
  React.useEffect(() => {
    load(false);
  }, [load, attempt]);

  // After a data change reported by the host: reload only when the saved row changed.
  const firstSignal = React.useRef(refreshSignal);
  React.useEffect(() => {
    if (refreshSignal === firstSignal.current) return;
    const current = stateRef.current;
    if (current.status !== "ready" || !table || !recordId) return;
    let live = true;
    dataSource
      .version(table, recordId)
      .then((v) => {
        if (live && v !== current.snapshot.version) load(true);
      })
      .catch(() => {
        // The probe failed: a full reload shows the real state (no access, error with retry).
        if (live) load(true);
      });
    return () => {
      live = false;
    };
  }, [refreshSignal, dataSource, load, recordId, table]);

  React.useEffect(() => {
    if (state.status === "ready" && !state.refreshing) onScoredRef.current?.(state.score);
  }, [state]);

  // The form's own values (from the form script): score them at once, no request.
  const rescore = React.useCallback((values: Record<string, ColumnValue>) => {
    setState((prev) => (prev.status !== "ready" ? prev : scored(prev.pack, { ...prev.snapshot, record: { ...prev.snapshot.record, values: { ...prev.snapshot.record.values, ...values } } }, nowRef.current())));
  }, []);
  const channel = useFormChannel(table, recordId, state, rescore);
  const fixes = useRecordFixes(state, channel, props.disabled);

  const retry = React.useCallback(() => setAttempt((a) => a + 1), []);
  const idPrefix = useId("vit-");
  return { props, state, retry, fixes, idPrefix };
}
