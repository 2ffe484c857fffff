/**
 * Logical name → entity set name (and primary id column). The organisation's own metadata
 * (EntityDefinitions: EntitySetName, LogicalCollectionName, PrimaryIdAttribute) is the authority;
 * the built-in table covers the tables CRM Vitals uses when metadata cannot be read.
 */
import { assertTable } from "./requests";
import { pluralise } from "../client/facts";

export interface TableInfo {
  logicalName: string;
  entitySetName: string;
  primaryIdAttribute: string;
}

/** Tables whose names do not follow the simple plural or whose primary key is not `<table>id`. */
const BUILT_IN: Readonly<Record<string, Omit<TableInfo, "logicalName">>> = {
  account: { entitySetName: "accounts", primaryIdAttribute: "accountid" },
  contact: { entitySetName: "contacts", primaryIdAttribute: "contactid" },
  lead: { entitySetName: "leads", primaryIdAttribute: "leadid" },
  opportunity: { entitySetName: "opportunities", primaryIdAttribute: "opportunityid" },
  systemuser: { entitySetName: "systemusers", primaryIdAttribute: "systemuserid" },
  team: { entitySetName: "teams", primaryIdAttribute: "teamid" },
  businessunit: { entitySetName: "businessunits", primaryIdAttribute: "businessunitid" },
  role: { entitySetName: "roles", primaryIdAttribute: "roleid" },
  systemuserroles: { entitySetName: "systemuserrolescollection", primaryIdAttribute: "systemuserroleid" },
  activitypointer: { entitySetName: "activitypointers", primaryIdAttribute: "activityid" },
  email: { entitySetName: "emails", primaryIdAttribute: "activityid" },
  task: { entitySetName: "tasks", primaryIdAttribute: "activityid" },
  phonecall: { entitySetName: "phonecalls", primaryIdAttribute: "activityid" },
  appointment: { entitySetName: "appointments", primaryIdAttribute: "activityid" },
  processstage: { entitySetName: "processstages", primaryIdAttribute: "processstageid" },
  opportunitysalesprocess: { entitySetName: "opportunitysalesprocesses", primaryIdAttribute: "businessprocessflowinstanceid" },
  leadtoopportunitysalesprocess: {
    entitySetName: "leadtoopportunitysalesprocesses",
    primaryIdAttribute: "businessprocessflowinstanceid",
  },
  duplicaterule: { entitySetName: "duplicaterules", primaryIdAttribute: "duplicateruleid" },
  duplicaterulecondition: { entitySetName: "duplicateruleconditions", primaryIdAttribute: "duplicateruleconditionid" },
  environmentvariabledefinition: {
    entitySetName: "environmentvariabledefinitions",
    primaryIdAttribute: "environmentvariabledefinitionid",
  },
  environmentvariablevalue: { entitySetName: "environmentvariablevalues", primaryIdAttribute: "environmentvariablevalueid" },
  vit_recordhealth: { entitySetName: "vit_recordhealths", primaryIdAttribute: "vit_recordhealthid" },
  vit_auditrun: { entitySetName: "vit_auditruns", primaryIdAttribute: "vit_auditrunid" },
  vit_waiver: { entitySetName: "vit_waivers", primaryIdAttribute: "vit_waiverid" },
  vit_readinessassessment: { entitySetName: "vit_readinessassessments", primaryIdAttribute: "vit_readinessassessmentid" },
  vit_fixrun: { entitySetName: "vit_fixruns", primaryIdAttribute: "vit_fixrunid" },
  vit_fixentry: { entitySetName: "vit_fixentrys", primaryIdAttribute: "vit_fixentryid" },
};

export { pluralise };

/** Best guess without metadata: the built-in table, else `<name>s`-style plural and `<name>id`. */
export function fallbackTableInfo(logicalName: string): TableInfo {
  const name = assertTable(logicalName).toLowerCase();
  const known = BUILT_IN[name];
  if (known) return { logicalName: name, ...known };
  return { logicalName: name, entitySetName: pluralise(name), primaryIdAttribute: `${name}id` };
}

/** Shape of an EntityDefinitions row as selected by the resolver. */
export interface EntityDefinitionRow {
  LogicalName?: string;
  EntitySetName?: string | null;
  LogicalCollectionName?: string | null;
  PrimaryIdAttribute?: string | null;
}

/** Reads TableInfo out of an EntityDefinitions row, preferring EntitySetName over LogicalCollectionName. */
export function tableInfoFromDefinition(logicalName: string, row: EntityDefinitionRow): TableInfo {
  const fallback = fallbackTableInfo(logicalName);
  return {
    logicalName: fallback.logicalName,
    entitySetName: row.EntitySetName || row.LogicalCollectionName || fallback.entitySetName,
    primaryIdAttribute: row.PrimaryIdAttribute || fallback.primaryIdAttribute,
  };
}

/**
 * Caches TableInfo per table; `load` reads the definition (and may fail: then the fallback is used,
 * unless the table does not exist, which `load` signals by returning null).
 */
export class TableInfoCache {
  private readonly cache = new Map<string, Promise<TableInfo>>();

  constructor(private readonly load: (logicalName: string) => Promise<EntityDefinitionRow | null>) {}

  get(logicalName: string): Promise<TableInfo> {
    const name = assertTable(logicalName).toLowerCase();
    let hit = this.cache.get(name);
    if (!hit) {
      hit = this.load(name).then(
        (row) => (row ? tableInfoFromDefinition(name, row) : fallbackTableInfo(name)),
        () => fallbackTableInfo(name),
      );
      this.cache.set(name, hit);
    }
    return hit;
  }

  /** Fills the cache from a definition read elsewhere (a `$batch` of several); never replaces an entry. */
  prime(logicalName: string, row: EntityDefinitionRow | null): void {
    const name = assertTable(logicalName).toLowerCase();
    if (!this.cache.has(name)) this.cache.set(name, Promise.resolve(row ? tableInfoFromDefinition(name, row) : fallbackTableInfo(name)));
  }
}
