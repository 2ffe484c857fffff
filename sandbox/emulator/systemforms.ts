/**
 * The `systemform` table as the managed CRM Vitals solution leaves it after import: the main forms
 * of account, contact, lead and opportunity with the Vitals tab holding the RecordVitals control,
 * so "the panel is on the four main forms after import" can be checked over the Web API
 * (`GET systemforms?$filter=objecttypecode eq 'account' and type eq 2`).
 *
 * One source: the rows come from solution/src/forms.json rendered by the packager's own form layer
 * (solution/packager/panelforms.ts, the XML the managed package carries); nothing here writes form
 * XML. The formxml is that layer's `<form>` without the `solutionaction` marks: on import Dataverse
 * merges the elements marked Added into the form, and the merged form carries no layering marks.
 * Microsoft's own tabs of those forms are not in the emulator (it has no copy of Dynamics 365
 * Sales' form XML), so each form holds the Vitals tab only (sandbox/README.md, "Where the emulator
 * simplifies").
 *
 * Columns follow Microsoft's SystemForm table reference (powerapps-docs
 * developer/data-platform/reference/entities/systemform.md): formid, name, description,
 * objecttypecode, type (2 = Main), formxml, formactivationstate, formpresentation, isdefault,
 * ismanaged, iscustomizable (a BooleanManagedProperty), introducedversion, componentstate,
 * publishedon, solutionid. Read-only here: customising a form is refused with the documented error
 * body (403 without the privilege; with it 400 0x80040800, naming the operation); every user may read,
 * as Basic User does.
 * Failure modes: a forms.json or control the packager rejects throws at start, naming the problem.
 */
import { create } from "xmlbuilder2";
import { loadSolutionSource } from "../../solution/packager";
import { controlName, type ResolvedBuilds } from "../../solution/packager/builds";
import { componentId } from "../../solution/packager/ids";
import { panelFormEntities } from "../../solution/packager/panelforms";
import type { SolutionSource } from "../../solution/packager/types";
import { CODES, ODataError } from "./errors";
import type { ColumnDef, TableDef } from "./schema";
import { assertWrite, type Principal } from "./security";
import type { Row } from "./store";

const c = (name: string, type: ColumnDef["type"], label: string, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type, label, readOnly: true, ...extra });
const YES_NO = { 0: "No", 1: "Yes" };

/** Form types of the reference's Type choice. */
export const FORM_TYPES = {
  0: "Dashboard", 1: "AppointmentBook", 2: "Main", 3: "MiniCampaignBO", 4: "Preview", 5: "Mobile - Express", 6: "Quick View Form",
  7: "Quick Create", 8: "Dialog", 9: "Task Flow Form", 10: "InteractionCentricDashboard", 11: "Card", 12: "Main - Interactive experience",
  13: "Contextual Dashboard", 100: "Other", 101: "MainBackup", 102: "AppointmentBookBackup", 103: "Power BI Dashboard",
};

export const SYSTEMFORM_TABLE: TableDef = {
  logicalName: "systemform",
  schemaName: "SystemForm",
  entitySetName: "systemforms",
  displayName: "System Form",
  primaryId: "formid",
  primaryName: "name",
  ownership: "OrganizationOwned",
  objectTypeCode: 1030,
  alternateKeys: [],
  changeTracking: false,
  columns: [
    c("formid", "uniqueidentifier", "Form", { requiredLevel: "SystemRequired" }),
    c("name", "string", "Name", { maxLength: 100, requiredLevel: "SystemRequired" }),
    c("description", "memo", "Description", { maxLength: 2000 }),
    c("objecttypecode", "entityname", "Entity Name"),
    c("type", "picklist", "Form Type", { options: FORM_TYPES }),
    c("formxml", "memo", "Form XML", { maxLength: 1073741823, requiredLevel: "SystemRequired" }),
    c("formactivationstate", "picklist", "Form State", { options: { 0: "Inactive", 1: "Active" }, requiredLevel: "SystemRequired" }),
    c("formpresentation", "picklist", "AIR Refreshed", { options: { 0: "ClassicForm", 1: "AirForm", 2: "ConvertedICForm" }, requiredLevel: "SystemRequired" }),
    c("isdefault", "boolean", "Default Form", { options: YES_NO, requiredLevel: "SystemRequired" }),
    c("ismanaged", "boolean", "State", { options: { 0: "Unmanaged", 1: "Managed" }, requiredLevel: "SystemRequired" }),
    c("iscustomizable", "managedproperty", "Customizable", { requiredLevel: "SystemRequired" }),
    c("introducedversion", "string", "Introduced Version", { maxLength: 48 }),
    c("componentstate", "picklist", "Component State", { options: { 0: "Published", 1: "Unpublished", 2: "Deleted", 3: "Deleted Unpublished" }, requiredLevel: "SystemRequired" }),
    c("publishedon", "datetime", "Published On"),
    c("solutionid", "uniqueidentifier", "Solution", { requiredLevel: "SystemRequired" }),
    c("versionnumber", "bigint", "Version Number"),
  ],
};

/** The main forms the managed package customises, as the emulator holds them "after import". */
export function systemFormRows(source: SolutionSource = loadSolutionSource(), publishedOn = new Date()): Row[] {
  const prefix = source.manifest.publisher.customizationPrefix;
  const builds: ResolvedBuilds = {
    webResources: [],
    omitted: [],
    // Only the control's name matters to the form layer; the built files stay with the packager.
    controls: source.controls.map((control) => ({ source: control, name: controlName(control, prefix), version: source.version, files: [] })),
  };
  const lang = String(source.manifest.languageCode);
  const entities = create().ele("Entities");
  panelFormEntities(entities, source, builds, true, lang);
  const solutionId = componentId("solution", source.manifest.uniqueName);
  return entities.filter((n) => n.node.nodeName === "Entity").map((entity): Row => {
    const sf = entity.find((n) => n.node.nodeName === "systemform", false, true);
    const form = sf?.find((n) => n.node.nodeName === "form");
    const formId = sf?.find((n) => n.node.nodeName === "formid")?.node.textContent;
    const table = source.panelForms.forms.find((f) => `{${f.formId}}` === formId);
    if (!sf || !form || !formId || !table) throw new Error("systemforms: the packager's form layer has no <systemform> with a form of forms.json");
    form.each((n) => { if (n.node.nodeName !== "#text") n.removeAtt("solutionaction"); }, false, true);
    return {
      formid: table.formId,
      name: table.formName, // the form layer's LocalizedName
      description: null,
      objecttypecode: table.table,
      type: 2,
      formxml: form.toString(),
      formactivationstate: 1,
      formpresentation: 1,
      isdefault: true,
      ismanaged: true,
      iscustomizable: { Value: true, CanBeChanged: true, ManagedPropertyLogicalName: "iscustomizable" },
      introducedversion: "1.0",
      componentstate: 0,
      publishedon: publishedOn.toISOString().replace(/\.\d{3}Z$/, "Z"),
      solutionid: solutionId,
      versionnumber: 1,
    };
  });
}

/**
 * Forms are read-only in the emulator: a create, update or delete answers the documented error body
 * (after the privilege check, so a user without the privilege gets 403 as in Dataverse).
 */
export function assertFormOperation(method: string, p: Principal, t: TableDef): void {
  const message = method === "POST" ? "Create" : method === "PATCH" || method === "PUT" ? "Update" : method === "DELETE" ? "Delete" : null;
  if (!message) return;
  assertWrite(p, t, null, message === "Update" ? "Write" : message);
  throw new ODataError(400, CODES.notSupported, `The '${message}' method on 'systemform' is not supported by the emulator: its forms are the main forms as the CRM Vitals managed solution leaves them after import. Customise forms in a real organisation (docs/install.md).`);
}
