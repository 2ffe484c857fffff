import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import Ajv, { type ErrorObject } from "ajv";
import {
  appSchema,
  choicesSchema,
  controlsSchema,
  environmentVariablesSchema,
  fieldSecuritySchema,
  panelFormsSchema,
  rolesSchema,
  solutionSchema,
  tableSchema,
  webResourcesSchema,
} from "./schema";
import type {
  AppSource,
  ColumnSource,
  ControlSource,
  EnvironmentVariableSource,
  FieldSecurityProfileSource,
  GlobalChoice,
  PanelFormsSource,
  RoleSource,
  SolutionManifestSource,
  SolutionSource,
  TableSource,
  WebResourceFolderSource,
  WebResourceSource,
} from "./types";
import { versionFromPackageJson } from "./version";
import { webResourceTypeOf } from "./webresourcetypes";

/** The source does not validate; `problems` names each file, place and what is wrong. */
export class SolutionSourceError extends Error {
  constructor(readonly problems: string[]) {
    super(`the solution source is not valid:\n  - ${problems.join("\n  - ")}`);
    this.name = "SolutionSourceError";
  }
}

/** Tables outside the solution that columns may look up and roles may grant privileges on. */
export const SYSTEM_TABLES: Readonly<Record<string, { schemaName: string; displayName: string; privilegeName: string }>> = {
  account: { schemaName: "Account", displayName: "Account", privilegeName: "Account" },
  contact: { schemaName: "Contact", displayName: "Contact", privilegeName: "Contact" },
  lead: { schemaName: "Lead", displayName: "Lead", privilegeName: "Lead" },
  opportunity: { schemaName: "Opportunity", displayName: "Opportunity", privilegeName: "Opportunity" },
  systemuser: { schemaName: "SystemUser", displayName: "User", privilegeName: "User" },
  activitypointer: { schemaName: "ActivityPointer", displayName: "Activity", privilegeName: "Activity" },
  mailbox: { schemaName: "Mailbox", displayName: "Mailbox", privilegeName: "Mailbox" },
  environmentvariabledefinition: { schemaName: "EnvironmentVariableDefinition", displayName: "Environment Variable Definition", privilegeName: "EnvironmentVariableDefinition" },
  environmentvariablevalue: { schemaName: "EnvironmentVariableValue", displayName: "Environment Variable Value", privilegeName: "EnvironmentVariableValue" },
};

/** Tables a lookup column may point to, besides the solution's own. */
const LOOKUP_TARGETS = ["account", "contact", "lead", "opportunity", "systemuser"];

/** Columns Dataverse gives every user-owned table; forms and views may use them. */
export const SYSTEM_COLUMNS = ["ownerid", "createdon", "createdby", "modifiedon", "modifiedby", "statecode", "statuscode", "owningbusinessunit"];

/** Default location of the source: solution/src next to this packager. */
export const DEFAULT_SOURCE_DIR = join(__dirname, "..", "src");
/** The repository root (package.json lives there). */
export const REPO_ROOT = join(__dirname, "..", "..");

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = {
  solution: ajv.compile<SolutionManifestSource>(solutionSchema),
  choices: ajv.compile<{ choices: GlobalChoice[] }>(choicesSchema),
  table: ajv.compile<TableSource>(tableSchema),
  roles: ajv.compile<{ roles: RoleSource[] }>(rolesSchema),
  fieldSecurity: ajv.compile<{ profiles: FieldSecurityProfileSource[] }>(fieldSecuritySchema),
  environmentVariables: ajv.compile<{ environmentVariables: EnvironmentVariableSource[] }>(environmentVariablesSchema),
  webResources: ajv.compile<{ webResources: WebResourceSource[]; folders: WebResourceFolderSource[] }>(webResourcesSchema),
  controls: ajv.compile<{ controls: ControlSource[] }>(controlsSchema),
  panelForms: ajv.compile<PanelFormsSource>(panelFormsSchema),
  app: ajv.compile<AppSource>(appSchema),
};

function describeAjv(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .filter((e) => e.keyword !== "if")
    .map((e) => {
      const where = e.instancePath || "(top level)";
      if (e.keyword === "additionalProperties") return `${where}: unknown property "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
      if (e.keyword === "enum") return `${where}: ${e.message ?? "invalid"} (${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(", ")})`;
      return `${where}: ${e.message ?? "invalid"}`;
    });
}

interface Reader {
  problems: string[];
  read<T>(file: string, validate: ((data: unknown) => data is T) & { errors?: ErrorObject[] | null }): T | undefined;
}

function reader(dir: string): Reader {
  const problems: string[] = [];
  return {
    problems,
    read<T>(file: string, validate: ((data: unknown) => data is T) & { errors?: ErrorObject[] | null }): T | undefined {
      const path = join(dir, file);
      const shown = relative(process.cwd(), path) || path;
      let data: unknown;
      try {
        data = JSON.parse(readFileSync(path, "utf8"));
      } catch (err) {
        problems.push(`${shown}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "file is missing" : (err as Error).message}`);
        return undefined;
      }
      if (!validate(data)) {
        for (const message of describeAjv(validate.errors)) problems.push(`${shown}: ${message}`);
        return undefined;
      }
      return data;
    },
  };
}

export function logicalNameOf(schemaName: string): string {
  return schemaName.toLowerCase();
}

/** Reads, validates (JSON Schema) and cross-checks the solution source in `dir`. */
export function loadSolutionSource(dir: string = DEFAULT_SOURCE_DIR, options: { version?: string } = {}): SolutionSource {
  const r = reader(dir);
  const manifest = r.read("solution.json", validators.solution);
  const choices = r.read("choices.json", validators.choices)?.choices ?? [];
  const tableDir = join(dir, "tables");
  const tableFiles = existsSync(tableDir) ? readdirSync(tableDir).filter((f) => f.endsWith(".json")).sort() : [];
  if (tableFiles.length === 0) r.problems.push(`${relative(process.cwd(), tableDir) || tableDir}: no table files (tables/<logicalname>.json)`);
  const tables: TableSource[] = [];
  for (const file of tableFiles) {
    const table = r.read(join("tables", file), validators.table);
    if (!table) continue;
    if (`${logicalNameOf(table.schemaName)}.json` !== file) r.problems.push(`tables/${file}: file name must be the table's logical name (${logicalNameOf(table.schemaName)}.json)`);
    tables.push(table);
  }
  const roles = r.read("roles.json", validators.roles)?.roles ?? [];
  const fieldSecurityProfiles = r.read("fieldsecurity.json", validators.fieldSecurity)?.profiles ?? [];
  const environmentVariables = r.read("environmentvariables.json", validators.environmentVariables)?.environmentVariables ?? [];
  const web = r.read("webresources.json", validators.webResources);
  const controls = r.read("controls.json", validators.controls)?.controls ?? [];
  const app = r.read("app.json", validators.app);
  const panelForms = r.read("forms.json", validators.panelForms);

  if (r.problems.length > 0 || !manifest || !web || !app || !panelForms) throw new SolutionSourceError(r.problems);

  let version = options.version;
  if (version === undefined) {
    try {
      version = versionFromPackageJson(REPO_ROOT);
    } catch (err) {
      throw new SolutionSourceError([(err as Error).message]);
    }
  }

  const source: SolutionSource = {
    dir,
    manifest,
    version,
    choices,
    tables,
    roles,
    fieldSecurityProfiles,
    environmentVariables,
    webResources: web.webResources,
    webResourceFolders: web.folders,
    controls,
    app,
    panelForms,
  };
  const problems = [...crossCheck(source), ...panelFormProblems(source)];
  if (problems.length > 0) throw new SolutionSourceError(problems);
  return source;
}

/** forms.json places a declared control, on standard tables only, each table and form once. */
function panelFormProblems(s: SolutionSource): string[] {
  const pf = s.panelForms;
  const problems = [
    ...duplicates(pf.forms.map((f) => f.table)).map((d) => `forms.json: table "${d}" is listed twice`),
    ...duplicates(pf.forms.map((f) => f.formId)).map((d) => `forms.json: form ${d} is listed twice`),
  ];
  if (!s.controls.some((c) => `${c.namespace}.${c.constructor}` === pf.control)) problems.push(`forms.json: control "${pf.control}" is not in controls.json`);
  for (const f of pf.forms) {
    if (!(f.table in SYSTEM_TABLES)) problems.push(`forms.json: "${f.table}" is not a standard table the solution knows (${Object.keys(SYSTEM_TABLES).join(", ")})`);
  }
  return problems;
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v.toLowerCase()) ? dup : seen).add(v.toLowerCase());
  return [...dup];
}

/** Every reference in the source resolves; names are unique; choice values carry the publisher's prefix. */
function crossCheck(s: SolutionSource): string[] {
  const problems: string[] = [];
  const prefix = s.manifest.publisher.customizationPrefix;
  const optionPrefix = s.manifest.publisher.optionValuePrefix;
  const checkOptions = (where: string, options: { value: number }[]): void => {
    for (const o of options) {
      if (Math.floor(o.value / 10000) !== optionPrefix) problems.push(`${where}: option value ${o.value} does not start with the publisher's option value prefix ${optionPrefix}`);
    }
    for (const d of duplicates(options.map((o) => String(o.value)))) problems.push(`${where}: option value ${d} is used twice`);
  };

  const globalChoices = new Map(s.choices.map((c) => [c.name, c]));
  for (const d of duplicates(s.choices.map((c) => c.name))) problems.push(`choices.json: choice ${d} is defined twice`);
  for (const c of s.choices) {
    if (!c.name.startsWith(`${prefix}_`)) problems.push(`choices.json: ${c.name} must start with "${prefix}_"`);
    checkOptions(`choices.json: ${c.name}`, c.options);
  }

  const tableNames = new Set(s.tables.map((t) => logicalNameOf(t.schemaName)));
  for (const t of s.tables) {
    const file = `tables/${logicalNameOf(t.schemaName)}.json`;
    const own = [t.primaryName.schemaName, ...t.columns.map((c) => c.schemaName)];
    for (const d of duplicates(own)) problems.push(`${file}: column ${d} is defined twice`);
    const columns = new Map<string, ColumnSource | undefined>([[logicalNameOf(t.primaryName.schemaName), undefined]]);
    for (const c of t.columns) columns.set(logicalNameOf(c.schemaName), c);
    const known = new Set([...columns.keys(), ...SYSTEM_COLUMNS, `${logicalNameOf(t.schemaName)}id`]);
    for (const name of columns.keys()) {
      if (SYSTEM_COLUMNS.includes(name) || name === `${logicalNameOf(t.schemaName)}id`) problems.push(`${file}: column ${name} clashes with a column Dataverse creates`);
    }
    for (const c of t.columns) {
      const where = `${file}: column ${c.schemaName}`;
      if (c.type === "choice") {
        if (c.choice !== undefined && !globalChoices.has(c.choice)) problems.push(`${where}: global choice "${c.choice}" is not defined in choices.json`);
        if (c.options) checkOptions(where, c.options);
        const values = c.options ?? globalChoices.get(c.choice ?? "")?.options ?? [];
        if (c.default !== undefined && !values.some((o) => o.value === c.default)) problems.push(`${where}: default ${c.default} is not one of its options`);
      }
      if (c.type === "lookup" && !tableNames.has(c.target) && !LOOKUP_TARGETS.includes(c.target)) {
        problems.push(`${where}: lookup target "${c.target}" is neither a table of this solution nor one of ${LOOKUP_TARGETS.join(", ")}`);
      }
      if ((c.type === "int" || c.type === "decimal") && c.min > c.max) problems.push(`${where}: min ${c.min} is above max ${c.max}`);
    }
    for (const k of t.keys ?? []) {
      for (const col of k.columns) {
        const c = columns.get(col);
        if (!columns.has(col)) problems.push(`${file}: key ${k.schemaName}: unknown column "${col}"`);
        else if (c && (c.type === "memo" || c.type === "boolean")) problems.push(`${file}: key ${k.schemaName}: column "${col}" (${c.type}) cannot be part of a key`);
      }
    }
    for (const f of t.forms) {
      for (const tab of f.tabs) {
        for (const section of tab.sections) {
          for (const col of section.columns) {
            if (!known.has(col)) problems.push(`${file}: form "${f.name}", section "${section.label}": unknown column "${col}"`);
          }
        }
      }
    }
    for (const d of duplicates(t.views.map((v) => v.name))) problems.push(`${file}: view "${d}" is defined twice`);
    for (const type of ["quickfind", "lookup", "associated", "advancedfind"] as const) {
      const count = t.views.filter((v) => v.type === type).length;
      if (count !== 1) problems.push(`${file}: needs exactly one ${type} view (has ${count})`);
    }
    if (t.views.filter((v) => v.type === "public" && v.default).length !== 1) problems.push(`${file}: exactly one public view must be "default": true`);
    for (const v of t.views) {
      const where = `${file}: view "${v.name}"`;
      const used = [...v.columns, ...(v.findColumns ?? []), ...(v.filter ?? []).map((c) => c.attribute), ...(v.order ?? []).map((o) => o.attribute)];
      for (const col of used) if (!known.has(col)) problems.push(`${where}: unknown column "${col}"`);
      if (v.findColumns && v.type !== "quickfind") problems.push(`${where}: findColumns only apply to the quickfind view`);
      if (v.type === "quickfind" && !v.findColumns) problems.push(`${where}: a quickfind view needs findColumns`);
      for (const c of v.filter ?? []) {
        const needsValue = !["null", "not-null", "eq-userid", "ne-userid", "eq-useroruserteams"].includes(c.operator);
        if (needsValue && c.value === undefined) problems.push(`${where}: condition on ${c.attribute} (${c.operator}) needs a value`);
        if (!needsValue && c.value !== undefined) problems.push(`${where}: condition on ${c.attribute} (${c.operator}) takes no value`);
      }
    }
  }
  for (const d of duplicates(s.tables.map((t) => t.schemaName))) problems.push(`tables: table ${d} is defined twice`);

  const roleNames = new Set(s.roles.map((r) => r.name));
  for (const d of duplicates(s.roles.map((r) => r.name))) problems.push(`roles.json: role "${d}" is defined twice`);
  for (const role of s.roles) {
    for (const d of duplicates(role.tables.map((t) => t.table))) problems.push(`roles.json: role "${role.name}" lists table ${d} twice`);
    for (const p of role.tables) {
      if (!tableNames.has(p.table) && !(p.table in SYSTEM_TABLES)) problems.push(`roles.json: role "${role.name}": unknown table "${p.table}"`);
    }
  }

  for (const d of duplicates(s.fieldSecurityProfiles.map((p) => p.name))) problems.push(`fieldsecurity.json: profile "${d}" is defined twice`);
  const securedColumns = s.tables.flatMap((t) => t.columns.filter((c) => c.secured).map((c) => `${logicalNameOf(t.schemaName)}.${logicalNameOf(c.schemaName)}`));
  for (const profile of s.fieldSecurityProfiles) {
    for (const p of profile.permissions) {
      const where = `fieldsecurity.json: profile "${profile.name}": ${p.table}.${p.column}`;
      if (!securedColumns.includes(`${p.table}.${p.column}`)) problems.push(`${where} is not a secured column of this solution ("secured": true)`);
      if ((p.create || p.update) && !p.read) problems.push(`${where}: a profile that may set a column must also read it`);
    }
  }
  for (const col of securedColumns) {
    if (!s.fieldSecurityProfiles.some((p) => p.permissions.some((x) => `${x.table}.${x.column}` === col))) {
      problems.push(`${col} is secured but no column security profile in fieldsecurity.json grants access to it`);
    }
  }

  for (const d of duplicates(s.environmentVariables.map((e) => e.schemaName))) problems.push(`environmentvariables.json: ${d} is defined twice`);
  for (const e of s.environmentVariables) {
    const where = `environmentvariables.json: ${e.schemaName}`;
    if (e.default === undefined) continue;
    if (e.type === "number" && !/^-?\d+(\.\d+)?$/.test(e.default)) problems.push(`${where}: default "${e.default}" is not a number`);
    if (e.type === "boolean" && e.default !== "yes" && e.default !== "no") problems.push(`${where}: a boolean default is "yes" or "no", not "${e.default}"`);
    if (e.type === "json") {
      try {
        JSON.parse(e.default);
      } catch {
        problems.push(`${where}: default is not valid JSON`);
      }
    }
  }

  const webNames = [...s.webResources.map((w) => w.name), ...s.webResourceFolders.map((f) => f.namePrefix + f.entry)];
  for (const d of duplicates(webNames)) problems.push(`webresources.json: web resource ${d} is declared twice`);
  for (const w of s.webResources) {
    if (webResourceTypeOf(w.name) === undefined) problems.push(`webresources.json: ${w.name}: this file type cannot be a web resource`);
  }
  for (const f of s.webResourceFolders) {
    if (webResourceTypeOf(f.entry) === undefined) problems.push(`webresources.json: ${f.namePrefix}${f.entry}: this file type cannot be a web resource`);
  }
  for (const d of duplicates(s.controls.map((c) => `${c.namespace}.${c.constructor}`))) problems.push(`controls.json: control ${d} is declared twice`);

  for (const role of s.app.roles) if (!roleNames.has(role)) problems.push(`app.json: role "${role}" is not defined in roles.json`);
  for (const t of s.app.tables) if (!tableNames.has(t)) problems.push(`app.json: table "${t}" is not a table of this solution`);
  const ids = s.app.siteMap.areas.flatMap((a) => [a.id, ...a.groups.flatMap((g) => [g.id, ...g.subAreas.map((x) => x.id)])]);
  for (const d of duplicates(ids)) problems.push(`app.json: site map id "${d}" is used twice`);
  for (const area of s.app.siteMap.areas) {
    for (const group of area.groups) {
      for (const sub of group.subAreas) {
        if (sub.table !== undefined && !s.app.tables.includes(sub.table)) problems.push(`app.json: site map entry "${sub.id}" opens table "${sub.table}", which is not in the app's tables`);
        if (sub.webResource !== undefined && !webNames.includes(sub.webResource)) problems.push(`app.json: site map entry "${sub.id}" opens web resource "${sub.webResource}", which webresources.json does not declare`);
      }
    }
  }
  return problems;
}
