import { mkdirSync } from "node:fs";
import { writeFileAtomicSync } from "../../plugins-ts/cli/io/atomic";
import { join } from "node:path";
import { resolveBuilds, type OmittedComponent, type ResolvedBuilds } from "./builds";
import { buildContentTypesXml } from "./contenttypes";
import { buildCustomizationsXml } from "./customizations";
import { buildEnvironmentVariableXml, environmentVariablePath } from "./envvars";
import { DEFAULT_SOURCE_DIR, REPO_ROOT, loadSolutionSource } from "./source";
import { buildSolutionXml, rootComponents, type RootComponent } from "./solutionxml";
import type { SolutionSource } from "./types";
import { fileVersion } from "./version";
import { writeZip, type ZipEntry } from "./zip";

export type PackageKind = "managed" | "unmanaged";

export interface PackageOptions {
  /** Folder of the declarative source (default solution/src). */
  sourceDir?: string;
  /** Folder of the build outputs: controls/… and webresources/… (default <repo>/out). */
  buildDir?: string;
  /** Four-part version; default from package.json. */
  version?: string;
}

export interface BuiltPackage {
  kind: PackageKind;
  fileName: string;
  bytes: Uint8Array;
  entries: ZipEntry[];
  rootComponents: RootComponent[];
  omitted: OmittedComponent[];
}

export const DEFAULT_BUILD_DIR = join(REPO_ROOT, "out");

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function byPath(a: ZipEntry, b: ZipEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function packageFileName(s: SolutionSource, kind: PackageKind): string {
  return `${s.manifest.uniqueName}_${fileVersion(s.version)}_${kind}.zip`;
}

/** The entries of one package: the three root files first, then every other file by name. */
export function packageEntries(s: SolutionSource, builds: ResolvedBuilds, kind: PackageKind): ZipEntry[] {
  const files: ZipEntry[] = [
    ...builds.controls.flatMap((c) => c.files.map((f) => ({ path: f.zipPath, bytes: f.bytes }))),
    ...builds.webResources.map((w) => ({ path: w.zipPath, bytes: w.bytes })),
    ...s.environmentVariables.map((e) => ({ path: environmentVariablePath(e), bytes: utf8(buildEnvironmentVariableXml(s, e)) })),
  ].sort(byPath);
  const root = [
    { path: "solution.xml", bytes: utf8(buildSolutionXml(s, builds, kind === "managed")) },
    { path: "customizations.xml", bytes: utf8(buildCustomizationsXml(s, builds, kind === "managed")) },
  ];
  const contentTypes = { path: "[Content_Types].xml", bytes: utf8(buildContentTypesXml(["[Content_Types].xml", ...root.map((r) => r.path), ...files.map((f) => f.path)])) };
  return [contentTypes, ...root, ...files];
}

/** Builds the requested packages in memory from the source and the build outputs. */
export function buildPackages(kinds: PackageKind[], options: PackageOptions = {}): BuiltPackage[] {
  const source = loadSolutionSource(options.sourceDir ?? DEFAULT_SOURCE_DIR, options.version ? { version: options.version } : {});
  const builds = resolveBuilds(source, options.buildDir ?? DEFAULT_BUILD_DIR);
  return kinds.map((kind) => {
    const entries = packageEntries(source, builds, kind);
    return {
      kind,
      fileName: packageFileName(source, kind),
      bytes: writeZip(entries),
      entries,
      rootComponents: rootComponents(source, builds, kind === "managed"),
      omitted: builds.omitted,
    };
  });
}

/** Builds the packages and writes them into `outDir`; returns them with the paths written. */
export function writePackages(kinds: PackageKind[], outDir: string, options: PackageOptions = {}): (BuiltPackage & { path: string })[] {
  const built = buildPackages(kinds, options);
  mkdirSync(outDir, { recursive: true });
  return built.map((p) => {
    const path = join(outDir, p.fileName);
    writeFileAtomicSync(path, p.bytes);
    return { ...p, path };
  });
}
