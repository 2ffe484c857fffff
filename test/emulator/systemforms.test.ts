/**
 * After the emulator starts (its stand-in for "after the managed solution is imported"), the main
 * forms of account, contact, lead and opportunity carry the Vitals tab with the RecordVitals control,
 * readable as Dataverse exposes them (SystemForm table reference: formid, name, objecttypecode,
 * type 2 = Main, formxml), and identical to the form layer the managed package ships.
 */
import { XMLParser } from "fast-xml-parser";
import type { BuiltPackage } from "../../solution/packager";
import forms from "../../solution/src/forms.json";
import type { EmulatorHandle } from "../../sandbox/emulator";
import { packagesOnce } from "../solution/fixtures";
import { api, start, tokenOf, type Api } from "../helpers/emulator";

type X = Record<string, unknown>;
type Err = { error: { code: string; message: string } };
const arr = (v: unknown): X[] => (v === undefined ? [] : Array.isArray(v) ? (v as X[]) : [v as X]);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false });

/** The <form> of `formId` in the managed package's customizations.xml, without its layering marks. */
function packagedForm(p: BuiltPackage, formId: string): X {
  const xml = new TextDecoder().decode(p.entries.find((e) => e.path === "customizations.xml")!.bytes).replace(/ solutionaction="Added"/g, "");
  const doc = parser.parse(xml) as { ImportExportXml: { Entities: { Entity: X[] } } };
  for (const e of arr(doc.ImportExportXml.Entities.Entity)) {
    for (const sf of arr(arr((e.FormXml as X | undefined)?.forms)[0]?.systemform)) if (sf.formid === `{${formId}}`) return sf.form as X;
  }
  throw new Error(`the managed package has no form ${formId}`);
}

describe("systemforms after import", () => {
  const packages = packagesOnce();
  let emu: EmulatorHandle;
  let admin: Api;
  beforeAll(async () => {
    emu = await start({ data: "empty", seed: 18 });
    admin = api(emu);
  });
  afterAll(() => emu.close());

  it.each(forms.forms.map((f) => [f.table, f] as const))("the %s main form holds the RecordVitals control bound as the package defines it", async (table, f) => {
    const res = await admin.get<{ value: X[] }>(`systemforms?$select=formid,name,objecttypecode,type,formxml,iscustomizable&$filter=objecttypecode eq '${table}' and type eq 2`);
    expect(res.status).toBe(200);
    expect(res.body.value).toHaveLength(1);
    const row = res.body.value[0];
    expect(row).toMatchObject({ formid: f.formId, name: f.formName, objecttypecode: table, type: 2, iscustomizable: { Value: true, CanBeChanged: true } });
    const formXml = String(row.formxml);
    expect(formXml).not.toMatch(/solutionaction/); // a merged form carries no layering marks
    const form = (parser.parse(formXml) as { form: X }).form;
    const tab = arr((form.tabs as X).tab)[0];
    expect((tab.labels as X).label).toMatchObject({ "@description": forms.tabLabel });
    const cell = arr((arr((arr((arr((tab.columns as X).column)[0].sections as X).section)[0].rows as X).row)[0]).cell)[0];
    expect((cell.control as X)["@datafieldname"]).toBe(f.boundColumn);
    const custom = arr(arr((form.controlDescriptions as X).controlDescription)[0].customControl).filter((c) => c["@name"] === "vit_CrmVitals.RecordVitals");
    expect(custom.map((c) => c["@formFactor"])).toEqual(["0", "1", "2"]);
    for (const c of custom) expect((c.parameters as X).boundColumn).toEqual({ "#text": f.boundColumn, "@type": f.boundType });
    expect(form).toEqual(packagedForm(packages.managed, f.formId));
  });

  it("lets every user read the forms, and refuses to customise them with the documented error bodies", async () => {
    const rep = api(emu, tokenOf(emu, "rep1"));
    const all = await rep.get<{ value: X[] }>("systemforms?$select=objecttypecode&$orderby=objecttypecode");
    expect(all.status).toBe(200);
    expect(all.body.value.map((r) => r.objecttypecode)).toEqual(["account", "contact", "lead", "opportunity"]);
    const id = forms.forms[0].formId;
    const one = await rep.get(`systemforms(${id})?$select=name,formactivationstate`, { Prefer: 'odata.include-annotations="*"' });
    expect(one.body).toMatchObject({ name: "Account", formactivationstate: 1, "formactivationstate@OData.Community.Display.V1.FormattedValue": "Active" });
    for (const attempt of [admin.patch<Err>(`systemforms(${id})`, { name: "Mine" }), admin.post<Err>("systemforms", { name: "New" }), admin.del<Err>(`systemforms(${id})`)]) {
      const refused = await attempt;
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe("0x80040800");
    }
    const noPrivilege = await rep.patch<Err>(`systemforms(${id})`, { name: "Mine" });
    expect(noPrivilege.status).toBe(403); // a salesperson has no prvWriteSystemForm
    expect(noPrivilege.body.error.message).toMatch(/prvWriteSystemForm/);
    expect((await admin.get(`systemforms(${id})?$select=name`)).body.name).toBe("Account");
    const md = await admin.get("EntityDefinitions(LogicalName='systemform')/Attributes(LogicalName='iscustomizable')?$select=LogicalName,AttributeType");
    expect(md.body).toMatchObject({ LogicalName: "iscustomizable", AttributeType: "ManagedProperty" });
  });
});
