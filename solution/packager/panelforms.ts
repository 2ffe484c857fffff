// The record panel on the standard main forms (account, contact, lead, opportunity), shipped as a
// managed form customisation, from solution/src/forms.json.
//
// For each form the managed package carries an <Entity> of the standard table with only its
// <FormXml>: the system form addressed by its id, holding one tab marked solutionaction="Added"
// with a section and the RecordVitals control (bound to a column of the table, one
// <customControl> per form factor in <controlDescriptions>, as the form designer writes a code
// component). On import Dataverse merges a managed form layer into the form: the elements marked
// Added are added and the rest of the form, and the admin's own changes, stay as they are
// (Microsoft Learn, Power Platform ALM: "Full and differential form XML"; "Embed a Power BI report
// in a model-driven system form" shows solutionaction="Added" on what a managed export adds).
// Form ids: solution/src/forms.json (Dynamics 365 Sales' own forms). solution.xml lists the table
// with behavior 2 (no subcomponents, no metadata of Microsoft's) and the form as type 60.
//
// Left out of the unmanaged package on purpose: an unmanaged import takes a form's XML as the whole
// form, so a tab alone would replace the account form. There the panel is placed by hand
// (docs/install.md).
// Microsoft's 9.0.0.2090 FormXml.xsd declares solutionaction on none of tab, section or cell,
// though managed exports write it there; the XSD test validates with that one attribute removed.
import type { ResolvedBuilds, ResolvedControl } from "./builds";
import { braced, componentId } from "./ids";
import { SYSTEM_TABLES } from "./source";
import type { RootComponent } from "./solutionxml";
import type { PanelFormSource, SolutionSource } from "./types";
import { el, type Node } from "./xml";

/** Class id of the single-line text control: the column's own control, listed first for a code component bound to text. */
const TEXT_CLASS_ID = "{4273EDBD-AC1D-40d3-9FB2-095C621B552D}";
/** Web, phone, tablet. */
const FORM_FACTORS = [0, 1, 2];
/** The control the forms place (the source check and the build resolution guarantee it is there). */
function placedControl(s: SolutionSource, builds: ResolvedBuilds): ResolvedControl {
  const control = builds.controls.find((c) => `${c.source.namespace}.${c.source.constructor}` === s.panelForms.control);
  if (!control) throw new Error(`forms.json places ${s.panelForms.control}, which is not among the built controls`);
  return control;
}

/** Root components the managed package adds: each table without subcomponents, and each form. */
export function panelFormRootComponents(s: SolutionSource, managed: boolean): RootComponent[] {
  if (!managed) return [];
  return s.panelForms.forms.flatMap((f): RootComponent[] => [
    { type: 1, schemaName: f.table, behavior: 2 },
    { type: 60, id: braced(f.formId) },
  ]);
}

/** Appends the <Entity> of each standard table with the form that gets the panel (managed package only). */
export function panelFormEntities(entities: Node, s: SolutionSource, builds: ResolvedBuilds, managed: boolean, lang: string): void {
  if (!managed) return;
  const control = placedControl(s, builds);
  for (const f of [...s.panelForms.forms].sort((a, b) => (a.table < b.table ? -1 : 1))) {
    const schemaName = SYSTEM_TABLES[f.table].schemaName;
    const e = el(entities, "Entity");
    el(e, "Name", schemaName, { LocalizedName: SYSTEM_TABLES[f.table].displayName, OriginalName: schemaName });
    const sf = el(el(el(e, "FormXml"), "forms", undefined, { type: "main" }), "systemform");
    el(sf, "formid", braced(f.formId));
    el(sf, "FormPresentation", "1");
    el(sf, "FormActivationState", "1");
    panelForm(el(sf, "form"), f, control.name, s.panelForms.tabLabel, lang);
    el(el(sf, "LocalizedNames"), "LocalizedName", undefined, { description: f.formName, languagecode: lang });
  }
}

function panelForm(form: Node, f: PanelFormSource, controlName: string, tabLabel: string, lang: string): void {
  const id = (part: string): string => braced(componentId(`panelform-${part}`, f.table));
  const tab = el(el(form, "tabs"), "tab", undefined, { name: "vit_vitals_tab", verticallayout: "true", id: id("tab"), IsUserDefined: "0", locklevel: "0", solutionaction: "Added" });
  el(el(tab, "labels"), "label", undefined, { description: tabLabel, languagecode: lang });
  const section = el(el(el(el(tab, "columns"), "column", undefined, { width: "100%" }), "sections"), "section", undefined, {
    name: "vit_vitals_section",
    showlabel: "false",
    showbar: "false",
    columns: "1",
    IsUserDefined: "0",
    id: id("section"),
  });
  el(el(section, "labels"), "label", undefined, { description: tabLabel, languagecode: lang });
  const cell = el(el(el(section, "rows"), "row"), "cell", undefined, { id: id("cell"), showlabel: "false", locklevel: "0", colspan: "1", rowspan: "1" });
  el(el(cell, "labels"), "label", undefined, { description: tabLabel, languagecode: lang });
  const uniqueId = id("control");
  el(cell, "control", undefined, { id: "vit_recordvitals", classid: TEXT_CLASS_ID, datafieldname: f.boundColumn, disabled: "false", uniqueid: uniqueId });
  const description = el(el(form, "controlDescriptions"), "controlDescription", undefined, { forControl: uniqueId });
  el(el(el(description, "customControl", undefined, { id: TEXT_CLASS_ID }), "parameters"), "datafieldname", f.boundColumn);
  for (const formFactor of FORM_FACTORS) {
    const custom = el(description, "customControl", undefined, { formFactor, name: controlName });
    el(el(custom, "parameters"), "boundColumn", f.boundColumn, { type: f.boundType });
  }
}
