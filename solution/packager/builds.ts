import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { XMLParser } from "fast-xml-parser";
import type { ControlSource, SolutionSource } from "./types";
import { webResourceZipPath } from "./ids";
import { webResourceTypeOf } from "./webresourcetypes";

/** A file taken from a build output into the zip, byte for byte. */
export interface BuildFile {
  zipPath: string;
  bytes: Uint8Array;
  /** Where it was read from. */
  from: string;
}

export interface ResolvedWebResource extends BuildFile {
  name: string;
  displayName: string;
  description: string;
  type: number;
}

export interface ResolvedControl {
  source: ControlSource;
  /** `<prefix>_<namespace>.<constructor>`, the name Dataverse knows the control by. */
  name: string;
  version: string;
  files: BuildFile[];
}

export interface OmittedComponent {
  what: string;
  missing: string;
  builtBy: string;
}

export interface ResolvedBuilds {
  webResources: ResolvedWebResource[];
  controls: ResolvedControl[];
  /** Optional components left out because they are not built yet. */
  omitted: OmittedComponent[];
}

/** One or more declared build outputs are missing or unusable; each problem names the file and the command that builds it. */
export class BuildOutputError extends Error {
  constructor(readonly problems: string[]) {
    super(`build outputs are missing or unusable:\n  - ${problems.join("\n  - ")}`);
    this.name = "BuildOutputError";
  }
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(full);
    }
  };
  walk(dir);
  return out.map((f) => relative(dir, f).split(sep).join("/")).sort();
}

const manifestParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => ["code", "css", "resx", "img", "html"].includes(name) });

interface ParsedManifest {
  manifest?: {
    control?: {
      "@namespace"?: string;
      "@constructor"?: string;
      "@version"?: string;
      resources?: Record<string, { "@path"?: string }[] | undefined>;
    };
  };
}

/** `<prefix>_<namespace>.<constructor>`, the name Dataverse knows a code component by (forms place it under this name). */
export function controlName(control: ControlSource, prefix: string): string {
  return `${prefix}_${control.namespace}.${control.constructor}`;
}

/** The files pcf-scripts built for one control: the manifest and every resource it lists. */
function resolveControl(control: ControlSource, prefix: string, buildDir: string, problems: string[]): ResolvedControl | undefined {
  const dir = join(buildDir, control.build);
  const manifestPath = join(dir, "ControlManifest.xml");
  const name = controlName(control, prefix);
  if (!isFile(manifestPath)) {
    problems.push(`${shown(manifestPath)} (code component ${control.namespace}.${control.constructor}) does not exist: run \`${control.builtBy}\``);
    return undefined;
  }
  const manifestBytes = readFileSync(manifestPath);
  let parsed: ParsedManifest;
  try {
    parsed = manifestParser.parse(manifestBytes.toString("utf8"), true) as ParsedManifest;
  } catch (err) {
    problems.push(`${shown(manifestPath)} is not well-formed XML (${(err as Error).message.split("\n")[0]}): rebuild with \`${control.builtBy}\``);
    return undefined;
  }
  const c = parsed.manifest?.control;
  if (!c) {
    problems.push(`${shown(manifestPath)} has no <manifest><control>: rebuild with \`${control.builtBy}\``);
    return undefined;
  }
  if (c["@namespace"] !== control.namespace || c["@constructor"] !== control.constructor) {
    problems.push(
      `${shown(manifestPath)} declares ${c["@namespace"] ?? "?"}.${c["@constructor"] ?? "?"}, but controls.json expects ${control.namespace}.${control.constructor}`,
    );
    return undefined;
  }
  const version = c["@version"] ?? "";
  if (!/^\d+\.\d+\.\d+$/.test(version)) problems.push(`${shown(manifestPath)}: control version "${version}" is not major.minor.patch`);
  const resources = c.resources ?? {};
  const paths: string[] = [];
  for (const kind of ["code", "css", "resx", "img", "html"]) {
    for (const r of resources[kind] ?? []) if (r["@path"]) paths.push(r["@path"]);
  }
  if (!(resources.code ?? []).some((r) => r["@path"])) problems.push(`${shown(manifestPath)} lists no <code path=…/> resource`);
  const files: BuildFile[] = [{ zipPath: `Controls/${name}/ControlManifest.xml`, bytes: new Uint8Array(manifestBytes), from: manifestPath }];
  for (const p of [...new Set(paths)].sort()) {
    const normalized = p.replace(/\\/g, "/");
    if (normalized.startsWith("/") || normalized.split("/").includes("..")) {
      problems.push(`${shown(manifestPath)}: resource path "${p}" leaves the control folder`);
      continue;
    }
    const file = join(dir, ...normalized.split("/"));
    if (!isFile(file)) {
      problems.push(`${shown(file)} (listed in ${shown(manifestPath)}) does not exist: run \`${control.builtBy}\``);
      continue;
    }
    files.push({ zipPath: `Controls/${name}/${normalized}`, bytes: new Uint8Array(readFileSync(file)), from: file });
  }
  return { source: control, name, version, files };
}

/**
 * Finds every build output the source declares under `buildDir` (default: <repo>/out). Missing
 * required outputs throw a BuildOutputError naming each file and the command that builds it;
 * folders declared `whenMissing: "omit"` are reported in `omitted` instead.
 */
export function resolveBuilds(source: SolutionSource, buildDir: string): ResolvedBuilds {
  const problems: string[] = [];
  const omitted: OmittedComponent[] = [];
  const webResources: ResolvedWebResource[] = [];

  for (const w of source.webResources) {
    const file = join(buildDir, w.build);
    if (!isFile(file)) {
      problems.push(`${shown(file)} (web resource ${w.name}) does not exist: run \`${w.builtBy}\``);
      continue;
    }
    webResources.push({
      name: w.name,
      displayName: w.displayName,
      description: w.description,
      type: webResourceTypeOf(w.name) ?? 0,
      zipPath: webResourceZipPath(w.name),
      bytes: new Uint8Array(readFileSync(file)),
      from: file,
    });
  }

  for (const f of source.webResourceFolders) {
    const dir = join(buildDir, f.build);
    const entry = join(dir, f.entry);
    if (!isFile(entry)) {
      const message = `${shown(entry)} (${f.displayName}, web resource ${f.namePrefix}${f.entry}) does not exist`;
      if (f.whenMissing === "omit") omitted.push({ what: `${f.displayName} (${f.namePrefix}*)`, missing: shown(entry), builtBy: f.builtBy });
      else problems.push(`${message}: run \`${f.builtBy}\``);
      continue;
    }
    for (const rel of listFiles(dir)) {
      const name = `${f.namePrefix}${rel}`;
      const type = webResourceTypeOf(rel);
      if (type === undefined) {
        problems.push(`${shown(join(dir, rel))}: a .${rel.split(".").pop() ?? ""} file cannot be a Dataverse web resource; leave it out of the ${f.displayName} build (\`${f.builtBy}\`)`);
        continue;
      }
      webResources.push({
        name,
        displayName: rel === f.entry ? f.displayName : `${f.displayName}: ${rel}`,
        description: rel === f.entry ? f.description : `${f.displayName} asset`,
        type,
        zipPath: webResourceZipPath(name),
        bytes: new Uint8Array(readFileSync(join(dir, rel))),
        from: join(dir, rel),
      });
    }
  }

  const controls: ResolvedControl[] = [];
  for (const c of source.controls) {
    const resolved = resolveControl(c, source.manifest.publisher.customizationPrefix, buildDir, problems);
    if (resolved) controls.push(resolved);
  }

  if (problems.length > 0) throw new BuildOutputError(problems);
  webResources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { webResources, controls, omitted };
}
