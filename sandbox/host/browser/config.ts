/** What the host server tells its pages (GET /host/config.json). Types only: shared by server and pages. */

export interface HostUser {
  key: string;
  fullname: string;
  role: string;
  businessUnit: string;
  isdisabled: boolean;
  token: string;
  /** What this user can read, in words. */
  sees: string;
}

export interface HostColumn {
  name: string;
  label: string;
  /** "string" | "memo" | "money" | "dateonly" | … (the emulator's column type). */
  type: string;
  /** Shown as an input and saved through the Web API. */
  editable: boolean;
  /** Asked for when a new record is created. */
  onCreate?: boolean;
}

export interface HostTable {
  logicalName: string;
  entitySetName: string;
  displayName: string;
  /** "Opportunities". */
  pluralName: string;
  primaryId: string;
  primaryName: string;
  /** Form columns: a few read-only ones and the editable ones. */
  columns: HostColumn[];
}

export interface HostExample {
  title: string;
  detail: string;
  /** Host-relative URL. */
  href: string;
}

export interface HostConfig {
  /** Web API root as the pages call it (same origin, proxied to the emulator). */
  apiBase: string;
  defaultUser: string;
  users: HostUser[];
  /** Logical name → entity set name, every table the emulator knows. */
  entitySets: Record<string, string>;
  /** The tables the list page and the form know, in tab order. */
  tables: HostTable[];
  /** URL of the Governance Center page (without orgUrl/token) when it has been built, else null. */
  governancePage: string | null;
  examples: HostExample[];
  /** The demo data's reference date (ISO). */
  dataNow: string;
}
