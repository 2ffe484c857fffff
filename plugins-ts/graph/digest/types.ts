/**
 * The data of the CRM Vitals digests: what collectDigest reads from Dataverse and the renderers
 * turn into mail. Plain JSON-serialisable values, so a digest can be logged or tested as data.
 */
import type { AggregateReport } from "../../audit/aggregates";
import type { Grade } from "../../engine/types";

/** One record with open findings, as listed in its owner's digest. */
export interface DigestRecord {
  table: string;
  recordId: string;
  /** The record's primary name as the audit stored it (vit_name without its "table: " prefix). */
  name: string;
  score: number | null;
  grade: Grade | null;
  topIssue: string | null;
  /** Failed rules, waived ones excluded (vit_findingcount). */
  findings: number;
  /** `<orgUrl>/main.aspx?pagetype=entityrecord&etn=<table>&id=<id>`; null without an organisation URL. */
  link: string | null;
}

/** Who owns health rows with open findings. Teams and unreadable owners get no personal digest. */
export interface OwnerDigest {
  ownerId: string;
  /** "unknown": neither a systemuser nor a team the caller can read. */
  kind: "user" | "team" | "unknown";
  name: string;
  /** systemuser.internalemailaddress (users only). */
  email: string | null;
  /** systemuser.isdisabled (users only). */
  disabled: boolean;
  /** Records of this owner with open findings. */
  recordCount: number;
  /** Σ findings over those records. */
  findingCount: number;
  /** The worst records first (score ascending), at most `maxFindingsPerOwner`. */
  records: DigestRecord[];
}

export interface DigestRun {
  runId: string;
  name: string;
  mode: "full" | "incremental";
  startedOn: string;
  finishedOn: string | null;
  score: number;
  grade: Grade | null;
  /** Score minus the previous completed run's score of the same scope; null for the first run. */
  change: number | null;
  /** When that previous run started; null for the first run. */
  previousStartedOn: string | null;
}

export interface DigestScope {
  tables: string[];
  ownerId: string | null;
  teamId: string | null;
  businessUnitId: string | null;
}

export interface LastRun {
  runId: string;
  name: string;
  mode: "full" | "incremental";
  /** The stored scope; null when it could not be read. */
  scope: DigestScope | null;
  startedOn: string;
  finishedOn: string | null;
  overallScore: number | null;
  grade: Grade | null;
  recordsScanned: number | null;
  recordsChanged: number | null;
  /** The run's aggregates as stored in vit_aggregates; null when the run has none. */
  report: AggregateReport | null;
}

export interface GovernanceDigest {
  /** The newest completed audit run; null before the first audit completes. */
  lastRun: LastRun | null;
  /** Completed runs of the last run's scope that have a score, oldest first (the last run is the last one). */
  trend: DigestRun[];
  /** Health rows with open findings, read now (they may be newer than the last run). */
  attention: {
    records: number;
    findings: number;
    /** Users with open findings. */
    users: number;
    /** Records owned by teams: no personal digest. */
    teamOwnedRecords: number;
    /** Records whose owner could not be read. */
    unknownOwnerRecords: number;
  };
}

export interface DigestData {
  /** The caller's clock, ISO-8601. */
  generatedOn: string;
  /** The organisation URL the links point to (no trailing slash); null when not given. */
  orgUrl: string | null;
  /** Every owner with open findings: most records first, then by name. */
  owners: OwnerDigest[];
  governance: GovernanceDigest;
}

/** A rendered mail. `text` is the plain-text alternative (for tests and logs). */
export interface RenderedDigest {
  subject: string;
  html: string;
  text: string;
}

/** The Microsoft Graph message the digest sends (`POST /users/{from}/sendMail`). */
export interface DigestMessage {
  subject: string;
  body: { contentType: "HTML"; content: string };
  toRecipients: { emailAddress: { address: string; name?: string } }[];
}

/** What sends mail; the Graph client implements it. */
export interface MailSender {
  sendMail(from: string, message: DigestMessage): Promise<void>;
}

export interface SendReport {
  sent: Array<{ to: string; kind: "owner" | "governance"; subject: string }>;
  skipped: Array<{ who: string; why: string }>;
}
