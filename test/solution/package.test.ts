import { readFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { buildPackages, inspectSolutionZip, type BuiltPackage } from "../../solution/packager";
import { BuildOutputError } from "../../solution/packager/builds";
import { webResourceZipPath } from "../../solution/packager/ids";
import { readZip, writeZip } from "../../solution/packager/zip";
import { CONTROL_MANIFEST, makeBuildDir, type FixtureBuild } from "./fixtures";
import { EXPORTS_DIR as EXAMPLES, XSD_DIR, schemaAdjustment, validateCustomizations, withoutFormSolutionActions, withoutNewerAppModuleElements } from "./xsd";

const text = (p: BuiltPackage, path: string): string => {
  const entry = p.entries.find((e) => e.path === path);
  if (!entry) throw new Error(`${path} not in ${p.fileName}`);
  return new TextDecoder().decode(entry.bytes);
};

let build: FixtureBuild;
let managed: BuiltPackage;
let unmanaged: BuiltPackage;

beforeAll(() => {
  build = makeBuildDir();
  [managed, unmanaged] = buildPackages(["managed", "unmanaged"], { buildDir: build.dir });
});
afterAll(() => build.cleanup());

describe("customizations.xml against Microsoft's 9.0.0.2090 schema", () => {
  it.each([["managed"], ["unmanaged"]])("the %s package validates", async (kind) => {
    const p = kind === "managed" ? managed : unmanaged;
    const xml = text(p, "customizations.xml");
    // The app module carries what a 9.2 export does (statecode, OptimizedFor, NavigationType, appsettings) …
    expect(xml).toMatch(/<AppModule>[\s\S]*<OptimizedFor\s*\/>[\s\S]*<statecode>0<\/statecode>\s*<statuscode>1<\/statuscode>[\s\S]*<NavigationType>0<\/NavigationType>[\s\S]*<appsetting settingdefinitionid.uniquename="AppChannel">/);
    // … which the 9.0.0.2090 schema predates: validated as a real export is, without those elements
    // (and, in the managed package, without the solutionaction the schema doesn't declare on tabs).
    const result = await validateCustomizations(withoutFormSolutionActions(withoutNewerAppModuleElements(xml)));
    expect(result.errors.map((e) => e.rawMessage)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("a real export validates too, once the elements newer than the schema are removed", async () => {
    const real = readFileSync(join(EXAMPLES, "tactec-XML_1_1", "customizations.xml"), "utf8");
    const newer = /<(AutoNumberFormat|IsSearchable|IsFilterable|IsRetrievable|IsLocalizable|IsRetrieveAuditEnabled|IsRetrieveMultipleAuditEnabled|IsSolutionAware)>[^<]*<\/\1>\s*/g;
    const asIs = await validateCustomizations(real);
    expect(asIs.valid).toBe(false);
    const stripped = await validateCustomizations(real.replace(newer, "").replace(/ headerdensity="[^"]*"/g, ""));
    expect(stripped.errors.map((e) => e.rawMessage)).toEqual([]);
  });

  it("the validator rejects what the schema does not allow (it is not vacuous)", async () => {
    const xml = withoutFormSolutionActions(withoutNewerAppModuleElements(text(managed, "customizations.xml")));
    const withNewer = xml.replace("<IsDataSourceSecret>0</IsDataSourceSecret>", "<IsDataSourceSecret>0</IsDataSourceSecret><IsSearchable>1</IsSearchable>");
    const bad = await validateCustomizations(withNewer);
    expect(bad.valid).toBe(false);
    expect(bad.errors[0].message).toMatch(/IsSearchable/);
    const badLevel = await validateCustomizations(xml.replace('level="Global"', 'level="Everyone"'));
    expect(badLevel.valid).toBe(false);
  });

  it("the in-memory schema adjustment is still needed, and touches only <control><parameters>", async () => {
    await expect(validateCustomizations(text(managed, "customizations.xml"), false)).rejects.toThrow(/content model is not determinist/);
    const formXml = readFileSync(join(XSD_DIR, "FormXml.xsd"), "utf8");
    const { adjusted, removed } = schemaAdjustment(formXml);
    expect(removed.startsWith('<xs:element name="parameters"')).toBe(true);
    expect(adjusted.length).toBeLessThan(formXml.length);
    // the generated forms never use the relaxed element (the panel's <customControl><parameters> is another, declared as any content)
    expect(text(managed, "customizations.xml")).toContain("<customControl");
    expect(text(managed, "customizations.xml")).not.toMatch(/<control [^>]*[^/]>\s*<parameters/);
  });
});

describe("solution.xml has the structure of real exports", () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", preserveOrder: true });
  type Ordered = Record<string, unknown>[];
  const tagOf = (n: Record<string, unknown>): string => Object.keys(n).find((k) => k !== ":@") ?? "";
  const children = (nodes: Ordered, path: string[]): Ordered => {
    let current = nodes;
    for (const name of path) {
      const node = current.find((n) => tagOf(n) === name);
      if (!node) throw new Error(`no <${name}> under ${path.join("/")}`);
      current = node[name] as Ordered;
    }
    return current;
  };
  const elementOrder = (nodes: Ordered, path: string[]): string[] => children(nodes, path).map(tagOf).filter((t) => t && t !== "#text");
  const rootAttributes = (nodes: Ordered): string[] => Object.keys((nodes.find((n) => tagOf(n) === "ImportExportXml")?.[":@"] ?? {})).sort();
  const real = [
    readFileSync(join(EXAMPLES, "tactec-XML_1_1", "solution.xml"), "utf8"),
    readFileSync(join(EXAMPLES, "devkeydet-codefirstsolution", "Solution.xml"), "utf8").replace(/^\uFEFF/, ""),
  ].map((x) => parser.parse(x) as Ordered);

  it("same root element and root attributes", () => {
    const ours = parser.parse(text(managed, "solution.xml")) as Ordered;
    for (const r of real) expect(rootAttributes(ours)).toEqual(rootAttributes(r));
  });

  it("same element order in the manifest, the publisher and its addresses", () => {
    const ours = parser.parse(text(managed, "solution.xml")) as Ordered;
    for (const r of real) {
      expect(elementOrder(ours, ["ImportExportXml", "SolutionManifest"])).toEqual(elementOrder(r, ["ImportExportXml", "SolutionManifest"]));
      expect(elementOrder(ours, ["ImportExportXml", "SolutionManifest", "Publisher"])).toEqual(elementOrder(r, ["ImportExportXml", "SolutionManifest", "Publisher"]));
      expect(elementOrder(ours, ["ImportExportXml", "SolutionManifest", "Publisher", "Addresses", "Address"])).toEqual(
        elementOrder(r, ["ImportExportXml", "SolutionManifest", "Publisher", "Addresses", "Address"]),
      );
    }
  });

  it("RootComponent elements use only the attributes real exports use", () => {
    const attrsOf = (nodes: Ordered): Set<string> =>
      new Set(children(nodes, ["ImportExportXml", "SolutionManifest", "RootComponents"]).flatMap((n) => Object.keys((n[":@"] ?? {}))));
    const allowed = new Set(real.flatMap((r) => [...attrsOf(r)]));
    const ours = attrsOf(parser.parse(text(managed, "solution.xml")) as Ordered);
    expect([...ours].filter((a) => !allowed.has(a))).toEqual([]);
    expect(ours.has("@behavior")).toBe(true);
  });

  it("publisher, name and version come from the source and package.json", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    const info = inspectSolutionZip(managed.bytes);
    expect(info.uniqueName).toBe("CrmVitals");
    expect(info.version).toBe(`${pkg.version}.0`);
    expect(info.publisher).toEqual({ uniqueName: "crmvitals", displayName: "CRM Vitals", prefix: "vit", optionValuePrefix: "10542" });
    expect(managed.fileName).toBe(`CrmVitals_${pkg.version.replace(/\./g, "_")}_0_managed.zip`);
    expect(unmanaged.fileName).toBe(`CrmVitals_${pkg.version.replace(/\./g, "_")}_0_unmanaged.zip`);
  });
});

describe("managed and unmanaged", () => {
  it("differ as real exports do: the <Managed> flag of solution.xml and the managed form layer of the panel, nothing else", () => {
    expect(text(managed, "solution.xml")).toContain("<Managed>1</Managed>");
    expect(text(unmanaged, "solution.xml")).toContain("<Managed>0</Managed>");
    const withoutPanelForms = (xml: string): string =>
      xml.replace(/\s*<RootComponent type="1" schemaName="(?:account|contact|lead|opportunity)" behavior="2"\/>|\s*<RootComponent type="60" id="\{[0-9a-f-]+\}" behavior="0"\/>/g, "");
    expect(withoutPanelForms(text(managed, "solution.xml")).replace("<Managed>1</Managed>", "<Managed>0</Managed>")).toBe(text(unmanaged, "solution.xml"));
    const standardEntities = /\s*<Entity>\s*<Name LocalizedName="(?:Account|Contact|Lead|Opportunity)"[\s\S]*?<\/Entity>/g;
    expect(text(managed, "customizations.xml").replace(standardEntities, "")).toBe(text(unmanaged, "customizations.xml"));
    expect(text(unmanaged, "customizations.xml")).not.toMatch(standardEntities);
    expect(managed.entries.map((e) => e.path)).toEqual(unmanaged.entries.map((e) => e.path));
    for (const e of managed.entries.filter((x) => x.path !== "solution.xml" && x.path !== "customizations.xml")) {
      expect(Buffer.from(unmanaged.entries.find((u) => u.path === e.path)!.bytes).equals(Buffer.from(e.bytes))).toBe(true);
    }
    expect(inspectSolutionZip(managed.bytes).managed).toBe(true);
    expect(inspectSolutionZip(unmanaged.bytes).managed).toBe(false);
  });
});

describe("what the zip holds", () => {
  it("every root component, each defined in the package", () => {
    const info = inspectSolutionZip(managed.bytes);
    expect(info.problems).toEqual([]);
    const byType = (type: number): string[] => info.rootComponents.filter((c) => c.type === type).map((c) => c.name).sort();
    expect(byType(1)).toEqual(["account", "contact", "lead", "opportunity", "vit_activitygap", "vit_auditrun", "vit_auditschedule", "vit_fixentry", "vit_fixrun", "vit_readinessassessment", "vit_recordhealth", "vit_waiver"]);
    expect(byType(9)).toEqual(["vit_grade"]);
    expect(byType(20)).toEqual(["Vitals Administrator", "Vitals Governance Owner", "Vitals User"]);
    expect(byType(61)).toEqual([
      "vit_/governance/governance.css",
      "vit_/governance/governance.js",
      "vit_/governance/icons/audit.svg",
      "vit_/governance/index.html",
      "vit_/scripts/recordvitals.form.js",
      "vit_/scripts/vitals.libs.js",
    ]);
    expect(byType(62)).toEqual(["vit_CrmVitals"]);
    expect(byType(70)).toEqual(["Vitals Waiver Approvers", "Vitals Waiver Readers"]);
    expect(byType(66)).toEqual(["vit_CrmVitals.RecordVitals"]);
    expect(byType(80)).toEqual(["vit_CrmVitals"]);
    expect(byType(60)).toEqual(["{1fed44d1-ae68-4a41-bd2b-f13acac4acfa}", "{8448b78f-8f42-454e-8e2a-f8196b0419af}", "{a837e4a7-01b8-4f82-a475-be9abd67e667}", "{e3b6ddb7-8df0-4410-ac7b-fd32e5053d38}"]);
    expect(byType(380)).toEqual(["vit_AuditCadenceDays", "vit_DigestRecipients", "vit_FixApproverMustDiffer", "vit_GraphIntegrationEnabled", "vit_RulePack", "vit_WaiverRequiresSeparateApprover"]);
    expect(info.subcomponents.keys).toBe(5);
    expect(info.subcomponents.forms).toBe(8 + 4);
  });

  it("every file customizations.xml refers to is in the zip, under a forward-slash name, with a content type", () => {
    const stored = readZip(managed.bytes);
    const names = stored.map((e) => e.path);
    expect(names.slice(0, 3)).toEqual(["[Content_Types].xml", "solution.xml", "customizations.xml"]);
    for (const n of names) {
      expect(n).not.toMatch(/\\|^\//);
    }
    const xml = text(managed, "customizations.xml");
    const refs = [...xml.matchAll(/<FileName>\/([^<]+)<\/FileName>/g)].map((m) => m[1]);
    expect(refs.length).toBe(7); // six before, and the engine-libraries web resource vit_/scripts/vitals.libs.js
    for (const r of refs) expect(names).toContain(r);
    const types = text(managed, "[Content_Types].xml");
    for (const n of names) {
      const base = n.slice(n.lastIndexOf("/") + 1);
      const covered = base.includes(".")
        ? types.includes(`<Default Extension="${base.slice(base.lastIndexOf(".") + 1)}" ContentType="application/octet-stream"/>`)
        : types.includes(`<Override PartName="/${n}" ContentType="application/octet-stream"/>`);
      expect([n, covered]).toEqual([n, true]);
    }
    // web resources are stored under export-style names: the name's letters, digits and "_", then the id
    expect(names).toContain(webResourceZipPath("vit_/scripts/recordvitals.form.js"));
    expect(webResourceZipPath("vit_/scripts/recordvitals.form.js")).toMatch(/^WebResources\/vit_scriptsrecordvitalsformjs[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });

  it("the control bundle, its manifest, resources and the web resources are byte-equal to their build outputs", () => {
    const stored = new Map(readZip(managed.bytes).map((e) => [e.path, Buffer.from(e.bytes)]));
    const pairs: [string, string][] = [
      ["Controls/vit_CrmVitals.RecordVitals/bundle.js", "controls/RecordVitals/bundle.js"],
      ["Controls/vit_CrmVitals.RecordVitals/ControlManifest.xml", "controls/RecordVitals/ControlManifest.xml"],
      ["Controls/vit_CrmVitals.RecordVitals/css/RecordVitals.css", "controls/RecordVitals/css/RecordVitals.css"],
      ["Controls/vit_CrmVitals.RecordVitals/strings/RecordVitals.1033.resx", "controls/RecordVitals/strings/RecordVitals.1033.resx"],
      ["Controls/vit_CrmVitals.RecordVitals/strings/RecordVitals.1031.resx", "controls/RecordVitals/strings/RecordVitals.1031.resx"],
      [webResourceZipPath("vit_/scripts/recordvitals.form.js"), "webresources/vit_/scripts/recordvitals.form.js"],
      [webResourceZipPath("vit_/scripts/vitals.libs.js"), "webresources/vit_/scripts/vitals.libs.js"],
      [webResourceZipPath("vit_/governance/index.html"), "webresources/vit_/governance/index.html"],
      [webResourceZipPath("vit_/governance/governance.js"), "webresources/vit_/governance/governance.js"],
      [webResourceZipPath("vit_/governance/governance.css"), "webresources/vit_/governance/governance.css"],
      [webResourceZipPath("vit_/governance/icons/audit.svg"), "webresources/vit_/governance/icons/audit.svg"],
    ];
    for (const [inZip, built] of pairs) {
      expect(stored.get(inZip)?.equals(readFileSync(join(build.dir, ...built.split("/"))))).toBe(true);
    }
  });

  it("the control folder holds exactly the manifest and the resources it lists", () => {
    const control = readZip(managed.bytes)
      .map((e) => e.path)
      .filter((p) => p.startsWith("Controls/"));
    expect(control).toEqual([
      "Controls/vit_CrmVitals.RecordVitals/ControlManifest.xml",
      "Controls/vit_CrmVitals.RecordVitals/bundle.js",
      "Controls/vit_CrmVitals.RecordVitals/css/RecordVitals.css",
      "Controls/vit_CrmVitals.RecordVitals/strings/RecordVitals.1031.resx",
      "Controls/vit_CrmVitals.RecordVitals/strings/RecordVitals.1033.resx",
    ]);
  });

  it("environment variable definitions have their types and defaults", () => {
    const env = (name: string): string => text(managed, `environmentvariabledefinitions/${name}/environmentvariabledefinition.xml`);
    expect(env("vit_RulePack")).toContain("<type>100000003</type>");
    expect(env("vit_RulePack")).not.toContain("<defaultvalue>");
    expect(env("vit_AuditCadenceDays")).toMatch(/<defaultvalue>30<\/defaultvalue>[\s\S]*<type>100000001<\/type>/);
    expect(env("vit_GraphIntegrationEnabled")).toMatch(/<defaultvalue>no<\/defaultvalue>[\s\S]*<type>100000002<\/type>/);
    expect(env("vit_DigestRecipients")).toContain("<type>100000000</type>");
  });

  it("the views users and governance owners rely on", () => {
    const xml = text(managed, "customizations.xml");
    const view = (name: string): string => {
      const at = xml.indexOf(`<LocalizedName description="${name}"`);
      expect(at).toBeGreaterThan(0);
      return xml.slice(xml.lastIndexOf("<savedquery>", at), at);
    };
    const attention = view("My records that need attention");
    expect(attention).toContain('<entity name="vit_recordhealth">');
    expect(attention).toContain('<condition attribute="ownerid" operator="eq-userid"/>');
    expect(attention).toContain('<condition attribute="vit_findingcount" operator="gt" value="0"/>');
    expect(attention).toContain('<order attribute="vit_score" descending="false"/>');
    expect(attention).toContain("<querytype>0</querytype>");
    const active = view("Active Audit Runs");
    expect(active).toContain('<condition attribute="vit_status" operator="eq" value="105420000"/>');
    expect(xml).toMatch(/<EntityKey>\s*<Name>vit_TableRecordKey<\/Name>[\s\S]*?<AttributeName>vit_table<\/AttributeName>\s*<AttributeName>vit_recordid<\/AttributeName>/);
  });

  it("the app opens the Governance Center and every table from its site map", () => {
    const xml = text(managed, "customizations.xml");
    expect(xml).toContain('Url="$webresource:vit_/governance/index.html"');
    for (const t of ["vit_auditrun", "vit_recordhealth", "vit_waiver", "vit_readinessassessment", "vit_activitygap", "vit_auditschedule"]) expect(xml).toContain(`Entity="${t}"`);
    expect(xml).toMatch(/<AppModule>\s*<UniqueName>vit_CrmVitals<\/UniqueName>/);
  });
});

describe("inspect finds what would make an import fail", () => {
  it("a missing file, a root component without a definition, a file without a content type", () => {
    const entries = managed.entries
      .filter((e) => e.path !== webResourceZipPath("vit_/scripts/recordvitals.form.js"))
      .filter((e) => !e.path.startsWith("environmentvariabledefinitions/vit_RulePack/"))
      .concat([{ path: "notes.txt", bytes: new TextEncoder().encode("x") }]);
    const info = inspectSolutionZip(writeZip(entries));
    expect(info.problems).toEqual(
      expect.arrayContaining([
        `customizations.xml refers to /${webResourceZipPath("vit_/scripts/recordvitals.form.js")}, which is not in the zip`,
        'root component environment variable definition "vit_RulePack" is listed in solution.xml but not defined in the package',
        "[Content_Types].xml has no content type for notes.txt",
      ]),
    );
    expect(info.problems).toHaveLength(3);
  });

  it("a zip without solution.xml is not a solution", () => {
    expect(() => inspectSolutionZip(writeZip([{ path: "readme.txt", bytes: new Uint8Array([1]) }]))).toThrow(/no solution\.xml/);
  });
});

describe("security roles grant least privilege", () => {
  const privileges = (role: string): Map<string, string> => {
    const xml = text(managed, "customizations.xml");
    const start = xml.indexOf(`name="${role}"`);
    const block = xml.slice(start, xml.indexOf("</Role>", start));
    return new Map([...block.matchAll(/<RolePrivilege name="([^"]+)" level="([^"]+)"\/>/g)].map((m) => [m[1], m[2]]));
  };

  it("no role can create, change or delete the customer's own records", () => {
    for (const role of ["Vitals User", "Vitals Governance Owner", "Vitals Administrator"]) {
      const names = [...privileges(role).keys()];
      expect(names.length).toBeGreaterThan(0);
      for (const table of ["Account", "Contact", "Lead", "Opportunity", "Activity", "User"]) {
        for (const verb of ["Create", "Write", "Delete", "Assign", "Share", "Append"]) {
          // Activity capture logs missing email and appointment activities (new rows, never changes to existing ones).
          if (table === "Activity" && (verb === "Create" || verb === "Append") && role !== "Vitals User") continue;
          expect(names).not.toContain(`prv${verb}${table}`);
        }
      }
    }
    expect(privileges("Vitals Governance Owner").get("prvCreateActivity")).toBe("Global");
    expect(privileges("Vitals User").has("prvCreateActivity")).toBe(false);
  });

  it("Vitals User sees and changes only their own Vitals records", () => {
    const user = privileges("Vitals User");
    for (const [name, level] of user) {
      if (name.includes("vit_")) expect(level).toBe("Basic");
    }
    expect(user.get("prvReadvit_RecordHealth")).toBe("Basic");
    expect(user.has("prvWritevit_RecordHealth")).toBe(false);
    expect(user.has("prvReadvit_AuditRun")).toBe(false);
    expect(user.get("prvCreatevit_Waiver")).toBe("Basic");
  });

  it("record owners cannot approve their own waivers: the decision columns are secured", () => {
    const xml = text(managed, "customizations.xml");
    for (const col of ["vit_WaiverStatus", "vit_ApprovedBy", "vit_ApprovedOn", "vit_ExpiresOn"]) {
      const at = xml.indexOf(`<attribute PhysicalName="${col}">`, xml.indexOf("<Name LocalizedName=\"Waiver\""));
      expect(xml.slice(at, xml.indexOf("</attribute>", at))).toContain("<IsSecured>1</IsSecured>");
    }
    const readers = xml.slice(xml.indexOf('name="Vitals Waiver Readers"'), xml.indexOf("</FieldSecurityProfile>", xml.indexOf('name="Vitals Waiver Readers"')));
    expect(readers.match(/<CanRead>4<\/CanRead>/g)).toHaveLength(4);
    expect(readers).not.toMatch(/<Can(Update|Create)>4</);
  });

  it("only the administrator deletes audit history", () => {
    expect(privileges("Vitals Governance Owner").has("prvDeletevit_AuditRun")).toBe(false);
    expect(privileges("Vitals Administrator").get("prvDeletevit_AuditRun")).toBe("Global");
  });
});

describe("same source, same bytes", () => {
  it("building twice, and from a copy of the builds elsewhere, gives identical zips", () => {
    const again = buildPackages(["managed", "unmanaged"], { buildDir: build.dir });
    expect(Buffer.from(again[0].bytes).equals(Buffer.from(managed.bytes))).toBe(true);
    expect(Buffer.from(again[1].bytes).equals(Buffer.from(unmanaged.bytes))).toBe(true);
    const copy = makeBuildDir();
    try {
      expect(Buffer.from(buildPackages(["managed"], { buildDir: copy.dir })[0].bytes).equals(Buffer.from(managed.bytes))).toBe(true);
    } finally {
      copy.cleanup();
    }
  });

  it("a changed build output changes the zip", () => {
    const other = makeBuildDir();
    try {
      other.write("controls/RecordVitals/bundle.js", "changed");
      expect(Buffer.from(buildPackages(["managed"], { buildDir: other.dir })[0].bytes).equals(Buffer.from(managed.bytes))).toBe(false);
    } finally {
      other.cleanup();
    }
  });
});

describe("missing or unusable build outputs", () => {
  let b: FixtureBuild;
  beforeEach(() => {
    b = makeBuildDir();
  });
  afterEach(() => b.cleanup());

  it("a missing control bundle fails, naming the file and the command that builds it", () => {
    b.remove("controls/RecordVitals/bundle.js");
    expect(() => buildPackages(["managed"], { buildDir: b.dir })).toThrow(BuildOutputError);
    expect(() => buildPackages(["managed"], { buildDir: b.dir })).toThrow(/controls\/RecordVitals\/bundle\.js .*does not exist: run `node controls\/pcf.cjs build`/);
  });

  it("a missing form script fails, naming the file and the command", () => {
    b.remove("webresources/vit_/scripts/recordvitals.form.js");
    expect(() => buildPackages(["managed"], { buildDir: b.dir })).toThrow(/webresources\/vit_\/scripts\/recordvitals\.form\.js \(web resource vit_\/scripts\/recordvitals\.form\.js\) does not exist: run `npm run build:webresources`/);
  });

  it("a manifest for another control is refused", () => {
    b.write("controls/RecordVitals/ControlManifest.xml", CONTROL_MANIFEST.replace('constructor="RecordVitals"', 'constructor="Other"'));
    expect(() => buildPackages(["managed"], { buildDir: b.dir })).toThrow(/declares CrmVitals\.Other, but controls\.json expects CrmVitals\.RecordVitals/);
  });

  it("a file type Dataverse cannot hold as a web resource is refused by name", () => {
    b.write("webresources/vit_/governance/governance.js.map", "{}");
    expect(() => buildPackages(["managed"], { buildDir: b.dir })).toThrow(/governance\.js\.map: a \.map file cannot be a Dataverse web resource/);
  });

  it("without the Governance Center build, it and its site map entry are left out, and the rest still validates", async () => {
    b.remove("webresources/vit_/governance");
    const [p] = buildPackages(["managed"], { buildDir: b.dir });
    expect(p.omitted).toHaveLength(1);
    expect(p.omitted[0].what).toMatch(/Governance Center/);
    const xml = text(p, "customizations.xml");
    expect(xml).not.toContain("vit_/governance/");
    expect(xml).toContain('Entity="vit_auditrun"');
    expect(inspectSolutionZip(p.bytes).problems).toEqual([]);
    expect((await validateCustomizations(withoutFormSolutionActions(withoutNewerAppModuleElements(xml)))).valid).toBe(true);
  });
});

describe("zip entries", () => {
  it("carry the fixed timestamp 2000-01-01 00:00:00, not the build time", () => {
    const bytes = Buffer.from(managed.bytes);
    let offset = 0;
    let count = 0;
    while (bytes.readUInt32LE(offset) === 0x04034b50) {
      expect(bytes.readUInt16LE(offset + 10)).toBe(0); // DOS time 00:00:00
      expect(bytes.readUInt16LE(offset + 12)).toBe(((2000 - 1980) << 9) | (1 << 5) | 1); // DOS date 2000-01-01
      const compressed = bytes.readUInt32LE(offset + 18);
      const nameLength = bytes.readUInt16LE(offset + 26);
      const extraLength = bytes.readUInt16LE(offset + 28);
      offset += 30 + nameLength + extraLength + compressed;
      count++;
    }
    expect(count).toBe(managed.entries.length);
  });
});
