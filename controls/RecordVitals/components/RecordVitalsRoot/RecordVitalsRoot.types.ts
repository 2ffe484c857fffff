import type { Translate } from "../../ManifestConstants";
import type { VitalsDataSource, VitalsSnapshot } from "../../../../plugins-ts/client/vitalsSource";
import type { PackChoice } from "../../../../plugins-ts/client/rulePackSource";
import type { RecordScore } from "../../../../plugins-ts/engine";
import type { StageReadiness } from "../../../shared/readiness";
import type { FindingGroups } from "../../../shared/findings";
import type { RecordFixes } from "./useRecordFixes";

/** Everything the panel needs, mapped from the PCF context by `getRootProps`. */
export interface RecordVitalsRootProps {
  /** Table logical name of the form's record; null outside a record form. */
  table: string | null;
  /** The record's id; null while the record is new and unsaved. */
  recordId: string | null;
  /** Reads the pack and the record's data (context.webAPI behind it). */
  dataSource: VitalsDataSource;
  /** Changes when the host reports a data change (e.g. after a save): the panel checks the row version then. */
  refreshSignal: number;
  t: Translate;
  /** Form disabled / read-only: show everything, offer no actions. */
  disabled: boolean;
  /** The bound column is masked by column security: show a notice, load nothing. */
  masked: boolean;
  compact: boolean;
  /** Opens another record (context.navigation.openForm). */
  openRecord: (table: string, id: string) => void;
  /** The clock (injected for tests). */
  now: () => Date;
  /** Formats a date for people (user's locale). */
  formatDate: (iso: string) => string;
  /** Called when a score has been rendered (benchmarks, hosts). */
  onScored?: (score: RecordScore) => void;
}

export type VitalsState =
  | { status: "newRecord" }
  | { status: "masked" }
  | { status: "loading" }
  | { status: "noAccess"; message: string }
  | { status: "error"; message: string }
  | { status: "unsupported"; table: string }
  | {
      status: "ready";
      snapshot: VitalsSnapshot;
      pack: PackChoice;
      score: RecordScore;
      groups: FindingGroups;
      readiness: StageReadiness | null;
      scoredAt: Date;
      /** True while a newer load runs (after a save); the old result stays visible. */
      refreshing: boolean;
    };

export interface RecordVitalsViewModel {
  props: RecordVitalsRootProps;
  state: VitalsState;
  retry: () => void;
  /** The record's fixes and how to apply them (on a form: the form's own fields). */
  fixes: RecordFixes;
  /** Unique per panel instance, for heading ids (several panels may share a page). */
  idPrefix: string;
}
