/**
 * The emulator's table registry: the single place that says which tables exist, their columns
 * (Dataverse logical names and types), primary id and name, entity set name, alternate keys and
 * ownership. The store, the OData/FetchXML engines, the metadata endpoint and the demo generator
 * all read from here; to add a table, add one `table(...)` entry below.
 *
 * Rows are stored in the shape the Web API returns them: lookups as `_<name>_value`; the target
 * table of a polymorphic lookup (customer, owner, regarding) is kept next to it under
 * `_<name>_value@Microsoft.Dynamics.CRM.lookuplogicalname`.
 */

import choicesJson from "../../solution/src/choices.json";
import activityGapJson from "../../solution/src/tables/vit_activitygap.json";
import auditRunJson from "../../solution/src/tables/vit_auditrun.json";
import auditScheduleJson from "../../solution/src/tables/vit_auditschedule.json";
import readinessJson from "../../solution/src/tables/vit_readinessassessment.json";
import recordHealthJson from "../../solution/src/tables/vit_recordhealth.json";
import waiverJson from "../../solution/src/tables/vit_waiver.json";
import { MAILBOX_TABLE } from "./mailbox";
import { standardColumns } from "./standard/columns";
import { SYSTEMFORM_TABLE } from "./systemforms";
import fixRunJson from "../../solution/src/tables/vit_fixrun.json";
import fixEntryJson from "../../solution/src/tables/vit_fixentry.json";

export type ColumnType =
  | "uniqueidentifier"
  | "string"
  | "memo"
  | "integer"
  | "bigint"
  | "decimal"
  | "money"
  | "boolean"
  | "datetime"
  | "dateonly"
  | "picklist"
  | "state"
  | "status"
  | "lookup"
  | "customer"
  | "owner"
  | "entityname"
  /** A BooleanManagedProperty (`{ Value, CanBeChanged, ManagedPropertyLogicalName }`), e.g. systemform.iscustomizable. */
  | "managedproperty";

/** "None": a child table without its own owner or privileges (activityparty follows its activity). */
export type Ownership = "UserOwned" | "OrganizationOwned" | "BusinessOwned" | "None";

export interface ColumnDef {
  /** Logical name, e.g. `parentcustomerid`. */
  name: string;
  type: ColumnType;
  /** Display label (metadata, formatted values of booleans). */
  label: string;
  /** Lookup targets (logical names of tables). */
  targets?: string[];
  /** Choice labels by value (picklist, state, status, boolean {0: no, 1: yes}). */
  options?: Record<number, string>;
  maxLength?: number;
  requiredLevel?: "None" | "ApplicationRequired" | "SystemRequired";
  /** Not writable through create/update (computed by the platform). */
  readOnly?: boolean;
  /** Single-valued navigation property name when it differs from the logical name (custom lookups use their SchemaName, e.g. `vit_ContactId`). */
  navigationName?: string;
}

export interface TableDef {
  logicalName: string;
  schemaName: string;
  entitySetName: string;
  displayName: string;
  primaryId: string;
  primaryName: string;
  ownership: Ownership;
  objectTypeCode: number;
  columns: ColumnDef[];
  /** Alternate keys: each an ordered list of column logical names. */
  alternateKeys: { name: string; columns: string[] }[];
  isActivity?: boolean;
  /** Activity tables share the `activitypointer` store and are a view over it by activitytypecode. */
  storage?: string;
  isCustom?: boolean;
  isBpf?: boolean;
  /** Change tracking enabled (the standard tables here are; CRM Vitals' own tables are not, as the solution ships them). */
  changeTracking: boolean;
}

/** Web API property name of a column: `_x_value` for lookups, the logical name otherwise. */
export function propertyName(col: ColumnDef): string {
  return isLookupType(col.type) ? `_${col.name}_value` : col.name;
}

export function isLookupType(t: ColumnType): boolean {
  return t === "lookup" || t === "customer" || t === "owner";
}

export const LOOKUP_TYPE_KEY = "@Microsoft.Dynamics.CRM.lookuplogicalname";

const YES_NO = { 0: "No", 1: "Yes" };

function col(name: string, type: ColumnType, label: string, extra: Partial<ColumnDef> = {}): ColumnDef {
  return { name, type, label, ...extra };
}
function str(name: string, label: string, maxLength = 100): ColumnDef {
  return col(name, "string", label, { maxLength });
}
function memo(name: string, label: string): ColumnDef {
  return col(name, "memo", label, { maxLength: 1048576 });
}
function lookup(name: string, label: string, ...targets: string[]): ColumnDef {
  return col(name, "lookup", label, { targets });
}
function bool(name: string, label: string, options: Record<number, string> = YES_NO): ColumnDef {
  return col(name, "boolean", label, { options });
}
function pick(name: string, label: string, options: Record<number, string>): ColumnDef {
  return col(name, "picklist", label, { options });
}

function audit(): ColumnDef[] {
  return [
    col("createdon", "datetime", "Created On", { readOnly: true }),
    col("modifiedon", "datetime", "Modified On", { readOnly: true }),
    lookup("createdby", "Created By", "systemuser"),
    lookup("modifiedby", "Modified By", "systemuser"),
    col("versionnumber", "bigint", "Version Number", { readOnly: true }),
  ];
}
function owned(): ColumnDef[] {
  return [
    col("ownerid", "owner", "Owner", { targets: ["systemuser", "team"], requiredLevel: "SystemRequired" }),
    col("owningbusinessunit", "lookup", "Owning Business Unit", { targets: ["businessunit"], readOnly: true }),
    // Set by the platform from ownerid: the owning user, or the owning team (see EmulatorStore.deriveOwning).
    col("owninguser", "lookup", "Owning User", { targets: ["systemuser"], readOnly: true }),
    col("owningteam", "lookup", "Owning Team", { targets: ["team"], readOnly: true }),
  ];
}
function state(active: Record<number, string>, status: Record<number, string>): ColumnDef[] {
  return [
    col("statecode", "state", "Status", { options: active, requiredLevel: "SystemRequired" }),
    col("statuscode", "status", "Status Reason", { options: status }),
  ];
}
const ACTIVE_INACTIVE = { 0: "Active", 1: "Inactive" };
const ACTIVE_INACTIVE_STATUS = { 1: "Active", 2: "Inactive" };

function address(): ColumnDef[] {
  return [
    str("address1_line1", "Address 1: Street 1", 250),
    str("address1_city", "Address 1: City", 80),
    str("address1_stateorprovince", "Address 1: State/Province", 50),
    str("address1_postalcode", "Address 1: ZIP/Postal Code", 20),
    str("address1_country", "Address 1: Country/Region", 80),
  ];
}

export const INDUSTRY: Record<number, string> = {
  1: "Accounting", 2: "Agriculture and Non-petrol Natural Resource Extraction", 3: "Broadcasting Printing and Publishing",
  4: "Brokers", 5: "Building Supply Retail", 6: "Business Services", 7: "Consulting", 8: "Consumer Services",
  9: "Design, Direction and Creative Management", 10: "Distributors, Dispatchers and Processors",
  11: "Doctor's Offices and Clinics", 12: "Durable Manufacturing", 13: "Eating and Drinking Places",
  14: "Entertainment Retail", 15: "Equipment Rental and Leasing", 16: "Financial", 17: "Food and Tobacco Processing",
  18: "Inbound Capital Intensive Processing", 19: "Inbound Repair and Services", 20: "Insurance", 21: "Legal Services",
  22: "Non-Durable Merchandise Retail", 23: "Outbound Consumer Service", 24: "Petrochemical Extraction and Distribution",
  25: "Service Retail", 26: "SIG Affiliations", 27: "Social Services", 28: "Special Outbound Trade Contractors",
  29: "Specialty Realty", 30: "Transportation", 31: "Utility Creation and Distribution", 32: "Vehicle Retail", 33: "Wholesale",
};

export const SALES_STAGES = ["Qualify", "Develop", "Propose", "Close"] as const;

/** ActivityParty.ParticipationTypeMask (the documented activity party types). */
export const PARTICIPATION_TYPES: Record<number, string> = {
  1: "Sender", 2: "To Recipient", 3: "CC Recipient", 4: "BCC Recipient", 5: "Required attendee", 6: "Optional attendee",
  7: "Organizer", 8: "Regarding", 9: "Owner", 10: "Resource", 11: "Customer",
};

/** Activity types that have parties in the emulator, and the tables a party can point to. */
export const PARTY_ACTIVITY_TABLES = ["email", "appointment", "task", "phonecall"] as const;
export const PARTY_TARGETS = ["account", "contact", "lead", "systemuser"] as const;

/**
 * Participation types a client may give each activity type (the documented "activity party types
 * available for each activity"); Owner and Regarding parties belong to the platform. A task has
 * no party-list column.
 */
export const PARTY_TYPES_BY_ACTIVITY: Record<string, readonly number[]> = {
  email: [1, 2, 3, 4],
  phonecall: [1, 2],
  appointment: [5, 6, 7],
  task: [],
};

/**
 * The collection-valued navigation property from an activity to its parties: `email_activity_parties`,
 * `appointment_activity_parties`, … and `activity_pointer_activity_parties` on activitypointer.
 */
export function partiesNavigation(t: TableDef): string | null {
  if (t.logicalName === "activitypointer") return "activity_pointer_activity_parties";
  return (PARTY_ACTIVITY_TABLES as readonly string[]).includes(t.logicalName) ? `${t.logicalName}_activity_parties` : null;
}

/**
 * `subjectLength`: the table's MaxLength of subject from its table reference (activitypointer 400, email 800,
 * task/phonecall/appointment 200; task's 200 is also the example in "Execute batch operations", Handling errors).
 */
function activityColumns(subjectLength = 400): ColumnDef[] {
  return [
    col("activityid", "uniqueidentifier", "Activity", { requiredLevel: "SystemRequired" }),
    col("activitytypecode", "entityname", "Activity Type", { readOnly: true }),
    str("subject", "Subject", subjectLength),
    memo("description", "Description"),
    col("regardingobjectid", "lookup", "Regarding", { targets: ["account", "contact", "lead", "opportunity"] }),
    col("scheduledstart", "datetime", "Start Date"),
    col("scheduledend", "datetime", "Due Date"),
    col("actualstart", "datetime", "Actual Start"),
    col("actualend", "datetime", "Actual End"),
    pick("prioritycode", "Priority", { 0: "Low", 1: "Normal", 2: "High" }),
    ...state({ 0: "Open", 1: "Completed", 2: "Canceled", 3: "Scheduled" }, { 1: "Open", 2: "Not Started", 3: "In Progress", 4: "Waiting on someone else", 5: "Completed", 6: "Canceled", 7: "Deferred" }),
    ...owned(),
    ...audit(),
  ];
}

function bpfColumns(entity: "opportunity" | "lead"): ColumnDef[] {
  const cols = [
    col("businessprocessflowinstanceid", "uniqueidentifier", "Instance Id", { requiredLevel: "SystemRequired" }),
    str("name", "Name", 200),
    lookup("activestageid", "Active Stage", "processstage"),
    col("activestagestartedon", "datetime", "Active Stage Started On"),
    lookup("processid", "Process", "workflow"),
    str("traversedpath", "Traversed Path", 1250),
    col("completedon", "datetime", "Completed On"),
    col("duration", "integer", "Duration"),
    lookup("bpf_opportunityid", "Opportunity", "opportunity"),
    ...state({ 0: "Active", 1: "Inactive" }, { 1: "Active", 2: "Finished", 3: "Aborted" }),
    ...audit(),
  ];
  if (entity === "lead") cols.push(lookup("bpf_leadid", "Lead", "lead"));
  return cols;
}

/** Set by the Merge action only (sandbox/emulator/merge.ts); not writable by a client, as in Dataverse. */
function mergeState(table: string): ColumnDef[] {
  return [col("merged", "boolean", "Merged", { options: YES_NO, readOnly: true }), col("masterid", "lookup", "Master ID", { targets: [table], readOnly: true })];
}

function table(def: Omit<TableDef, "changeTracking" | "alternateKeys"> & Partial<Pick<TableDef, "alternateKeys" | "changeTracking">>): TableDef {
  return { alternateKeys: [], changeTracking: true, ...def };
}


// ---------------------------------------------------------------------------------------------
// CRM Vitals' own tables are built from the solution source (solution/src), the same definition
// the managed solution is packaged from, so the emulator cannot drift from what an admin imports.

interface SolutionColumn {
  schemaName: string;
  type: string;
  displayName: string;
  maxLength?: number;
  target?: string;
  choice?: string;
  options?: { value: number; label: string }[];
  required?: boolean;
}
interface SolutionTable {
  schemaName: string;
  displayName: string;
  primaryName: { schemaName: string; displayName: string; maxLength?: number };
  columns: SolutionColumn[];
  keys?: { schemaName: string; columns: string[] }[];
}

const SOLUTION_TABLES: { json: SolutionTable; objectTypeCode: number }[] = [
  { json: recordHealthJson, objectTypeCode: 10001 },
  { json: auditRunJson, objectTypeCode: 10002 },
  { json: waiverJson, objectTypeCode: 10003 },
  { json: readinessJson, objectTypeCode: 10004 },
  { json: activityGapJson, objectTypeCode: 10005 },
  { json: fixRunJson, objectTypeCode: 10006 },
  { json: fixEntryJson, objectTypeCode: 10007 },
  { json: auditScheduleJson, objectTypeCode: 10019 },
];

const GLOBAL_CHOICES = new Map(
  (choicesJson as { choices: { name: string; options: { value: number; label: string }[] }[] }).choices.map((c) => [c.name, c.options]),
);

function solutionColumn(c: SolutionColumn, table: string): ColumnDef {
  const name = c.schemaName.toLowerCase();
  const requiredLevel = c.required ? ("ApplicationRequired" as const) : undefined;
  switch (c.type) {
    case "text":
      return col(name, "string", c.displayName, { maxLength: c.maxLength ?? 100, requiredLevel });
    case "memo":
      return col(name, "memo", c.displayName, { maxLength: c.maxLength ?? 1048576, requiredLevel });
    case "decimal":
      return col(name, "decimal", c.displayName, { requiredLevel });
    case "int":
      return col(name, "integer", c.displayName, { requiredLevel });
    case "datetime":
      return col(name, "datetime", c.displayName, { requiredLevel });
    case "boolean":
      return col(name, "boolean", c.displayName, { options: YES_NO, requiredLevel });
    case "choice": {
      const options = c.options ?? (c.choice ? GLOBAL_CHOICES.get(c.choice) : undefined);
      if (!options) throw new Error(`solution source: ${table}.${name} is a choice without options`);
      return col(name, "picklist", c.displayName, { options: Object.fromEntries(options.map((o) => [o.value, o.label])), requiredLevel });
    }
    case "lookup":
      if (!c.target) throw new Error(`solution source: lookup ${table}.${name} has no target`);
      return col(name, "lookup", c.displayName, { targets: [c.target], navigationName: c.schemaName, requiredLevel });
    default:
      throw new Error(`solution source: ${table}.${name} has type "${c.type}", which the emulator does not know`);
  }
}

function solutionTable({ json, objectTypeCode }: { json: SolutionTable; objectTypeCode: number }): TableDef {
  const logicalName = json.schemaName.toLowerCase();
  const primaryId = `${logicalName}id`;
  const primaryName = json.primaryName.schemaName.toLowerCase();
  return table({
    logicalName,
    schemaName: json.schemaName,
    entitySetName: `${logicalName}s`,
    displayName: json.displayName,
    primaryId,
    primaryName,
    ownership: "UserOwned",
    objectTypeCode,
    isCustom: true,
    // The solution ships its tables with ChangeTrackingEnabled=0 (solution/packager/customizations.ts).
    changeTracking: false,
    alternateKeys: (json.keys ?? []).map((k) => ({ name: k.schemaName.toLowerCase(), columns: k.columns })),
    columns: [
      col(primaryId, "uniqueidentifier", json.displayName, { requiredLevel: "SystemRequired" }),
      str(primaryName, json.primaryName.displayName, json.primaryName.maxLength ?? 200),
      ...json.columns.map((c) => solutionColumn(c, logicalName)),
      ...state(ACTIVE_INACTIVE, ACTIVE_INACTIVE_STATUS),
      ...owned(),
      ...audit(),
    ],
  });
}

export const TABLES: TableDef[] = [
  table({
    logicalName: "account", schemaName: "Account", entitySetName: "accounts", displayName: "Account",
    primaryId: "accountid", primaryName: "name", ownership: "UserOwned", objectTypeCode: 1,
    columns: [
      col("accountid", "uniqueidentifier", "Account", { requiredLevel: "SystemRequired" }),
      str("name", "Account Name", 160), str("accountnumber", "Account Number", 20),
      str("emailaddress1", "Email", 100), str("telephone1", "Main Phone", 50), str("websiteurl", "Website", 200),
      str("emailaddress2", "Email Address 2", 100), str("emailaddress3", "Email Address 3", 100), str("telephone2", "Other Phone", 50),
      pick("industrycode", "Industry", INDUSTRY), col("revenue", "money", "Annual Revenue"),
      col("numberofemployees", "integer", "Number of Employees"),
      ...address(),
      lookup("parentaccountid", "Parent Account", "account"), lookup("primarycontactid", "Primary Contact", "contact"),
      memo("description", "Description"), ...mergeState("account"),
      ...state(ACTIVE_INACTIVE, ACTIVE_INACTIVE_STATUS), ...owned(), ...audit(),
    ],
  }),
  table({
    logicalName: "contact", schemaName: "Contact", entitySetName: "contacts", displayName: "Contact",
    primaryId: "contactid", primaryName: "fullname", ownership: "UserOwned", objectTypeCode: 2,
    columns: [
      col("contactid", "uniqueidentifier", "Contact", { requiredLevel: "SystemRequired" }),
      str("firstname", "First Name", 50), str("lastname", "Last Name", 50),
      col("fullname", "string", "Full Name", { maxLength: 160, readOnly: true }),
      str("emailaddress1", "Email", 100), str("telephone1", "Business Phone", 50), str("mobilephone", "Mobile Phone", 50),
      str("emailaddress2", "Email Address 2", 100), str("emailaddress3", "Email Address 3", 100), str("telephone2", "Home Phone", 50),
      str("websiteurl", "Website", 200),
      col("birthdate", "dateonly", "Birthday"), str("governmentid", "Government", 50),
      str("jobtitle", "Job Title", 100),
      col("parentcustomerid", "customer", "Company Name", { targets: ["account", "contact"] }),
      ...address(), memo("description", "Description"), ...mergeState("contact"),
      ...state(ACTIVE_INACTIVE, ACTIVE_INACTIVE_STATUS), ...owned(), ...audit(),
    ],
  }),
  table({
    logicalName: "lead", schemaName: "Lead", entitySetName: "leads", displayName: "Lead",
    primaryId: "leadid", primaryName: "fullname", ownership: "UserOwned", objectTypeCode: 4,
    columns: [
      col("leadid", "uniqueidentifier", "Lead", { requiredLevel: "SystemRequired" }),
      str("subject", "Topic", 300), str("firstname", "First Name", 50), str("lastname", "Last Name", 50),
      col("fullname", "string", "Name", { maxLength: 160, readOnly: true }),
      str("companyname", "Company Name", 100), str("jobtitle", "Job Title", 100),
      str("emailaddress1", "Email", 100), str("telephone1", "Business Phone", 50), str("mobilephone", "Mobile Phone", 50),
      str("emailaddress2", "Email Address 2", 100), str("emailaddress3", "Email Address 3", 100), str("telephone2", "Home Phone", 50),
      str("websiteurl", "Website", 200), ...address(),
      pick("leadsourcecode", "Lead Source", { 1: "Advertisement", 2: "Employee Referral", 3: "External Referral", 4: "Partner", 5: "Public Relations", 6: "Seminar", 7: "Trade Show", 8: "Web", 9: "Word of Mouth", 10: "Other" }),
      pick("leadqualitycode", "Rating", { 1: "Hot", 2: "Warm", 3: "Cold" }),
      col("estimatedamount", "money", "Est. Value"), col("estimatedclosedate", "dateonly", "Est. Close Date"),
      pick("purchasetimeframe", "Purchase Timeframe", { 0: "Immediate", 1: "This Quarter", 2: "Next Quarter", 3: "This Year", 4: "Unknown" }),
      pick("purchaseprocess", "Purchase Process", { 0: "Individual", 1: "Committee", 2: "Unknown" }),
      col("budgetamount", "money", "Budget Amount"), bool("decisionmaker", "Decision Maker?", { 0: "no", 1: "yes" }),
      lookup("parentaccountid", "Existing Account", "account"), lookup("parentcontactid", "Existing Contact", "contact"),
      col("customerid", "customer", "Customer", { targets: ["account", "contact"] }),
      memo("description", "Description"), ...mergeState("lead"),
      ...state({ 0: "Open", 1: "Qualified", 2: "Disqualified" }, { 1: "New", 2: "Contacted", 3: "Qualified", 4: "Lost", 5: "Cannot Contact", 6: "No Longer Interested", 7: "Canceled" }),
      ...owned(), ...audit(),
    ],
  }),
  table({
    logicalName: "opportunity", schemaName: "Opportunity", entitySetName: "opportunities", displayName: "Opportunity",
    primaryId: "opportunityid", primaryName: "name", ownership: "UserOwned", objectTypeCode: 3,
    columns: [
      col("opportunityid", "uniqueidentifier", "Opportunity", { requiredLevel: "SystemRequired" }),
      str("name", "Topic", 300),
      col("estimatedvalue", "money", "Est. Revenue"), col("estimatedclosedate", "dateonly", "Est. close date"),
      col("actualvalue", "money", "Actual Revenue"), col("actualclosedate", "dateonly", "Actual Close Date"),
      col("closeprobability", "integer", "Probability"),
      memo("customerneed", "Customer Need"), memo("proposedsolution", "Proposed Solution"), memo("currentsituation", "Current Situation"),
      bool("identifycompetitors", "Identify Competitors", { 0: "mark complete", 1: "completed" }),
      bool("developproposal", "Develop Proposal", { 0: "mark complete", 1: "completed" }),
      bool("completeinternalreview", "Complete Internal Review", { 0: "mark complete", 1: "completed" }),
      bool("presentproposal", "Present Proposal", { 0: "mark complete", 1: "completed" }),
      bool("identifycustomercontacts", "Identify Customer Contacts", { 0: "mark complete", 1: "completed" }),
      bool("identifypursuitteam", "Identify Sales Team", { 0: "mark complete", 1: "completed" }),
      bool("completefinalproposal", "Complete Final Proposal", { 0: "mark complete", 1: "completed" }),
      bool("presentfinalproposal", "Present Final Proposal", { 0: "mark complete", 1: "completed" }),
      bool("sendthankyounote", "Send Thank You Note", { 0: "mark complete", 1: "completed" }),
      bool("filedebrief", "File De-brief", { 0: "mark complete", 1: "completed" }),
      col("finaldecisiondate", "dateonly", "Final Decision Date"),
      pick("purchasetimeframe", "Purchase Timeframe", { 0: "Immediate", 1: "This Quarter", 2: "Next Quarter", 3: "This Year", 4: "Unknown" }),
      pick("purchaseprocess", "Purchase Process", { 0: "Individual", 1: "Committee", 2: "Unknown" }),
      col("budgetamount", "money", "Budget Amount"), bool("decisionmaker", "Decision Maker?", { 0: "no", 1: "yes" }),
      pick("salesstage", "Sales Stage", { 0: "Qualify", 1: "Develop", 2: "Propose", 3: "Close" }),
      str("stepname", "Pipeline Phase", 200),
      lookup("parentaccountid", "Account", "account"), lookup("parentcontactid", "Contact", "contact"),
      col("customerid", "customer", "Potential Customer", { targets: ["account", "contact"] }),
      lookup("originatingleadid", "Originating Lead", "lead"),
      memo("description", "Description"),
      ...state({ 0: "Open", 1: "Won", 2: "Lost" }, { 1: "In Progress", 2: "On Hold", 3: "Won", 4: "Canceled", 5: "Out-Sold" }),
      ...owned(), ...audit(),
    ],
  }),
  table({
    logicalName: "opportunitysalesprocess", schemaName: "OpportunitySalesProcess", entitySetName: "opportunitysalesprocesses",
    displayName: "Opportunity Sales Process", primaryId: "businessprocessflowinstanceid", primaryName: "name",
    ownership: "OrganizationOwned", objectTypeCode: 953, isBpf: true, columns: bpfColumns("opportunity"),
  }),
  table({
    logicalName: "leadtoopportunitysalesprocess", schemaName: "LeadToOpportunitySalesProcess", entitySetName: "leadtoopportunitysalesprocesses",
    displayName: "Lead To Opportunity Sales Process", primaryId: "businessprocessflowinstanceid", primaryName: "name",
    ownership: "OrganizationOwned", objectTypeCode: 954, isBpf: true, columns: bpfColumns("lead"),
  }),
  table({
    logicalName: "processstage", schemaName: "ProcessStage", entitySetName: "processstages", displayName: "Process Stage",
    primaryId: "processstageid", primaryName: "stagename", ownership: "OrganizationOwned", objectTypeCode: 4724,
    columns: [
      col("processstageid", "uniqueidentifier", "Process Stage", { requiredLevel: "SystemRequired" }),
      str("stagename", "Stage Name", 100), col("primaryentitytypecode", "entityname", "Primary Entity"),
      lookup("processid", "Process", "workflow"),
      pick("stagecategory", "Stage Category", { 0: "Qualify", 1: "Develop", 2: "Propose", 3: "Close", 4: "Identify", 5: "Research", 6: "Resolve", 7: "Approval" }),
      memo("clientdata", "Client Data"),
      ...audit(),
    ],
  }),
  table({
    logicalName: "activitypointer", schemaName: "ActivityPointer", entitySetName: "activitypointers", displayName: "Activity",
    primaryId: "activityid", primaryName: "subject", ownership: "UserOwned", objectTypeCode: 4200, isActivity: true,
    columns: activityColumns(),
  }),
  table({
    logicalName: "email", schemaName: "Email", entitySetName: "emails", displayName: "Email", primaryId: "activityid",
    primaryName: "subject", ownership: "UserOwned", objectTypeCode: 4202, isActivity: true, storage: "activitypointer",
    columns: [
      ...activityColumns(800), str("sender", "From", 250), str("torecipients", "To Recipients", 500), bool("directioncode", "Direction", { 0: "Incoming", 1: "Outgoing" }),
      // The RFC 5322 Internet Message-ID; server-side synchronization matches emails on it.
      str("messageid", "Message ID", 320), col("senton", "datetime", "Date Sent"),
    ],
  }),
  table({
    logicalName: "task", schemaName: "Task", entitySetName: "tasks", displayName: "Task", primaryId: "activityid",
    primaryName: "subject", ownership: "UserOwned", objectTypeCode: 4212, isActivity: true, storage: "activitypointer",
    columns: [...activityColumns(200), col("percentcomplete", "integer", "Percent Complete")],
  }),
  table({
    logicalName: "phonecall", schemaName: "PhoneCall", entitySetName: "phonecalls", displayName: "Phone Call", primaryId: "activityid",
    primaryName: "subject", ownership: "UserOwned", objectTypeCode: 4210, isActivity: true, storage: "activitypointer",
    columns: [...activityColumns(200), str("phonenumber", "Phone Number", 200), bool("directioncode", "Direction", { 0: "Incoming", 1: "Outgoing" })],
  }),
  table({
    logicalName: "appointment", schemaName: "Appointment", entitySetName: "appointments", displayName: "Appointment", primaryId: "activityid",
    primaryName: "subject", ownership: "UserOwned", objectTypeCode: 4201, isActivity: true, storage: "activitypointer",
    columns: [
      ...activityColumns(200), str("location", "Location", 200), memo("requiredattendees", "Required Attendees"),
      str("globalobjectid", "Outlook Appointment ID", 300),
    ],
  }),
  table({
    // A child of its activity: created only with it (deep insert), read through activityparties.
    logicalName: "activityparty", schemaName: "ActivityParty", entitySetName: "activityparties", displayName: "Activity Party",
    primaryId: "activitypartyid", primaryName: "partyidname", ownership: "None", objectTypeCode: 135,
    columns: [
      col("activitypartyid", "uniqueidentifier", "Activity Party", { requiredLevel: "SystemRequired" }),
      col("activityid", "lookup", "Activity", { targets: [...PARTY_ACTIVITY_TABLES], requiredLevel: "SystemRequired" }),
      col("partyid", "lookup", "Party", { targets: [...PARTY_TARGETS] }),
      col("partyidname", "string", "Party Name", { maxLength: 400, readOnly: true }),
      pick("participationtypemask", "Participation Type", PARTICIPATION_TYPES),
      str("addressused", "Address", 320),
      col("ispartydeleted", "boolean", "Is Party Deleted", { options: YES_NO, readOnly: true }),
      col("versionnumber", "bigint", "Version Number", { readOnly: true }),
    ],
  }),
  table({
    logicalName: "systemuser", schemaName: "SystemUser", entitySetName: "systemusers", displayName: "User",
    primaryId: "systemuserid", primaryName: "fullname", ownership: "BusinessOwned", objectTypeCode: 8,
    columns: [
      col("systemuserid", "uniqueidentifier", "User", { requiredLevel: "SystemRequired" }),
      str("firstname", "First Name", 64), str("lastname", "Last Name", 64),
      col("fullname", "string", "Full Name", { maxLength: 200, readOnly: true }),
      str("domainname", "User Name", 1024), str("internalemailaddress", "Primary Email", 100), str("title", "Title", 128),
      bool("isdisabled", "Status", { 0: "Enabled", 1: "Disabled" }),
      lookup("businessunitid", "Business Unit", "businessunit"),
      str("azureactivedirectoryobjectid", "Azure AD Object ID", 40),
      ...audit(),
    ],
  }),
  table({
    logicalName: "businessunit", schemaName: "BusinessUnit", entitySetName: "businessunits", displayName: "Business Unit",
    primaryId: "businessunitid", primaryName: "name", ownership: "BusinessOwned", objectTypeCode: 10,
    columns: [
      col("businessunitid", "uniqueidentifier", "Business Unit", { requiredLevel: "SystemRequired" }),
      str("name", "Name", 160), lookup("parentbusinessunitid", "Parent Business", "businessunit"),
      bool("isdisabled", "Is Disabled"), ...audit(),
    ],
  }),
  table({
    logicalName: "team", schemaName: "Team", entitySetName: "teams", displayName: "Team",
    primaryId: "teamid", primaryName: "name", ownership: "BusinessOwned", objectTypeCode: 9,
    columns: [
      col("teamid", "uniqueidentifier", "Team", { requiredLevel: "SystemRequired" }),
      str("name", "Team Name", 160), lookup("businessunitid", "Business Unit", "businessunit"),
      lookup("administratorid", "Administrator", "systemuser"),
      pick("teamtype", "Team Type", { 0: "Owner", 1: "Access", 2: "Security Group", 3: "Office Group" }),
      bool("isdefault", "Is Default"), ...audit(),
    ],
  }),
  table({
    logicalName: "teammembership", schemaName: "TeamMembership", entitySetName: "teammemberships", displayName: "Team Membership",
    primaryId: "teammembershipid", primaryName: "teammembershipid", ownership: "OrganizationOwned", objectTypeCode: 23,
    columns: [
      col("teammembershipid", "uniqueidentifier", "Team Membership", { requiredLevel: "SystemRequired" }),
      col("teamid", "uniqueidentifier", "Team"), col("systemuserid", "uniqueidentifier", "User"),
      col("versionnumber", "bigint", "Version Number", { readOnly: true }),
    ],
  }),
  // Security roles and who holds them (roles.ts): the audit checks that a waiver's approver holds an approving role.
  table({
    logicalName: "role", schemaName: "Role", entitySetName: "roles", displayName: "Security Role",
    primaryId: "roleid", primaryName: "name", ownership: "BusinessOwned", objectTypeCode: 1036,
    columns: [
      col("roleid", "uniqueidentifier", "Role", { requiredLevel: "SystemRequired" }),
      str("name", "Name", 100), lookup("businessunitid", "Business Unit", "businessunit"), ...audit(),
    ],
  }),
  table({
    logicalName: "systemuserroles", schemaName: "SystemUserRoles", entitySetName: "systemuserrolescollection", displayName: "System User Roles",
    primaryId: "systemuserroleid", primaryName: "systemuserroleid", ownership: "OrganizationOwned", objectTypeCode: 15,
    columns: [
      col("systemuserroleid", "uniqueidentifier", "System User Role", { requiredLevel: "SystemRequired" }),
      col("systemuserid", "uniqueidentifier", "User"), col("roleid", "uniqueidentifier", "Role"),
      col("versionnumber", "bigint", "Version Number", { readOnly: true }),
    ],
  }),
  table({
    logicalName: "duplicaterule", schemaName: "DuplicateRule", entitySetName: "duplicaterules", displayName: "Duplicate Detection Rule",
    primaryId: "duplicateruleid", primaryName: "name", ownership: "UserOwned", objectTypeCode: 4414,
    columns: [
      col("duplicateruleid", "uniqueidentifier", "Duplicate Rule", { requiredLevel: "SystemRequired" }),
      str("name", "Name", 160), col("baseentityname", "entityname", "Base Record Type"),
      col("matchingentityname", "entityname", "Matching Record Type"), bool("iscasesensitive", "Case-sensitive"),
      bool("excludeinactiverecords", "Exclude inactive records"), memo("description", "Description"),
      ...state({ 0: "Inactive", 1: "Active" }, { 0: "Unpublished", 1: "Publishing", 2: "Published" }),
      ...owned(), ...audit(),
    ],
  }),
  table({
    logicalName: "duplicaterulecondition", schemaName: "DuplicateRuleCondition", entitySetName: "duplicateruleconditions",
    displayName: "Duplicate Rule Condition", primaryId: "duplicateruleconditionid", primaryName: "baseattributename",
    ownership: "OrganizationOwned", objectTypeCode: 4416,
    columns: [
      col("duplicateruleconditionid", "uniqueidentifier", "Condition", { requiredLevel: "SystemRequired" }),
      str("baseattributename", "Base Attribute Name", 100), str("matchingattributename", "Matching Attribute Name", 100),
      pick("operatorcode", "Operator Code", { 0: "Exact Match", 1: "Same First Characters", 2: "Same Last Characters", 3: "Same Date", 4: "Same Date and Time", 5: "Exact Match (Pick List Label)", 6: "Exact Match (Pick List Value)" }),
      col("operatorparam", "integer", "Operator Parameter"), bool("ignoreblankvalues", "Ignore Blank Values"),
      lookup("regardingobjectid", "Regarding Object", "duplicaterule"),
      ...audit(),
    ],
  }),
  table({
    logicalName: "environmentvariabledefinition", schemaName: "EnvironmentVariableDefinition", entitySetName: "environmentvariabledefinitions",
    displayName: "Environment Variable Definition", primaryId: "environmentvariabledefinitionid", primaryName: "schemaname",
    ownership: "UserOwned", objectTypeCode: 380,
    alternateKeys: [{ name: "schemaname", columns: ["schemaname"] }],
    columns: [
      col("environmentvariabledefinitionid", "uniqueidentifier", "Environment Variable Definition", { requiredLevel: "SystemRequired" }),
      str("schemaname", "Schema Name", 100), str("displayname", "Display Name", 100), memo("description", "Description"),
      pick("type", "Type", { 100000000: "String", 100000001: "Number", 100000002: "Boolean", 100000003: "JSON", 100000004: "Data source", 100000005: "Secret" }),
      memo("defaultvalue", "Default Value"),
      ...state(ACTIVE_INACTIVE, ACTIVE_INACTIVE_STATUS), ...owned(), ...audit(),
    ],
  }),
  table({
    logicalName: "environmentvariablevalue", schemaName: "EnvironmentVariableValue", entitySetName: "environmentvariablevalues",
    displayName: "Environment Variable Value", primaryId: "environmentvariablevalueid", primaryName: "schemaname",
    ownership: "UserOwned", objectTypeCode: 381,
    alternateKeys: [{ name: "schemaname", columns: ["schemaname"] }],
    columns: [
      col("environmentvariablevalueid", "uniqueidentifier", "Environment Variable Value", { requiredLevel: "SystemRequired" }),
      str("schemaname", "Schema Name", 100), memo("value", "Value"),
      { ...lookup("environmentvariabledefinitionid", "Environment Variable Definition", "environmentvariabledefinition"), navigationName: "EnvironmentVariableDefinitionId" },
      ...state(ACTIVE_INACTIVE, ACTIVE_INACTIVE_STATUS), ...owned(), ...audit(),
    ],
  }),
  MAILBOX_TABLE,
  SYSTEMFORM_TABLE,
  ...SOLUTION_TABLES.map(solutionTable),
];
// Every standard column of the customer and activity tables from Microsoft's metadata (standard/columns.ts).
for (const t of TABLES) t.columns.push(...standardColumns(t.logicalName, t.columns));

/** Lookup by logical name and by entity set name. */
export const BY_LOGICAL = new Map(TABLES.map((t) => [t.logicalName, t]));
export const BY_SET = new Map(TABLES.map((t) => [t.entitySetName, t]));

export interface ResolvedTable extends TableDef {
  byColumn: Map<string, ColumnDef>;
  byProperty: Map<string, ColumnDef>;
}

const resolved = new Map<string, ResolvedTable>();
export function tableDef(logicalName: string): ResolvedTable {
  let r = resolved.get(logicalName);
  if (!r) {
    const t = BY_LOGICAL.get(logicalName);
    if (!t) throw new Error(`Unknown table '${logicalName}'`);
    r = { ...t, byColumn: new Map(t.columns.map((c) => [c.name, c])), byProperty: new Map(t.columns.map((c) => [propertyName(c), c])) };
    resolved.set(logicalName, r);
  }
  return r;
}

/** Physical store holding a table's rows (activities share `activitypointer`). */
export function storageOf(t: TableDef): string {
  return t.storage ?? t.logicalName;
}

/**
 * Single-valued navigation properties of a table: for a lookup with one target the property is
 * the lookup's logical name (`parentaccountid`); for a polymorphic one, `<name>_<target>`
 * (`parentcustomerid_account`); the owner is `ownerid` (principal) plus `owninguser`/`owningteam`.
 */
export function navigationProperties(t: TableDef): Map<string, { column: ColumnDef; target: string | null }> {
  const out = new Map<string, { column: ColumnDef; target: string | null }>();
  for (const c of t.columns) {
    if (!isLookupType(c.type) || !c.targets) continue;
    if (c.type === "owner") {
      out.set("ownerid", { column: c, target: null });
      out.set("owninguser", { column: c, target: "systemuser" });
      out.set("owningteam", { column: c, target: "team" });
    } else if (c.targets.length === 1) {
      out.set(c.navigationName ?? c.name, { column: c, target: c.targets[0] });
    } else {
      for (const target of c.targets) out.set(`${c.name}_${target}`, { column: c, target });
    }
  }
  return out;
}
