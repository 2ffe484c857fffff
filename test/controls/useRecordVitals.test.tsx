/** The state hook alone, with a hand-driven data source: ordering, retries and what it does not reload. */
import * as React from "react";
import { act, render } from "@testing-library/react";
import { compilePack, defaultRulePack, type EngineRecord } from "../../plugins-ts/engine";
import { useRecordVitals } from "../../controls/RecordVitals/components/RecordVitalsRoot/useRecordVitals";
import type { RecordVitalsRootProps, RecordVitalsViewModel } from "../../controls/RecordVitals/components/RecordVitalsRoot/RecordVitalsRoot.types";
import type { VitalsDataSource, VitalsSnapshot } from "../../plugins-ts/client/vitalsSource";
import { makeTranslate } from "../../controls/RecordVitals/ManifestConstants";
import { NOW } from "../helpers/pcfContext";

const pack = { compiled: compilePack(defaultRulePack()), source: "default" as const };

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((ok, ko) => ((resolve = ok), (reject = ko)));
  return { promise, resolve, reject };
}

function snapshot(id: string, name: string | null, version = "1"): VitalsSnapshot {
  const record: EngineRecord = { table: "account", id, values: { name, statecode: 0 }, related: {} };
  return { record, name, version, duplicatesChecked: false, requests: 1, partial: [] };
}

function harness(source: VitalsDataSource, initial: Partial<RecordVitalsRootProps> = {}) {
  const seen: RecordVitalsViewModel[] = [];
  const base: RecordVitalsRootProps = {
    table: "account", recordId: "a1", dataSource: source, refreshSignal: 0, t: makeTranslate((k) => k), disabled: false, masked: false, compact: false,
    openRecord: () => undefined, now: () => NOW, formatDate: (s) => s, ...initial,
  };
  function Probe(props: RecordVitalsRootProps): null {
    seen.push(useRecordVitals(props));
    return null;
  }
  const view = render(<Probe {...base} />);
  return { seen, last: () => seen[seen.length - 1], update: (p: Partial<RecordVitalsRootProps>) => view.rerender(<Probe {...base} {...p} />) };
}

it("shows only the latest record's result when an earlier load finishes last", async () => {
  const loads = new Map<string, ReturnType<typeof deferred<VitalsSnapshot>>>();
  const source: VitalsDataSource = {
    rulePack: () => Promise.resolve(pack),
    load: (_t, id) => {
      const d = deferred<VitalsSnapshot>();
      loads.set(id, d);
      return d.promise;
    },
    open: (t, id) => source.load(t, id, pack.compiled).then((snapshot) => ({ pack, snapshot })),
    version: () => Promise.resolve("1"),
  };
  const h = harness(source);
  await act(() => Promise.resolve());
  h.update({ recordId: "b2" });
  await act(() => Promise.resolve());
  await act(() => {
    loads.get("b2")!.resolve(snapshot("b2", "Second"));
    return Promise.resolve();
  });
  await act(() => {
    loads.get("a1")!.resolve(snapshot("a1", ""));
    return Promise.resolve();
  });
  const s = h.last().state;
  expect(s.status).toBe("ready");
  expect(s.status === "ready" && s.snapshot.record.id).toBe("b2");
});

it("keeps the old result visible while a save is re-scored, and reports each score once", async () => {
  let version = "1";
  let name: string | null = "";
  const scored: (number | null)[] = [];
  const source: VitalsDataSource = {
    rulePack: () => Promise.resolve(pack),
    load: (_t, id) => Promise.resolve(snapshot(id, name, version)),
    open: (t, id) => source.load(t, id, pack.compiled).then((snapshot) => ({ pack, snapshot })),
    version: () => Promise.resolve(version),
  };
  const h = harness(source, { onScored: (s) => scored.push(s.score) });
  await act(() => Promise.resolve());
  await act(() => Promise.resolve());
  expect(h.last().state.status).toBe("ready");
  version = "2";
  name = "Contoso Pharmaceuticals";
  h.update({ refreshSignal: 1, onScored: (s) => scored.push(s.score) });
  expect(h.seen.some((vm) => vm.state.status === "loading" && vm.props.refreshSignal === 1)).toBe(false);
  await act(() => Promise.resolve());
  await act(() => Promise.resolve());
  const s = h.last().state;
  expect(s.status === "ready" && s.snapshot.record.values.name).toBe("Contoso Pharmaceuticals");
  expect(scored).toHaveLength(2);
  expect(scored[1]).toBeGreaterThan(scored[0]!);
});

it("loads nothing for a masked column or a new record", async () => {
  const source: VitalsDataSource = { rulePack: jest.fn(() => Promise.resolve(pack)), load: jest.fn(), open: jest.fn(), version: jest.fn() };
  const masked = harness(source, { masked: true });
  await act(() => Promise.resolve());
  expect(masked.last().state.status).toBe("masked");
  const fresh = harness(source, { recordId: null });
  await act(() => Promise.resolve());
  expect(fresh.last().state.status).toBe("newRecord");
  expect(source.rulePack).not.toHaveBeenCalled();
  expect(source.open).not.toHaveBeenCalled();
});
