import type { ResolvedBuilds } from "./builds";
import { fieldSecurityProfileId, roleId } from "./customizations";
import { braced } from "./ids";
import { panelFormRootComponents } from "./panelforms";
import { logicalNameOf } from "./source";
import type { SolutionSource } from "./types";
import { document, el, serialize, type Node } from "./xml";

/** Root component type codes (solutioncomponent.componenttype) and their names. */
export const COMPONENT_TYPES: Readonly<Record<number, string>> = {
  1: "table",
  2: "column",
  9: "choice",
  10: "relationship",
  14: "key",
  20: "security role",
  24: "form",
  26: "view",
  60: "form",
  61: "web resource",
  70: "column security profile",
  62: "site map",
  66: "code component",
  80: "model-driven app",
  380: "environment variable definition",
};

export interface RootComponent {
  type: number;
  schemaName?: string;
  id?: string;
  /** 0 (default): with its subcomponents; 2: without (a standard table whose form alone is in the solution). */
  behavior?: number;
}

/**
 * The solution's root components. Tables are included with behavior 0 ("include subcomponents"),
 * as Dataverse exports them, so their columns, keys, relationships, forms and views travel with them.
 * The managed package adds the standard tables whose main form gets the record panel (panelforms.ts).
 */
export function rootComponents(s: SolutionSource, builds: ResolvedBuilds, managed = false): RootComponent[] {
  const out: RootComponent[] = [
    ...s.tables.map((t) => ({ type: 1, schemaName: logicalNameOf(t.schemaName) })),
    ...s.choices.map((c) => ({ type: 9, schemaName: c.name })),
    ...s.roles.map((r) => ({ type: 20, id: braced(roleId(r.name)) })),
    ...builds.webResources.map((w) => ({ type: 61, schemaName: w.name })),
    ...s.fieldSecurityProfiles.map((p) => ({ type: 70, id: braced(fieldSecurityProfileId(p.name)) })),
    { type: 62, schemaName: s.app.uniqueName },
    ...builds.controls.map((c) => ({ type: 66, schemaName: c.name })),
    { type: 80, schemaName: s.app.uniqueName },
    ...s.environmentVariables.map((e) => ({ type: 380, schemaName: e.schemaName })),
    ...panelFormRootComponents(s, managed),
  ];
  return out.sort((a, b) => a.type - b.type || (a.schemaName ?? a.id ?? "").localeCompare(b.schemaName ?? b.id ?? ""));
}

function nilElement(parent: Node, name: string): void {
  el(parent, name, undefined, { "xsi:nil": "true" });
}

const ADDRESS_FIELDS = [
  "City",
  "County",
  "Country",
  "Fax",
  "FreightTermsCode",
  "ImportSequenceNumber",
  "Latitude",
  "Line1",
  "Line2",
  "Line3",
  "Longitude",
  "Name",
  "PostalCode",
  "PostOfficeBox",
  "PrimaryContactName",
  "ShippingMethodCode",
  "StateOrProvince",
  "Telephone1",
  "Telephone2",
  "Telephone3",
  "TimeZoneRuleVersionNumber",
  "UPSZone",
  "UTCOffset",
  "UTCConversionTimeZoneCode",
];

/**
 * solution.xml, with the root element, attributes, element order and publisher block of real
 * exports. `managed` sets <Managed>1</Managed>: that flag is what makes Dataverse import the
 * package as a managed solution.
 */
export function buildSolutionXml(s: SolutionSource, builds: ResolvedBuilds, managed: boolean): string {
  const lang = String(s.manifest.languageCode);
  const root = document("ImportExportXml", {
    version: "9.0.0.2090",
    SolutionPackageVersion: "9.0",
    languagecode: lang,
    generatedBy: "CrmLive",
    "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
  });
  const m = el(root, "SolutionManifest");
  el(m, "UniqueName", s.manifest.uniqueName);
  el(el(m, "LocalizedNames"), "LocalizedName", undefined, { description: s.manifest.displayName, languagecode: lang });
  el(el(m, "Descriptions"), "Description", undefined, { description: s.manifest.description, languagecode: lang });
  el(m, "Version", s.version);
  el(m, "Managed", managed ? "1" : "0");
  const p = el(m, "Publisher");
  const pub = s.manifest.publisher;
  el(p, "UniqueName", pub.uniqueName);
  el(el(p, "LocalizedNames"), "LocalizedName", undefined, { description: pub.displayName, languagecode: lang });
  el(el(p, "Descriptions"), "Description", undefined, { description: pub.description, languagecode: lang });
  nilElement(p, "EMailAddress");
  nilElement(p, "SupportingWebsiteUrl");
  el(p, "CustomizationPrefix", pub.customizationPrefix);
  el(p, "CustomizationOptionValuePrefix", pub.optionValuePrefix);
  const addresses = el(p, "Addresses");
  for (const n of [1, 2]) {
    const a = el(addresses, "Address");
    el(a, "AddressNumber", n);
    nilElement(a, "AddressTypeCode");
    for (const f of ADDRESS_FIELDS) nilElement(a, f);
  }
  const rc = el(m, "RootComponents");
  for (const c of rootComponents(s, builds, managed)) {
    el(rc, "RootComponent", undefined, { type: c.type, schemaName: c.schemaName, id: c.id, behavior: c.behavior ?? 0 });
  }
  // Dependencies on components outside the solution (account, contact, lead, opportunity, users,
  // the default app icon) are checked by Dataverse itself on import; like an export from an
  // organisation that has them all, this lists none.
  el(m, "MissingDependencies");
  return serialize(root);
}
