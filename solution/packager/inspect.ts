import { XMLParser } from "fast-xml-parser";
import { COMPONENT_TYPES } from "./solutionxml";
import { extensionOf } from "./webresourcetypes";
import { readZip } from "./zip";

export interface InspectedComponent {
  type: number;
  typeName: string;
  /** Schema name, or for components known by id (roles) their name from customizations.xml. */
  name: string;
  id?: string;
}

export interface SolutionInspection {
  uniqueName: string;
  displayName: string;
  version: string;
  managed: boolean;
  publisher: { uniqueName: string; displayName: string; prefix: string; optionValuePrefix: string };
  rootComponents: InspectedComponent[];
  /** What the tables carry with them (behavior 0: subcomponents included). */
  subcomponents: { columns: number; keys: number; forms: number; views: number; relationships: number };
  /** Every file, with what it holds when that is not obvious from the path. */
  files: { path: string; bytes: number; holds?: string }[];
  /** Anything that would make Dataverse refuse the zip; empty when it is well-formed. */
  problems: string[];
}

/** The zip is not a solution package at all (not a zip, or no solution.xml). */
export class NotASolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotASolutionError";
  }
}

const ARRAYS = new Set([
  "RootComponent",
  "LocalizedName",
  "Entity",
  "attribute",
  "EntityKey",
  "systemform",
  "forms",
  "savedquery",
  "EntityRelationship",
  "Role",
  "FieldSecurityProfile",
  "FieldPermission",
  "WebResource",
  "CustomControl",
  "optionset",
  "AppModule",
  "AppModuleSiteMap",
  "Default",
  "Override",
]);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false, isArray: (name) => ARRAYS.has(name) });

type X = Record<string, unknown>;
const obj = (v: unknown): X => (v && typeof v === "object" ? (v as X) : {});
const arr = (v: unknown): X[] => (Array.isArray(v) ? (v as X[]) : []);
const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

function parse(bytes: Uint8Array | undefined, path: string, problems: string[]): X {
  if (!bytes) {
    problems.push(`${path} is missing`);
    return {};
  }
  try {
    return obj(parser.parse(new TextDecoder().decode(bytes), true));
  } catch (err) {
    problems.push(`${path} is not well-formed XML: ${(err as Error).message.split("\n")[0]}`);
    return {};
  }
}

/** Reads a solution zip and says what it holds, and what is wrong with it if anything. */
export function inspectSolutionZip(zipBytes: Uint8Array): SolutionInspection {
  let entries;
  try {
    entries = readZip(zipBytes);
  } catch (err) {
    throw new NotASolutionError(`not a zip file (${(err as Error).message})`);
  }
  const files = new Map(entries.map((e) => [e.path, e.bytes]));
  if (!files.has("solution.xml")) throw new NotASolutionError("no solution.xml at the root of the zip: not a Dataverse solution package");
  const problems: string[] = [];
  for (const path of files.keys()) {
    if (path.includes("\\")) problems.push(`entry "${path}" uses backslashes; Dataverse expects forward slashes`);
  }

  const manifest = obj(obj(parse(files.get("solution.xml"), "solution.xml", problems).ImportExportXml).SolutionManifest);
  const customizations = obj(parse(files.get("customizations.xml"), "customizations.xml", problems).ImportExportXml);
  const contentTypes = obj(parse(files.get("[Content_Types].xml"), "[Content_Types].xml", problems).Types);

  const publisher = obj(manifest.Publisher);
  const roleNames = new Map(arr(obj(customizations.Roles).Role).map((r) => [str(r["@id"]).toLowerCase(), str(r["@name"])]));
  const profileNames = new Map(
    arr(obj(customizations.FieldSecurityProfiles).FieldSecurityProfile).map((p) => [str(p["@fieldsecurityprofileid"]).toLowerCase(), str(p["@name"])]),
  );
  const namesById = new Map([...roleNames, ...profileNames]);
  const rootComponents: InspectedComponent[] = arr(obj(manifest.RootComponents).RootComponent).map((c) => {
    const type = Number(str(c["@type"]));
    const id = str(c["@id"]) || undefined;
    const name = str(c["@schemaName"]) || (id ? (namesById.get(id.toLowerCase()) ?? id) : "");
    return { type, typeName: COMPONENT_TYPES[type] ?? `component type ${type}`, name, ...(id ? { id } : {}) };
  });

  // every root component is defined in the package
  const entityNames = new Set(arr(obj(customizations.Entities).Entity).map((e) => str(obj(e.Name)["#text"] ?? e.Name).toLowerCase()));
  const webResources = arr(obj(customizations.WebResources).WebResource);
  const controls = arr(obj(customizations.CustomControls).CustomControl);
  const optionsets = new Set(arr(obj(customizations.optionsets).optionset).map((o) => str(o["@Name"])));
  const apps = new Set(arr(obj(customizations.AppModules).AppModule).map((a) => str(a.UniqueName)));
  const formIds = new Set(arr(obj(customizations.Entities).Entity).flatMap((e) => arr(obj(e.FormXml).forms).flatMap((f) => arr(f.systemform).map((x) => str(x.formid).toLowerCase()))));
  const siteMaps = new Set(arr(obj(customizations.AppModuleSiteMaps).AppModuleSiteMap).map((a) => str(a.SiteMapUniqueName)));
  const defined: Record<number, (c: InspectedComponent) => boolean> = {
    1: (c) => entityNames.has(c.name.toLowerCase()),
    9: (c) => optionsets.has(c.name),
    20: (c) => c.id !== undefined && roleNames.has(c.id.toLowerCase()),
    60: (c) => c.id !== undefined && formIds.has(c.id.toLowerCase()),
    61: (c) => webResources.some((w) => str(w.Name) === c.name),
    70: (c) => c.id !== undefined && profileNames.has(c.id.toLowerCase()),
    62: (c) => siteMaps.has(c.name),
    66: (c) => controls.some((w) => str(w.Name) === c.name),
    80: (c) => apps.has(c.name),
    380: (c) => files.has(`environmentvariabledefinitions/${c.name}/environmentvariabledefinition.xml`),
  };
  for (const c of rootComponents) {
    const check = defined[c.type];
    if (check && !check(c)) problems.push(`root component ${c.typeName} "${c.name}" is listed in solution.xml but not defined in the package`);
  }

  // every file customizations.xml points to is in the zip, and every control resource too
  const referenced = [...webResources.map((w) => str(w.FileName)), ...controls.map((c) => str(c.FileName))].filter(Boolean);
  for (const ref of referenced) {
    const path = ref.replace(/^\//, "");
    if (!files.has(path)) problems.push(`customizations.xml refers to ${ref}, which is not in the zip`);
  }

  // [Content_Types].xml covers every file
  const defaults = new Set(arr(contentTypes.Default).map((d) => str(d["@Extension"]).toLowerCase()));
  const overrides = new Set(arr(contentTypes.Override).map((o) => str(o["@PartName"]).replace(/^\//, "")));
  for (const path of files.keys()) {
    const ext = extensionOf(path);
    if (!(ext && defaults.has(ext)) && !overrides.has(path)) problems.push(`[Content_Types].xml has no content type for ${path}`);
  }

  const webResourceFiles = new Map(webResources.map((w) => [str(w.FileName).replace(/^\//, ""), str(w.Name)]));
  const holdsOf = (path: string): string | undefined => {
    const web = webResourceFiles.get(path);
    if (web) return `web resource ${web}`;
    const control = /^Controls\/([^/]+)\//.exec(path);
    if (control) return `code component ${control[1]}`;
    const env = /^environmentvariabledefinitions\/([^/]+)\//.exec(path);
    if (env) return `environment variable ${env[1]}`;
    return undefined;
  };

  const entities = arr(obj(customizations.Entities).Entity);
  const subcomponents = {
    columns: entities.reduce((n, e) => n + arr(obj(obj(obj(e.EntityInfo).entity).attributes).attribute).length, 0),
    keys: entities.reduce((n, e) => n + arr(obj(obj(obj(e.EntityInfo).entity).EntityKeys).EntityKey).length, 0),
    forms: entities.reduce((n, e) => n + arr(obj(e.FormXml).forms).reduce((m, f) => m + arr(f.systemform).length, 0), 0),
    views: entities.reduce((n, e) => n + arr(obj(obj(e.SavedQueries).savedqueries).savedquery).length, 0),
    relationships: arr(obj(customizations.EntityRelationships).EntityRelationship).length,
  };

  const localized = (node: unknown): string => str(arr(obj(obj(node).LocalizedNames).LocalizedName)[0]?.["@description"]);
  return {
    uniqueName: str(manifest.UniqueName),
    displayName: localized(manifest),
    version: str(manifest.Version),
    managed: str(manifest.Managed) === "1",
    publisher: {
      uniqueName: str(publisher.UniqueName),
      displayName: localized(publisher),
      prefix: str(publisher.CustomizationPrefix),
      optionValuePrefix: str(publisher.CustomizationOptionValuePrefix),
    },
    rootComponents,
    subcomponents,
    files: [...files.entries()].map(([path, bytes]) => {
      const holds = holdsOf(path);
      return { path, bytes: bytes.length, ...(holds ? { holds } : {}) };
    }),
    problems,
  };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const TYPE_PLURALS: Record<string, string> = {
  "security role": "security roles",
  "column security profile": "column security profiles",
  choice: "choices",
  table: "tables",
  "web resource": "web resources",
  "site map": "site maps",
  "code component": "code components",
  "model-driven app": "model-driven apps",
  "environment variable definition": "environment variable definitions",
};

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** The inspection in words, for admins. */
export function describeInspection(i: SolutionInspection): string {
  const lines: string[] = [];
  lines.push(`${i.displayName || i.uniqueName} (${i.uniqueName}) version ${i.version}: ${i.managed ? "managed" : "unmanaged"} solution`);
  lines.push(`Publisher: ${i.publisher.displayName} (${i.publisher.uniqueName}), prefix ${i.publisher.prefix}, option value prefix ${i.publisher.optionValuePrefix}`);
  lines.push(`Root components (${i.rootComponents.length}):`);
  const byType = new Map<number, InspectedComponent[]>();
  for (const c of i.rootComponents) byType.set(c.type, [...(byType.get(c.type) ?? []), c]);
  for (const [type, list] of [...byType.entries()].sort((a, b) => a[0] - b[0])) {
    const name = list[0].typeName;
    const label = list.length === 1 ? name : (TYPE_PLURALS[name] ?? `${name}s`);
    lines.push(`  ${list.length} ${label} (type ${type}): ${list.map((c) => c.name).join(", ")}`);
  }
  const s = i.subcomponents;
  lines.push(
    `Inside the tables: ${plural(s.columns, "column")}, ${plural(s.keys, "alternate key")}, ${plural(s.forms, "form")}, ${plural(s.views, "view")}, ${plural(s.relationships, "relationship")}`,
  );
  const total = i.files.reduce((n, f) => n + f.bytes, 0);
  lines.push(`Files (${i.files.length}, ${size(total)} uncompressed):`);
  const width = Math.max(...i.files.map((f) => f.path.length));
  for (const f of i.files) lines.push(`  ${f.path.padEnd(width)}  ${size(f.bytes).padStart(9)}${f.holds?.startsWith("web resource") ? `  ${f.holds}` : ""}`);
  if (i.problems.length === 0) lines.push("No problems found.");
  else {
    lines.push(`Problems (${i.problems.length}):`);
    for (const p of i.problems) lines.push(`  - ${p}`);
  }
  return `${lines.join("\n")}\n`;
}
