import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Dataverse solution versions have two to four numeric parts (major.minor.build.revision), each
 * 0–2147483647. npm's "0.1.0" becomes "0.1.0.0"; a pre-release or build suffix is refused, because
 * Dataverse cannot order it and an upgrade must always carry a higher number.
 */
export function solutionVersion(npmVersion: string): string {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?$/.exec(npmVersion.trim());
  if (!match) {
    throw new Error(
      `package.json version "${npmVersion}" cannot become a solution version: use plain major.minor.patch (e.g. 0.1.0), without a pre-release or build suffix`,
    );
  }
  const parts = match.slice(1, 5).map((p) => Number(p ?? "0"));
  for (const part of parts) {
    if (part > 2147483647) throw new Error(`package.json version "${npmVersion}": each part must be at most 2147483647`);
  }
  return parts.join(".");
}

/** The four-part version of the package.json found in `repoRoot`. */
export function versionFromPackageJson(repoRoot: string): string {
  const file = join(repoRoot, "package.json");
  let version: unknown;
  try {
    version = (JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version;
  } catch (err) {
    throw new Error(`cannot read the version from ${file}: ${(err as Error).message}`);
  }
  if (typeof version !== "string") throw new Error(`${file} has no "version" string`);
  return solutionVersion(version);
}

/** Version as it appears in export file names: 0.1.0.0 → 0_1_0_0. */
export function fileVersion(version: string): string {
  return version.replace(/\./g, "_");
}
