/** The context-to-props mapping, the thin index.ts, and the manifest's strings. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formRecord, getRootProps, isCompact, isDataUpdate, isMasked } from "../../controls/RecordVitals/getRootProps";
import { LAYOUT_ONLY_UPDATES, STRING_KEYS, makeTranslate } from "../../controls/RecordVitals/ManifestConstants";
import { RecordVitals } from "../../controls/RecordVitals";
import { RecordVitalsRoot } from "../../controls/RecordVitals/components/RecordVitalsRoot/RecordVitalsRoot";
import type { VitalsDataSource } from "../../plugins-ts/client/vitalsSource";
import { OPPORTUNITY_ID, loadResx, mockContext } from "../helpers/pcfContext";

const dataSource: VitalsDataSource = {
  rulePack: () => Promise.reject(new Error("unused")),
  load: () => Promise.reject(new Error("unused")),
  open: () => Promise.reject(new Error("unused")),
  version: () => Promise.resolve(null),
};

describe("getRootProps", () => {
  it("takes table and record id from the form context", () => {
    expect(formRecord(mockContext({ table: "Opportunity", id: `{${OPPORTUNITY_ID.toUpperCase()}}` }))).toEqual({ table: "opportunity", recordId: OPPORTUNITY_ID });
    expect(formRecord(mockContext({ id: null }))).toEqual({ table: "opportunity", recordId: null });
    expect(formRecord(mockContext({ id: "00000000-0000-0000-0000-000000000000" })).recordId).toBeNull();
    expect(formRecord(mockContext({ table: null })).table).toBeNull();
  });

  it("maps disabled, masked and compact", () => {
    const props = getRootProps(mockContext({ disabled: true, readable: false, formFactor: 3 }), { dataSource, refreshSignal: 4 });
    expect(props).toMatchObject({ disabled: true, masked: true, compact: true, refreshSignal: 4, dataSource });
    expect(isMasked(mockContext())).toBe(false);
    expect(isCompact(mockContext({ allocatedWidth: 399 }))).toBe(true);
    expect(isCompact(mockContext({ allocatedWidth: 400 }))).toBe(false);
    expect(isCompact(mockContext({ allocatedWidth: -1 }))).toBe(false); // not tracked yet
  });

  it("opens records through context.navigation and formats dates through context.formatting", () => {
    const context = mockContext();
    const props = getRootProps(context, { dataSource, refreshSignal: 0 });
    props.openRecord("contact", "abc");
    expect(context.navigation.openForm).toHaveBeenCalledWith({ entityName: "contact", entityId: "abc" });
    expect(props.formatDate("2026-11-01T10:00:00Z")).toBe("2026-11-01");
    expect(props.formatDate("not a date")).toBe("not a date");
    expect(props.t("ScoreLabel", 72, "C")).toBe("Health 72 of 100, grade C");
  });

  it("treats layout-only updates as no data change, and an unexplained one as a possible save", () => {
    expect(isDataUpdate(["layout"], LAYOUT_ONLY_UPDATES)).toBe(false);
    expect(isDataUpdate(["layout", "fullscreen_open"], LAYOUT_ONLY_UPDATES)).toBe(false);
    expect(isDataUpdate([], LAYOUT_ONLY_UPDATES)).toBe(true);
    expect(isDataUpdate(undefined, LAYOUT_ONLY_UPDATES)).toBe(true);
    expect(isDataUpdate(["layout", "boundColumn"], LAYOUT_ONLY_UPDATES)).toBe(true);
  });
});

describe("index.ts", () => {
  it("renders RecordVitalsRoot and bumps the refresh signal only on data updates", () => {
    const control = new RecordVitals();
    const context = mockContext();
    control.init(context);
    expect(context.mode.trackContainerResize).toHaveBeenCalledWith(true);
    const first = control.updateView(mockContext({ updatedProperties: ["layout"] }));
    expect(first.type).toBe(RecordVitalsRoot);
    const p1 = first.props as { refreshSignal: number };
    const p2 = control.updateView(mockContext({ updatedProperties: ["boundColumn"] })).props as { refreshSignal: number };
    expect(p2.refreshSignal).toBe(p1.refreshSignal + 1);
    expect(control.getOutputs()).toEqual({});
  });
});

describe("strings", () => {
  const en = loadResx(1033);
  const de = loadResx(1031);
  const manifest = readFileSync(join(__dirname, "../../controls/RecordVitals/ControlManifest.Input.xml"), "utf8");

  it("has every visible string and every manifest label in English and German", () => {
    const manifestKeys = [...manifest.matchAll(/(?:display-name-key|description-key)="([^"]+)"/g)].map((m) => m[1]);
    for (const key of [...STRING_KEYS, ...manifestKeys]) {
      expect(en[key]).toBeTruthy();
      expect(de[key]).toBeTruthy();
    }
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  it("keeps the same placeholders in each language", () => {
    const holes = (s: string) => (s.match(/\{\d\}/g) ?? []).sort().join();
    for (const key of Object.keys(en)) expect([key, holes(de[key])]).toEqual([key, holes(en[key])]);
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    const t = makeTranslate((k) => (k === "ScoreLabel" ? "Health {0} of 100, grade {1}" : "{0} {3}"));
    expect(t("ScoreLabel", 90, "A")).toBe("Health 90 of 100, grade A");
    expect(t("Title", "x")).toBe("x {3}");
  });
});
