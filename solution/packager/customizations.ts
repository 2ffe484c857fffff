// customizations.xml: tables (with columns, keys, forms, views), relationships, global choices,
// security roles, web resources, code components, the app and its site map. Shapes follow real
// Dataverse exports (test/fixtures/solution-exports) restricted to what Microsoft's 9.0.0.2090
// CustomizationsSolution.xsd knows, so the file validates against that schema. See README.md in
// solution/ for what is left out for that reason.

import type { ResolvedBuilds } from "./builds";
import { braced, componentId, webResourceId } from "./ids";
import { panelFormEntities } from "./panelforms";
import { SYSTEM_TABLES, logicalNameOf } from "./source";
import type { ColumnSource, FormSource, PrivilegeVerb, SolutionSource, TableSource, ViewSource } from "./types";
import { bit, document, el, serialize, type Node } from "./xml";

/** Form control class ids of the classic field controls, by column type. */
const CLASS_IDS = {
  text: "{4273EDBD-AC1D-40d3-9FB2-095C621B552D}",
  memo: "{E0DECE4B-6FC8-4a8f-A065-082708572369}",
  int: "{C6D124CA-7EDA-4a60-AEA9-7FB8D318B68F}",
  decimal: "{C3EFE0C3-0EC6-42be-8349-CBD9079DFD8E}",
  datetime: "{5B773807-9FB2-42db-97C3-7A91EFF8ADFF}",
  boolean: "{67FAC785-CD58-4f9f-ABB3-4B7DDC6ED5ED}",
  choice: "{3EF39988-22BB-4f0b-BBBE-64B5A3748AEE}",
  lookup: "{270BD3DB-D9AF-4782-9025-509E298DEC0A}",
} as const;

/** The default app icon every model-driven app may use (msdyn_/Images/AppModule_Default_Icon.png). */
export const DEFAULT_APP_ICON_ID = "953b9fac-1e5e-e611-80d6-00155ded156f";

const QUERY_TYPES: Record<ViewSource["type"], number> = { public: 0, advancedfind: 1, associated: 2, quickfind: 4, lookup: 64 };

const PRIVILEGE_VERBS: Record<PrivilegeVerb, string> = {
  create: "Create",
  read: "Read",
  write: "Write",
  delete: "Delete",
  append: "Append",
  appendTo: "AppendTo",
  assign: "Assign",
  share: "Share",
};

interface Ctx {
  s: SolutionSource;
  lang: string;
  version: string;
}

function labels(parent: Node, container: string, item: string, description: string, lang: string): void {
  el(el(parent, container), item, undefined, { description, languagecode: lang });
}

/** What kind of column a logical name is on a table, for form controls and grid widths. */
function columnKind(table: TableSource, name: string): keyof typeof CLASS_IDS {
  if (name === logicalNameOf(table.primaryName.schemaName)) return "text";
  const c = table.columns.find((col) => logicalNameOf(col.schemaName) === name);
  if (c) return c.type;
  if (name === "createdon" || name === "modifiedon") return "datetime";
  if (name === "statecode" || name === "statuscode") return "choice";
  return "lookup";
}

function columnLabel(table: TableSource, name: string): string {
  if (name === logicalNameOf(table.primaryName.schemaName)) return table.primaryName.displayName;
  const c = table.columns.find((col) => logicalNameOf(col.schemaName) === name);
  if (c) return c.displayName;
  const system: Record<string, string> = {
    ownerid: "Owner",
    createdon: "Created On",
    createdby: "Created By",
    modifiedon: "Modified On",
    modifiedby: "Modified By",
    statecode: "Status",
    statuscode: "Status Reason",
    owningbusinessunit: "Owning Business Unit",
  };
  return system[name] ?? name;
}

// ---------------------------------------------------------------------------------------------
// Columns

interface AttributeSpec {
  physicalName: string;
  type: string;
  requiredLevel: "none" | "required" | "systemrequired";
  displayMask: string;
  imeMode?: "auto" | "inactive" | "disabled";
  api: { create: boolean; read: boolean; update: boolean };
  custom: boolean;
  audit: boolean;
  displayName: string;
  description: string;
  isLogical?: boolean;
  secured?: boolean;
  canModifyRequirementLevel?: boolean;
  /** Type-specific elements, written between the common ones and the labels. */
  specific?: (attr: Node) => void;
}

function attribute(parent: Node, spec: AttributeSpec, ctx: Ctx): void {
  const a = el(parent, "attribute", undefined, { PhysicalName: spec.physicalName });
  const logical = spec.physicalName.toLowerCase();
  el(a, "Type", spec.type);
  el(a, "Name", logical);
  el(a, "LogicalName", logical);
  el(a, "RequiredLevel", spec.requiredLevel);
  if (spec.displayMask) el(a, "DisplayMask", spec.displayMask);
  if (spec.imeMode) el(a, "ImeMode", spec.imeMode);
  if (spec.api.update) el(a, "ValidForUpdateApi", "1");
  if (spec.api.read) el(a, "ValidForReadApi", "1");
  if (spec.api.create) el(a, "ValidForCreateApi", "1");
  if (spec.isLogical) el(a, "IsLogical", "1");
  el(a, "IsCustomField", bit(spec.custom));
  el(a, "IsAuditEnabled", bit(spec.audit));
  el(a, "IsSecured", bit(spec.secured ?? false));
  el(a, "IntroducedVersion", ctx.version);
  el(a, "IsCustomizable", "1");
  el(a, "IsRenameable", "1");
  el(a, "CanModifySearchSettings", "1");
  el(a, "CanModifyRequirementLevelSettings", bit(spec.canModifyRequirementLevel ?? true));
  el(a, "CanModifyAdditionalSettings", "1");
  el(a, "SourceType", "0");
  el(a, "IsGlobalFilterEnabled", "0");
  el(a, "IsSortableEnabled", "0");
  el(a, "CanModifyGlobalFilterSettings", "1");
  el(a, "CanModifyIsSortableSettings", "1");
  el(a, "IsDataSourceSecret", "0");
  spec.specific?.(a);
  labels(a, "displaynames", "displayname", spec.displayName, ctx.lang);
  labels(a, "Descriptions", "Description", spec.description, ctx.lang);
}

function optionsetElement(parent: Node, name: string, type: "picklist" | "bit" | "state" | "status", displayName: string, description: string, ctx: Ctx, fill: (o: Node) => void, global = false): void {
  const o = el(parent, "optionset", undefined, global ? { Name: name, localizedName: displayName, description } : { Name: name });
  el(o, "OptionSetType", type);
  if (type === "picklist") el(o, "IsGlobal", bit(global));
  el(o, "IntroducedVersion", ctx.version);
  if (type === "picklist") el(o, "IsCustomizable", "1");
  labels(o, "displaynames", "displayname", displayName, ctx.lang);
  labels(o, "Descriptions", "Description", description, ctx.lang);
  fill(o);
}

function options(parent: Node, list: { value: number; label: string }[], lang: string): void {
  const opts = el(parent, "options");
  for (const opt of list) {
    const o = el(opts, "option", undefined, { value: opt.value });
    labels(o, "labels", "label", opt.label, lang);
  }
}

const VALID = "ValidForAdvancedFind|ValidForForm|ValidForGrid";
const ALL_API = { create: true, read: true, update: true };

function customColumn(parent: Node, table: TableSource, c: ColumnSource, ctx: Ctx): void {
  const base = {
    physicalName: c.schemaName,
    requiredLevel: c.required ? ("required" as const) : ("none" as const),
    displayMask: c.required ? `${VALID}|RequiredForForm` : VALID,
    api: ALL_API,
    custom: true,
    audit: true,
    displayName: c.displayName,
    description: c.description,
    secured: c.secured ?? false,
  };
  switch (c.type) {
    case "text":
      return attribute(parent, { ...base, type: "nvarchar", imeMode: "auto", specific: (a) => (el(a, "Format", "text"), el(a, "MaxLength", c.maxLength), el(a, "Length", c.maxLength * 2)) }, ctx);
    case "memo":
      return attribute(parent, { ...base, type: "ntext", imeMode: "auto", specific: (a) => (el(a, "Format", "textarea"), el(a, "MaxLength", c.maxLength)) }, ctx);
    case "int":
      return attribute(parent, { ...base, type: "int", imeMode: "auto", specific: (a) => (el(a, "Format", "none"), el(a, "MinValue", c.min), el(a, "MaxValue", c.max)) }, ctx);
    case "decimal":
      return attribute(
        parent,
        { ...base, type: "decimal", imeMode: "auto", specific: (a) => (el(a, "MinValue", c.min), el(a, "MaxValue", c.max), el(a, "Accuracy", c.precision)) },
        ctx,
      );
    case "datetime":
      return attribute(
        parent,
        { ...base, type: "datetime", imeMode: "inactive", specific: (a) => (el(a, "Format", "datetime"), el(a, "CanChangeDateTimeBehavior", "1"), el(a, "Behavior", "1")) },
        ctx,
      );
    case "boolean":
      return attribute(
        parent,
        {
          ...base,
          type: "bit",
          imeMode: "auto",
          specific: (a) => {
            el(a, "AppDefaultValue", c.default ? "1" : "0");
            optionsetElement(a, `${logicalNameOf(table.schemaName)}_${logicalNameOf(c.schemaName)}`, "bit", c.displayName, c.description, ctx, (o) =>
              options(o, [{ value: 1, label: c.trueLabel }, { value: 0, label: c.falseLabel }], ctx.lang),
            );
          },
        },
        ctx,
      );
    case "choice":
      return attribute(
        parent,
        {
          ...base,
          type: "picklist",
          imeMode: "auto",
          specific: (a) => {
            if (c.choice !== undefined) {
              el(a, "OptionSetName", c.choice);
            } else {
              optionsetElement(a, `${logicalNameOf(table.schemaName)}_${logicalNameOf(c.schemaName)}`, "picklist", c.displayName, c.description, ctx, (o) => options(o, c.options ?? [], ctx.lang));
            }
            el(a, "AppDefaultValue", c.default ?? -1);
          },
        },
        ctx,
      );
    case "lookup":
      return attribute(parent, { ...base, type: "lookup", specific: (a) => (el(a, "LookupStyle", "single"), el(a, "LookupTypes")) }, ctx);
  }
}

/** The columns Dataverse gives every user-owned table, as exports write them. */
function systemColumns(table: TableSource, ctx: Ctx): { name: string; write: (p: Node) => void }[] {
  const t = logicalNameOf(table.schemaName);
  const read = { create: false, read: true, update: false };
  const sys = { custom: false, audit: false, requiredLevel: "none" as const, displayMask: VALID, api: read };
  const lookup = (physicalName: string, displayName: string, description: string, extra: Partial<AttributeSpec> = {}) => ({
    name: physicalName,
    write: (p: Node) => attribute(p, { ...sys, physicalName, type: "lookup", displayName, description, specific: (a) => (el(a, "LookupStyle", "single"), el(a, "LookupTypes")), ...extra }, ctx),
  });
  const dateTime = (physicalName: string, displayName: string, description: string, extra: Partial<AttributeSpec> = {}, format = "datetime") => ({
    name: physicalName,
    write: (p: Node) =>
      attribute(p, { ...sys, physicalName, type: "datetime", imeMode: "inactive", displayName, description, specific: (a) => (el(a, "Format", format), el(a, "CanChangeDateTimeBehavior", "0"), el(a, "Behavior", "1")), ...extra }, ctx),
  });
  const int = (physicalName: string, displayName: string, description: string, min: number, extra: Partial<AttributeSpec> = {}) => ({
    name: physicalName,
    write: (p: Node) => attribute(p, { ...sys, physicalName, type: "int", displayName, description, specific: (a) => (el(a, "Format", ""), el(a, "MinValue", min), el(a, "MaxValue", 2147483647)), ...extra }, ctx),
  });
  return [
    {
      name: `${table.schemaName}Id`,
      write: (p) =>
        attribute(
          p,
          {
            ...sys,
            physicalName: `${table.schemaName}Id`,
            type: "primarykey",
            requiredLevel: "systemrequired",
            displayMask: "ValidForAdvancedFind|RequiredForGrid",
            imeMode: "auto",
            api: { create: true, read: true, update: false },
            canModifyRequirementLevel: false,
            displayName: table.displayName,
            description: "Unique identifier for entity instances",
          },
          ctx,
        ),
    },
    lookup("CreatedBy", "Created By", "Unique identifier of the user who created the record."),
    dateTime("CreatedOn", "Created On", "Date and time when the record was created."),
    lookup("CreatedOnBehalfBy", "Created By (Delegate)", "Unique identifier of the delegate user who created the record."),
    int("ImportSequenceNumber", "Import Sequence Number", "Sequence number of the import that created this record.", -2147483648, {
      displayMask: "ValidForAdvancedFind",
      api: { create: true, read: true, update: false },
    }),
    lookup("ModifiedBy", "Modified By", "Unique identifier of the user who modified the record."),
    dateTime("ModifiedOn", "Modified On", "Date and time when the record was modified."),
    lookup("ModifiedOnBehalfBy", "Modified By (Delegate)", "Unique identifier of the delegate user who modified the record."),
    dateTime("OverriddenCreatedOn", "Record Created On", "Date and time that the record was migrated.", { displayMask: "ValidForAdvancedFind|ValidForGrid", api: { create: true, read: true, update: false } }, "date"),
    {
      name: "OwnerId",
      write: (p) =>
        attribute(
          p,
          {
            ...sys,
            physicalName: "OwnerId",
            type: "owner",
            requiredLevel: "systemrequired",
            displayMask: `${VALID}|RequiredForForm`,
            api: ALL_API,
            displayName: "Owner",
            description: "Owner Id",
            specific: (a) => {
              el(a, "LookupStyle", "single");
              const types = el(a, "LookupTypes");
              el(types, "LookupType", 8, { id: "00000000-0000-0000-0000-000000000000" });
              el(types, "LookupType", 9, { id: "00000000-0000-0000-0000-000000000000" });
            },
          },
          ctx,
        ),
    },
    lookup("OwningBusinessUnit", "Owning Business Unit", "Unique identifier for the business unit that owns the record", { displayMask: "" }),
    lookup("OwningTeam", "Owning Team", "Unique identifier for the team that owns the record.", { displayMask: "", isLogical: true }),
    lookup("OwningUser", "Owning User", "Unique identifier for the user that owns the record.", { displayMask: "", isLogical: true }),
    {
      name: "statecode",
      write: (p) =>
        attribute(
          p,
          {
            ...sys,
            physicalName: "statecode",
            type: "state",
            requiredLevel: "systemrequired",
            api: { create: false, read: true, update: true },
            displayName: "Status",
            description: `Status of the ${table.displayName}`,
            specific: (a) =>
              optionsetElement(a, `${t}_statecode`, "state", "Status", `Status of the ${table.displayName}`, ctx, (o) => {
                const states = el(o, "states");
                for (const [value, status, name] of [[0, 1, "Active"], [1, 2, "Inactive"]] as const) {
                  const st = el(states, "state", undefined, { value, defaultstatus: status, invariantname: name });
                  labels(st, "labels", "label", name, ctx.lang);
                }
              }),
          },
          ctx,
        ),
    },
    {
      name: "statuscode",
      write: (p) =>
        attribute(
          p,
          {
            ...sys,
            physicalName: "statuscode",
            type: "status",
            api: ALL_API,
            displayName: "Status Reason",
            description: `Reason for the status of the ${table.displayName}`,
            specific: (a) =>
              optionsetElement(a, `${t}_statuscode`, "status", "Status Reason", `Reason for the status of the ${table.displayName}`, ctx, (o) => {
                const statuses = el(o, "statuses");
                for (const [value, state, name] of [[1, 0, "Active"], [2, 1, "Inactive"]] as const) {
                  const st = el(statuses, "status", undefined, { value, state });
                  labels(st, "labels", "label", name, ctx.lang);
                }
              }),
          },
          ctx,
        ),
    },
    int("TimeZoneRuleVersionNumber", "Time Zone Rule Version Number", "For internal use only.", -1, { displayMask: "", api: ALL_API }),
    int("UTCConversionTimeZoneCode", "UTC Conversion Time Zone Code", "Time zone code that was in use when the record was created.", -1, { displayMask: "", api: ALL_API }),
  ];
}

function sortedByName<T extends { name: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => {
    const x = a.name.toLowerCase();
    const y = b.name.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

// ---------------------------------------------------------------------------------------------
// Forms and views

function form(parent: Node, table: TableSource, f: FormSource, ctx: Ctx): void {
  const t = logicalNameOf(table.schemaName);
  const key = `${t}/${f.name}`;
  const sf = el(parent, "systemform");
  el(sf, "formid", braced(componentId("form", key)));
  el(sf, "IntroducedVersion", ctx.version);
  el(sf, "FormPresentation", "1");
  el(sf, "FormActivationState", "1");
  const fx = el(sf, "form");
  const tabs = el(fx, "tabs");
  f.tabs.forEach((tab, ti) => {
    const tabNode = el(tabs, "tab", undefined, { name: `tab_${ti + 1}`, verticallayout: "true", id: braced(componentId("tab", `${key}/${tab.label}`)), IsUserDefined: "0" });
    labels(tabNode, "labels", "label", tab.label, ctx.lang);
    const sections = el(el(el(tabNode, "columns"), "column", undefined, { width: "100%" }), "sections");
    tab.sections.forEach((section, si) => {
      const sec = el(sections, "section", undefined, {
        name: `tab_${ti + 1}_section_${si + 1}`,
        showlabel: "true",
        showbar: "false",
        columns: "1",
        IsUserDefined: "0",
        id: braced(componentId("section", `${key}/${tab.label}/${section.label}`)),
      });
      labels(sec, "labels", "label", section.label, ctx.lang);
      const rows = el(sec, "rows");
      for (const col of section.columns) {
        const cell = el(el(rows, "row"), "cell", undefined, { id: braced(componentId("cell", `${key}/${col}`)), showlabel: "true", locklevel: "0" });
        labels(cell, "labels", "label", columnLabel(table, col), ctx.lang);
        el(cell, "control", undefined, { id: col, classid: CLASS_IDS[columnKind(table, col)], datafieldname: col, disabled: "false" });
      }
    });
  });
  el(fx, "DisplayConditions", undefined, { Order: "0", FallbackForm: "true" });
  el(sf, "IsCustomizable", "1");
  el(sf, "CanBeDeleted", "1");
  labels(sf, "LocalizedNames", "LocalizedName", f.name, ctx.lang);
  labels(sf, "Descriptions", "Description", f.description, ctx.lang);
}

function cellWidth(table: TableSource, col: string): number {
  if (col === logicalNameOf(table.primaryName.schemaName)) return 300;
  const kind = columnKind(table, col);
  return kind === "text" || kind === "lookup" || kind === "memo" ? 200 : kind === "datetime" ? 150 : 100;
}

export function viewId(table: TableSource, view: ViewSource): string {
  return componentId("view", `${logicalNameOf(table.schemaName)}/${view.name}`);
}

function savedQuery(parent: Node, table: TableSource, v: ViewSource, ctx: Ctx): void {
  const t = logicalNameOf(table.schemaName);
  const pk = `${t}id`;
  const primary = logicalNameOf(table.primaryName.schemaName);
  const systemView = v.type !== "public" || v.default === true;
  const q = el(parent, "savedquery");
  el(q, "IsCustomizable", "1");
  el(q, "CanBeDeleted", bit(!systemView));
  el(q, "isquickfindquery", bit(v.type === "quickfind"));
  el(q, "isprivate", "0");
  el(q, "isdefault", bit(v.type === "public" ? v.default === true : true));
  el(q, "savedqueryid", braced(viewId(table, v)));
  const related = v.type === "associated" || v.type === "lookup";
  const grid = el(el(q, "layoutxml"), "grid", undefined, { name: related ? `${t}s` : "resultset", jump: primary, select: "1", icon: "1", preview: "1" });
  const row = el(grid, "row", undefined, { name: related ? t : "result", id: pk });
  for (const col of v.columns) el(row, "cell", undefined, { name: col, width: cellWidth(table, col) });
  el(q, "querytype", QUERY_TYPES[v.type]);
  const entity = el(el(el(q, "fetchxml"), "fetch", undefined, { version: "1.0", "output-format": "xml-platform", mapping: "logical" }), "entity", undefined, { name: t });
  for (const col of [pk, ...v.columns.filter((c) => c !== pk)]) el(entity, "attribute", undefined, { name: col });
  for (const o of v.order ?? []) el(entity, "order", undefined, { attribute: o.attribute, descending: o.descending ? "true" : "false" });
  if (v.filter && v.filter.length > 0) {
    const filter = el(entity, "filter", undefined, { type: "and" });
    for (const c of v.filter) el(filter, "condition", undefined, { attribute: c.attribute, operator: c.operator, value: c.value });
  }
  if (v.type === "quickfind") {
    const find = el(entity, "filter", undefined, { type: "or", isquickfindfields: "1" });
    for (const col of v.findColumns ?? []) el(find, "condition", undefined, { attribute: col, operator: "like", value: "{0}" });
  }
  el(q, "IntroducedVersion", ctx.version);
  labels(q, "LocalizedNames", "LocalizedName", v.name, ctx.lang);
  if (v.description) labels(q, "Descriptions", "Description", v.description, ctx.lang);
}

function emptyRibbon(parent: Node): void {
  const r = el(parent, "RibbonDiffXml");
  el(r, "CustomActions");
  el(el(r, "Templates"), "RibbonTemplates", undefined, { Id: "Mscrm.Templates" });
  el(r, "CommandDefinitions");
  const rules = el(r, "RuleDefinitions");
  el(rules, "TabDisplayRules");
  el(rules, "DisplayRules");
  el(rules, "EnableRules");
  el(r, "LocLabels");
}

export function entitySetName(table: TableSource): string {
  const t = logicalNameOf(table.schemaName);
  return /(s|x|z|ch|sh)$/.test(t) ? `${t}es` : `${t}s`;
}

function entity(parent: Node, table: TableSource, ctx: Ctx): void {
  const e = el(parent, "Entity");
  el(e, "Name", table.schemaName, { LocalizedName: table.displayName, OriginalName: table.displayName });
  const info = el(el(e, "EntityInfo"), "entity", undefined, { Name: table.schemaName });
  labels(info, "LocalizedNames", "LocalizedName", table.displayName, ctx.lang);
  labels(info, "LocalizedCollectionNames", "LocalizedCollectionName", table.pluralName, ctx.lang);
  labels(info, "Descriptions", "Description", table.description, ctx.lang);
  const attrs = el(info, "attributes");
  const writers: { name: string; write: (p: Node) => void }[] = [
    {
      name: table.primaryName.schemaName,
      write: (p) =>
        attribute(
          p,
          {
            physicalName: table.primaryName.schemaName,
            type: "nvarchar",
            requiredLevel: "required",
            displayMask: `PrimaryName|${VALID}|RequiredForForm`,
            imeMode: "auto",
            api: ALL_API,
            custom: true,
            audit: true,
            displayName: table.primaryName.displayName,
            description: table.primaryName.description,
            specific: (a) => (el(a, "Format", "text"), el(a, "MaxLength", table.primaryName.maxLength), el(a, "Length", table.primaryName.maxLength * 2)),
          },
          ctx,
        ),
    },
    ...table.columns.map((c) => ({ name: c.schemaName, write: (p: Node) => customColumn(p, table, c, ctx) })),
    ...systemColumns(table, ctx),
  ];
  for (const w of sortedByName(writers)) w.write(attrs);
  el(info, "EntitySetName", entitySetName(table));
  const settings: [string, string][] = [
    ["IsDuplicateCheckSupported", "1"],
    ["IsBusinessProcessEnabled", "0"],
    ["IsRequiredOffline", "0"],
    ["IsInteractionCentricEnabled", "0"],
    ["IsCollaboration", "0"],
    ["AutoRouteToOwnerQueue", "0"],
    ["IsConnectionsEnabled", "0"],
    ["IsDocumentManagementEnabled", "0"],
    ["IsOneNoteIntegrationEnabled", "0"],
    ["IsKnowledgeManagementEnabled", "0"],
    ["IsSLAEnabled", "0"],
    ["IsDocumentRecommendationsEnabled", "0"],
    ["IsBPFEntity", "0"],
    ["OwnershipTypeMask", "UserOwned"],
    ["IsAuditEnabled", "0"],
    ["IsActivity", "0"],
    ["ActivityTypeMask", ""],
    ["IsActivityParty", "0"],
    ["IsReplicated", "0"],
    ["IsReplicationUserFiltered", "0"],
    ["IsMailMergeEnabled", "0"],
    ["IsVisibleInMobile", "0"],
    ["IsVisibleInMobileClient", "1"],
    ["IsReadOnlyInMobileClient", "0"],
    ["IsOfflineInMobileClient", "0"],
    ["DaysSinceRecordLastModified", "0"],
    ["MobileOfflineFilters", ""],
    ["IsMapiGridEnabled", "1"],
    ["IsReadingPaneEnabled", "1"],
    ["IsQuickCreateEnabled", "0"],
    ["SyncToExternalSearchIndex", "0"],
    ["IntroducedVersion", ctx.version],
    ["IsCustomizable", "1"],
    ["IsRenameable", "1"],
    ["IsMappable", "1"],
    ["CanModifyAuditSettings", "1"],
    ["CanCreateAttributes", "1"],
    ["CanCreateForms", "1"],
    ["CanCreateCharts", "1"],
    ["CanCreateViews", "1"],
    ["CanEnableSyncToExternalSearchIndex", "1"],
    ["EnforceStateTransitions", "0"],
    ["CanChangeHierarchicalRelationship", "1"],
    ["EntityHelpUrlEnabled", "0"],
    ["ChangeTrackingEnabled", "0"],
    ["CanChangeTrackingBeEnabled", "1"],
    ["IsEnabledForExternalChannels", "0"],
  ];
  for (const [name, value] of settings) el(info, name, value);
  if (table.keys && table.keys.length > 0) {
    const keys = el(info, "EntityKeys");
    for (const k of table.keys) {
      const key = el(keys, "EntityKey");
      el(key, "Name", k.schemaName);
      el(key, "LogicalName", logicalNameOf(k.schemaName));
      el(key, "IntroducedVersion", ctx.version);
      el(key, "IsCustomizable", "1");
      labels(key, "displaynames", "displayname", k.displayName, ctx.lang);
      const keyAttrs = el(key, "EntityKeyAttributes");
      for (const col of k.columns) el(keyAttrs, "AttributeName", col);
    }
  }
  const mainForms = el(el(e, "FormXml"), "forms", undefined, { type: "main" });
  for (const f of table.forms) form(mainForms, table, f, ctx);
  const queries = el(el(e, "SavedQueries"), "savedqueries");
  for (const v of table.views) savedQuery(queries, table, v, ctx);
  emptyRibbon(e);
}

// ---------------------------------------------------------------------------------------------
// Relationships

export interface RelationshipInfo {
  name: string;
  referencing: string;
  referenced: string;
  attribute: string;
  custom: boolean;
}

function schemaNameOfTable(s: SolutionSource, logical: string): string {
  return s.tables.find((t) => logicalNameOf(t.schemaName) === logical)?.schemaName ?? SYSTEM_TABLES[logical]?.schemaName ?? logical;
}

/** Every relationship of the solution's tables: the system ones Dataverse creates, and one per lookup column. */
export function relationshipsOf(s: SolutionSource): RelationshipInfo[] {
  const out: RelationshipInfo[] = [];
  for (const t of s.tables) {
    const l = logicalNameOf(t.schemaName);
    out.push(
      { name: `business_unit_${l}`, referencing: t.schemaName, referenced: "BusinessUnit", attribute: "OwningBusinessUnit", custom: false },
      { name: `lk_${l}_createdby`, referencing: t.schemaName, referenced: "SystemUser", attribute: "CreatedBy", custom: false },
      { name: `lk_${l}_createdonbehalfby`, referencing: t.schemaName, referenced: "SystemUser", attribute: "CreatedOnBehalfBy", custom: false },
      { name: `lk_${l}_modifiedby`, referencing: t.schemaName, referenced: "SystemUser", attribute: "ModifiedBy", custom: false },
      { name: `lk_${l}_modifiedonbehalfby`, referencing: t.schemaName, referenced: "SystemUser", attribute: "ModifiedOnBehalfBy", custom: false },
      { name: `owner_${l}`, referencing: t.schemaName, referenced: "Owner", attribute: "OwnerId", custom: false },
      { name: `team_${l}`, referencing: t.schemaName, referenced: "Team", attribute: "OwningTeam", custom: false },
      { name: `user_${l}`, referencing: t.schemaName, referenced: "SystemUser", attribute: "OwningUser", custom: false },
    );
    for (const c of t.columns) {
      if (c.type !== "lookup") continue;
      const referenced = schemaNameOfTable(s, c.target);
      const attr = c.schemaName.replace(/^vit_/, "");
      out.push({ name: `${t.schemaName}_${attr}_${referenced}`, referencing: t.schemaName, referenced, attribute: c.schemaName, custom: true });
    }
  }
  return sortedByName(out);
}

function relationship(parent: Node, r: RelationshipInfo, s: SolutionSource, ctx: Ctx): void {
  const e = el(parent, "EntityRelationship", undefined, { Name: r.name });
  el(e, "EntityRelationshipType", "OneToMany");
  el(e, "IsCustomizable", "1");
  el(e, "IntroducedVersion", ctx.version);
  el(e, "IsHierarchical", "0");
  el(e, "ReferencingEntityName", r.referencing);
  el(e, "ReferencedEntityName", r.referenced);
  el(e, "CascadeAssign", "NoCascade");
  el(e, "CascadeDelete", r.custom ? "RemoveLink" : "NoCascade");
  el(e, "CascadeReparent", "NoCascade");
  el(e, "CascadeShare", "NoCascade");
  el(e, "CascadeUnshare", "NoCascade");
  if (r.custom) {
    el(e, "CascadeRollupView", "NoCascade");
    el(e, "IsValidForAdvancedFind", "1");
  }
  el(e, "ReferencingAttributeName", r.attribute);
  const table = s.tables.find((t) => t.schemaName === r.referencing);
  const column = table?.columns.find((c) => c.schemaName === r.attribute);
  el(el(e, "RelationshipDescription"), "Descriptions").ele("Description", { description: column?.description ?? "", languagecode: ctx.lang });
  if (r.custom) {
    const roles = el(e, "EntityRelationshipRoles");
    const referenced = el(roles, "EntityRelationshipRole");
    el(referenced, "NavPaneDisplayOption", "UseCollectionName");
    el(referenced, "NavPaneArea", "Details");
    el(referenced, "NavPaneOrder", "10000");
    el(referenced, "NavigationPropertyName", r.attribute);
    el(referenced, "RelationshipRoleType", "1");
    const referencing = el(roles, "EntityRelationshipRole");
    el(referencing, "NavigationPropertyName", r.name);
    el(referencing, "RelationshipRoleType", "0");
  }
}

// ---------------------------------------------------------------------------------------------
// Roles, web resources, controls, app

export function roleId(name: string): string {
  return componentId("role", name);
}

export function privilegeName(s: SolutionSource, table: string, verb: PrivilegeVerb): string {
  const own = s.tables.find((t) => logicalNameOf(t.schemaName) === table);
  return `prv${PRIVILEGE_VERBS[verb]}${own ? own.schemaName : (SYSTEM_TABLES[table]?.privilegeName ?? table)}`;
}

/** Every privilege of a role as name → depth, sorted by name as exports write them. */
export function rolePrivileges(s: SolutionSource, roleName: string): [string, string][] {
  const role = s.roles.find((r) => r.name === roleName);
  const out = new Map<string, string>();
  for (const p of role?.tables ?? []) {
    for (const verb of Object.keys(PRIVILEGE_VERBS) as PrivilegeVerb[]) {
      const d = p[verb];
      if (d) out.set(privilegeName(s, p.table, verb), d);
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function fieldSecurityProfileId(name: string): string {
  return componentId("fieldsecurityprofile", name);
}

export const APP_SITEMAP_TYPE = 62;

function siteMap(parent: Node, s: SolutionSource, available: Set<string>, ctx: Ctx): void {
  const sm = el(el(parent, "AppModuleSiteMaps"), "AppModuleSiteMap");
  el(sm, "SiteMapUniqueName", s.app.uniqueName);
  const map = el(sm, "SiteMap", undefined, { IntroducedVersion: "7.0.0.0" });
  for (const area of s.app.siteMap.areas) {
    const a = el(map, "Area", undefined, { Id: area.id, ShowGroups: "true", IntroducedVersion: "7.0.0.0" });
    el(el(a, "Titles"), "Title", undefined, { LCID: ctx.lang, Title: area.title });
    for (const group of area.groups) {
      const subs = group.subAreas.filter((x) => x.webResource === undefined || available.has(x.webResource));
      if (subs.length === 0) continue;
      const g = el(a, "Group", undefined, { Id: group.id, IsProfile: "false", IntroducedVersion: "7.0.0.0" });
      el(el(g, "Titles"), "Title", undefined, { LCID: ctx.lang, Title: group.title });
      for (const sub of subs) {
        const x = el(g, "SubArea", undefined, {
          Id: sub.id,
          Entity: sub.table,
          Url: sub.webResource !== undefined ? `$webresource:${sub.webResource}` : undefined,
          Client: "All,Outlook,OutlookLaptopClient,OutlookWorkstationClient,Web",
          AvailableOffline: "false",
          PassParams: sub.webResource !== undefined ? "true" : "false",
          Sku: "All,OnPremise,Live,SPLA",
        });
        el(el(x, "Titles"), "Title", undefined, { LCID: ctx.lang, Title: sub.title });
      }
    }
  }
  labels(sm, "LocalizedNames", "LocalizedName", s.app.displayName, ctx.lang);
}

function appModule(parent: Node, s: SolutionSource, ctx: Ctx): void {
  const app = el(el(parent, "AppModules"), "AppModule");
  el(app, "UniqueName", s.app.uniqueName);
  el(app, "IntroducedVersion", ctx.version);
  el(app, "WebResourceId", DEFAULT_APP_ICON_ID);
  // The elements a current (9.2) export writes and the 9.0 schema predates: an active app (statecode 0,
  // statuscode 1), not optimised for a client, single-session navigation, the Unified Interface channel.
  el(app, "OptimizedFor", "");
  el(app, "statecode", "0");
  el(app, "statuscode", "1");
  el(app, "FormFactor", "1");
  el(app, "ClientType", "4");
  el(app, "NavigationType", "0");
  const comps = el(app, "AppModuleComponents");
  for (const t of s.app.tables) el(comps, "AppModuleComponent", undefined, { type: 1, schemaName: t });
  el(comps, "AppModuleComponent", undefined, { type: APP_SITEMAP_TYPE, schemaName: s.app.uniqueName });
  const maps = el(app, "AppModuleRoleMaps");
  for (const r of s.app.roles) el(maps, "Role", undefined, { id: braced(roleId(r)) });
  labels(app, "LocalizedNames", "LocalizedName", s.app.displayName, ctx.lang);
  labels(app, "Descriptions", "Description", s.app.description, ctx.lang);
  const channel = el(el(app, "appsettings"), "appsetting", undefined, { "settingdefinitionid.uniquename": "AppChannel" });
  el(channel, "iscustomizable", "1");
  el(channel, "value", "1");
}

/**
 * Builds customizations.xml. It is the same for the managed and the unmanaged package, as in real
 * exports, but for the record panel on the standard main forms, which only the managed one carries.
 */
export function buildCustomizationsXml(s: SolutionSource, builds: ResolvedBuilds, managed = false): string {
  const ctx: Ctx = { s, lang: String(s.manifest.languageCode), version: s.version };
  const root = document("ImportExportXml", { "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance" });

  const entities = el(root, "Entities");
  panelFormEntities(entities, s, builds, managed, ctx.lang);
  for (const t of [...s.tables].sort((a, b) => (a.schemaName < b.schemaName ? -1 : 1))) entity(entities, t, ctx);

  const roles = el(root, "Roles");
  for (const r of s.roles) {
    const role = el(roles, "Role", undefined, { id: braced(roleId(r.name)), name: r.name });
    el(role, "IsCustomizable", "1");
    el(role, "IntroducedVersion", ctx.version);
    const privs = el(role, "RolePrivileges");
    for (const [name, level] of rolePrivileges(s, r.name)) el(privs, "RolePrivilege", undefined, { name, level });
  }
  el(root, "Workflows");
  const profiles = el(root, "FieldSecurityProfiles");
  for (const p of s.fieldSecurityProfiles) {
    const node = el(profiles, "FieldSecurityProfile", undefined, { name: p.name, description: p.description, fieldsecurityprofileid: braced(fieldSecurityProfileId(p.name)) });
    const perms = el(node, "FieldPermissions");
    for (const x of p.permissions) {
      const perm = el(perms, "FieldPermission");
      el(perm, "EntityName", x.table);
      el(perm, "AttributeName", x.column);
      // 4 = allowed, 0 = not allowed
      el(perm, "CanRead", x.read ? 4 : 0);
      el(perm, "CanUpdate", x.update ? 4 : 0);
      el(perm, "CanCreate", x.create ? 4 : 0);
    }
  }
  el(root, "Templates");
  el(root, "EntityMaps");
  const rels = el(root, "EntityRelationships");
  for (const r of relationshipsOf(s)) relationship(rels, r, s, ctx);
  el(root, "OrganizationSettings");
  const optionsets = el(root, "optionsets");
  for (const c of s.choices) optionsetElement(optionsets, c.name, "picklist", c.displayName, c.description, ctx, (o) => options(o, c.options, ctx.lang), true);

  const web = el(root, "WebResources");
  for (const w of builds.webResources) {
    const node = el(web, "WebResource");
    el(node, "WebResourceId", braced(webResourceId(w.name)));
    el(node, "Name", w.name);
    el(node, "DisplayName", w.displayName);
    el(node, "Description", w.description);
    el(node, "WebResourceType", w.type);
    el(node, "IntroducedVersion", ctx.version);
    el(node, "IsEnabledForMobileClient", "0");
    el(node, "IsAvailableForMobileOffline", "0");
    el(node, "IsCustomizable", "0");
    el(node, "CanBeDeleted", "1");
    el(node, "IsHidden", "0");
    el(node, "FileName", `/${w.zipPath}`);
  }
  const controls = el(root, "CustomControls");
  for (const c of builds.controls) {
    const node = el(controls, "CustomControl");
    el(node, "Name", c.name);
    el(node, "FileName", `/Controls/${c.name}/ControlManifest.xml`);
  }
  siteMap(root, s, new Set(builds.webResources.map((w) => w.name)), ctx);
  appModule(root, s, ctx);
  el(root, "EntityDataProviders");
  el(el(root, "Languages"), "Language", ctx.lang);
  return serialize(root);
}
