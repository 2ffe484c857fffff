import type { CenterSettings, RecordLink } from "../../connection";
import type { Cadence, Directory, GovernanceData, PackState, RunRow, WaiverRequest } from "../../data";
import type { InsightSource } from "../InsightsView";
import type { ReadinessSource } from "../ReadinessView";
import type { ScheduleSource } from "../../schedules";

export type TabValue = "audit" | "results" | "waivers" | "rulepack" | "readiness" | "outcomes" | "schedules";

export interface GovernanceCenterProps {
  data: GovernanceData;
  settings: CenterSettings;
  /** Where a record opens (Dynamics form or sandbox host page). */
  linkTo: (table: string, id: string) => RecordLink;
  /** The clock; default `() => new Date()`. */
  now?: () => Date;
  /** The AI-readiness scorecard; its tab is shown only when given. */
  readiness?: ReadinessSource;
  /** The outcome insight (regressions, outcomes, waiver burn-down); its tab is shown only when given. */
  insights?: InsightSource;
  /** The user's language for the views that ship in English and German (1033, 1031). */
  languageId?: number;
  /** Audit schedules (vit_auditschedule); their tab is shown only when given. */
  schedules?: ScheduleSource;
  /** The tab shown first; default "audit". */
  initialTab?: TabValue;
}

export interface Loadable<T> {
  value: T | null;
  error: string | null;
  loading: boolean;
}

export interface GovernanceCenterState {
  tab: TabValue;
  setTab: (t: TabValue) => void;
  /** Tabs chosen so far (their panels are mounted). */
  visited: ReadonlySet<TabValue>;
  runs: Loadable<RunRow[]>;
  pack: Loadable<PackState>;
  cadence: Loadable<Cadence>;
  directory: Loadable<Directory>;
  /** Reloads runs, pack and cadence (after an audit, a save). */
  refresh: () => void;
  /** A waiver request started from the drill-down list (opens the Waivers tab). */
  waiverPrefill: Partial<WaiverRequest> | null;
  requestWaiver: (prefill: Partial<WaiverRequest>) => void;
  props: GovernanceCenterProps;
  now: () => Date;
}
