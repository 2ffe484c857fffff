/**
 * Maps the PCF context to the panel's props. Pure: the same context and extras give the same props.
 * The only context members the panel uses are read here (docs/record-panel.md lists them).
 */
import type { Theme } from "@fluentui/react-components";
import type { IInputs } from "./generated/ManifestTypes";
import { FormFactor, ManifestConstants, makeTranslate } from "./ManifestConstants";
import type { RecordVitalsRootProps } from "./components/RecordVitalsRoot/RecordVitalsRoot.types";
import type { VitalsDataSource } from "../../plugins-ts/client/vitalsSource";
import type { RecordScore } from "../../plugins-ts/engine";

/** `context.mode.contextInfo`: present on model-driven forms, not in the typings. */
interface ContextInfo {
  entityTypeName?: string;
  entityId?: string;
}

export interface RootExtras {
  dataSource: VitalsDataSource;
  refreshSignal: number;
  now?: () => Date;
  onScored?: (score: RecordScore) => void;
}

const EMPTY_GUID = /^\{?0{8}-0{4}-0{4}-0{4}-0{12}\}?$/;

/** Table and record id of the form, from `context.mode.contextInfo`; id null for a new record. */
export function formRecord(context: ComponentFramework.Context<IInputs>): { table: string | null; recordId: string | null } {
  const info = (context.mode as ComponentFramework.Mode & { contextInfo?: ContextInfo }).contextInfo;
  const table = typeof info?.entityTypeName === "string" && info.entityTypeName.trim() !== "" ? info.entityTypeName.trim().toLowerCase() : null;
  const rawId = typeof info?.entityId === "string" ? info.entityId.trim() : "";
  const recordId = rawId === "" || EMPTY_GUID.test(rawId) ? null : rawId.replace(/^\{|\}$/g, "").toLowerCase();
  return { table, recordId };
}

export function isCompact(context: ComponentFramework.Context<IInputs>): boolean {
  const width = context.mode.allocatedWidth;
  return context.client.getFormFactor() === FormFactor.phone || (typeof width === "number" && width > 0 && width < ManifestConstants.compactWidth);
}

export function isMasked(context: ComponentFramework.Context<IInputs>): boolean {
  return context.parameters.boundColumn?.security?.readable === false;
}

export function getRootProps(context: ComponentFramework.Context<IInputs>, extras: RootExtras): RecordVitalsRootProps & { theme?: Theme } {
  const { table, recordId } = formRecord(context);
  return {
    table,
    recordId,
    dataSource: extras.dataSource,
    refreshSignal: extras.refreshSignal,
    t: makeTranslate((key) => context.resources.getString(key)),
    disabled: context.mode.isControlDisabled,
    masked: isMasked(context),
    compact: isCompact(context),
    openRecord: (entityName, entityId) => {
      context.navigation
        .openForm({ entityName, entityId })
        .then(() => undefined)
        .catch(() => undefined); // the user closed or could not open the form; nothing to undo
    },
    now: extras.now ?? (() => new Date()),
    formatDate: (iso) => {
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) return iso;
      try {
        return context.formatting.formatDateShort(d);
      } catch {
        return d.toLocaleDateString();
      }
    },
    onScored: extras.onScored,
    theme: context.fluentDesignLanguage?.tokenTheme as Theme | undefined,
  };
}

/**
 * Whether an updateView may carry a data change worth a row-version check: anything but layout.
 * An empty or missing list counts too — the platform does not document what it lists after a
 * save, and a check costs one small request, while a missed save leaves a stale score.
 */
export function isDataUpdate(updatedProperties: readonly string[] | undefined, layoutOnly: readonly string[]): boolean {
  const list = updatedProperties ?? [];
  return list.length === 0 || list.some((p) => !layoutOnly.includes(p));
}
