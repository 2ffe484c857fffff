// The solution packager: reads the declarative source in solution/src, finds the build outputs,
// and writes the managed and unmanaged solution zips an admin imports into Dynamics 365.
export { loadSolutionSource, SolutionSourceError, DEFAULT_SOURCE_DIR, REPO_ROOT } from "./source";
export { resolveBuilds, BuildOutputError } from "./builds";
export { buildPackages, writePackages, DEFAULT_BUILD_DIR, type PackageKind, type BuiltPackage, type PackageOptions } from "./package";
export { inspectSolutionZip, describeInspection, NotASolutionError, type SolutionInspection } from "./inspect";
export { renderRoleMatrix, renderDataModel } from "./rolesdoc";
export { solutionVersion } from "./version";
export type { SolutionSource } from "./types";
