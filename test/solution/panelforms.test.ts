/**
 * The record panel on the four standard main forms after import: the managed package carries a
 * form layer per form (solution/packager/panelforms.ts) that Dataverse merges into the form.
 */
import { XMLParser } from "fast-xml-parser";
import { inspectSolutionZip, type BuiltPackage } from "../../solution/packager";
import { tableDef } from "../../sandbox/emulator/schema";
import { packagesOnce } from "./fixtures";
import { validateCustomizations, withoutFormSolutionActions, withoutNewerAppModuleElements } from "./xsd";

type X = Record<string, unknown>;
const arr = (v: unknown): X[] => (v === undefined ? [] : Array.isArray(v) ? (v as X[]) : [v as X]);
const text = (p: BuiltPackage, path: string): string => new TextDecoder().decode(p.entries.find((e) => e.path === path)!.bytes);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false });

const packages = packagesOnce();

/** The <Entity> elements of standard tables, by logical name. */
function standardEntities(p: BuiltPackage): Map<string, X> {
  const doc = parser.parse(text(p, "customizations.xml")) as { ImportExportXml: { Entities: { Entity: X[] } } };
  const out = new Map<string, X>();
  for (const e of arr(doc.ImportExportXml.Entities.Entity)) {
    const name = String((e.Name as X)["#text"]).toLowerCase();
    if (!name.startsWith("vit_")) out.set(name, e);
  }
  return out;
}

describe("the record panel on the standard main forms", () => {
  const FORMS: Record<string, string> = {
    account: "8448b78f-8f42-454e-8e2a-f8196b0419af",
    contact: "1fed44d1-ae68-4a41-bd2b-f13acac4acfa",
    lead: "e3b6ddb7-8df0-4410-ac7b-fd32e5053d38",
    opportunity: "a837e4a7-01b8-4f82-a475-be9abd67e667",
  };

  it.each(Object.entries(FORMS))("the managed package adds a Vitals tab with the RecordVitals control to the %s main form", (table, formId) => {
    const entity = standardEntities(packages.managed).get(table);
    expect(entity).toBeDefined();
    expect(entity!.EntityInfo).toBeUndefined(); // none of Microsoft's table metadata travels with it
    const forms = arr((entity!.FormXml as X).forms);
    expect(forms.map((f) => f["@type"])).toEqual(["main"]);
    const sf = arr(forms[0].systemform);
    expect(sf).toHaveLength(1);
    expect(sf[0].formid).toBe(`{${formId}}`);
    const form = sf[0].form as X;
    const tabs = arr((form.tabs as X).tab);
    expect(tabs).toHaveLength(1);
    expect(tabs[0]["@solutionaction"]).toBe("Added");
    const section = arr(((arr((tabs[0].columns as X).column)[0].sections as X).section))[0];
    const cell = arr((arr((section.rows as X).row)[0]).cell)[0];
    const control = cell.control as X;
    const column = String(control["@datafieldname"]);
    // bound to a real column of the table (the emulator's schema carries Microsoft's metadata)
    expect(tableDef(table).byColumn.has(column)).toBe(true);
    const description = arr((form.controlDescriptions as X).controlDescription)[0];
    expect(description["@forControl"]).toBe(control["@uniqueid"]);
    const custom = arr(description.customControl).filter((c) => c["@name"] === "vit_CrmVitals.RecordVitals");
    expect(custom.map((c) => c["@formFactor"]).sort()).toEqual(["0", "1", "2"]);
    for (const c of custom) expect((c.parameters as X).boundColumn).toEqual({ "#text": column, "@type": "SingleLine.Text" });
  });

  it("solution.xml lists each table without subcomponents and each form, and the zip defines them", () => {
    const info = inspectSolutionZip(packages.managed.bytes);
    expect(info.problems).toEqual([]);
    expect(text(packages.managed, "solution.xml")).toMatch(/<RootComponent type="1" schemaName="account" behavior="2"\/>/);
    expect(info.rootComponents.filter((c) => c.type === 60).map((c) => c.id?.slice(1, -1)).sort()).toEqual(Object.values(FORMS).sort());
    // the control the forms name is the one the package ships
    expect(text(packages.managed, "customizations.xml")).toMatch(/<CustomControl>\s*<Name>vit_CrmVitals\.RecordVitals<\/Name>/);
  });

  it("the unmanaged package leaves the standard forms alone (an unmanaged form import replaces the whole form)", () => {
    expect(standardEntities(packages.unmanaged).size).toBe(0);
    expect(inspectSolutionZip(packages.unmanaged.bytes).rootComponents.some((c) => c.type === 60)).toBe(false);
  });

  it("validates against the 9.0.0.2090 schema but for solutionaction on the tab, which that schema doesn't declare", async () => {
    const xml = withoutNewerAppModuleElements(text(packages.managed, "customizations.xml"));
    const asIs = await validateCustomizations(xml);
    expect(asIs.valid).toBe(false);
    expect(asIs.errors.every((e) => /solutionaction/.test(e.message))).toBe(true);
    const stripped = await validateCustomizations(withoutFormSolutionActions(xml));
    expect(stripped.errors.map((e) => e.rawMessage)).toEqual([]);
  });
});
