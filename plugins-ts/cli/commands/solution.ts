import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { type Command, Option } from "commander";
import {
  BuildOutputError,
  DEFAULT_BUILD_DIR,
  DEFAULT_SOURCE_DIR,
  NotASolutionError,
  SolutionSourceError,
  describeInspection,
  inspectSolutionZip,
  loadSolutionSource,
  renderRoleMatrix,
  writePackages,
  type PackageKind,
} from "../../../solution/packager";
import { UserError } from "../errors";

interface PackageFlags {
  out: string;
  buildDir?: string;
  source?: string;
  managedOnly?: boolean;
  unmanagedOnly?: boolean;
}

function asUserError(err: unknown): never {
  if (err instanceof SolutionSourceError || err instanceof BuildOutputError || err instanceof NotASolutionError) throw new UserError(err.message);
  throw err;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

export function register(program: Command): void {
  const solution = program
    .command("solution")
    .description("Build and inspect the CRM Vitals solution zips an admin imports into Dynamics 365");

  solution
    .command("package")
    .description(
      "Build dist/CrmVitals_<version>_managed.zip and _unmanaged.zip from solution/src and the build outputs in out/ (controls and web resources must be built first). The same source and builds always give the same bytes.",
    )
    .option("--out <dir>", "folder to write the zips to", "dist")
    .option("--build-dir <dir>", `folder holding the build outputs controls/… and webresources/… (default ${shown(DEFAULT_BUILD_DIR)})`)
    .option("--source <dir>", `folder of the declarative solution source (default ${shown(DEFAULT_SOURCE_DIR)})`)
    .addOption(new Option("--managed-only", "build only the managed zip (for test and production environments)").conflicts("unmanagedOnly"))
    .addOption(new Option("--unmanaged-only", "build only the unmanaged zip (for development environments)").conflicts("managedOnly"))
    .action((flags: PackageFlags) => {
      const kinds: PackageKind[] = flags.managedOnly ? ["managed"] : flags.unmanagedOnly ? ["unmanaged"] : ["managed", "unmanaged"];
      let written;
      try {
        written = writePackages(kinds, resolve(flags.out), {
          ...(flags.buildDir ? { buildDir: resolve(flags.buildDir) } : {}),
          ...(flags.source ? { sourceDir: resolve(flags.source) } : {}),
        });
      } catch (err) {
        asUserError(err);
      }
      for (const p of written) {
        process.stdout.write(`wrote ${shown(p.path)} (${p.kind}, ${p.bytes.length} bytes, ${p.entries.length} files, ${p.rootComponents.length} root components)\n`);
      }
      for (const o of written[0]?.omitted ?? []) {
        process.stderr.write(`vitals: note: ${o.what} is not built (${o.missing}); left out of the zips together with the site map entries that open it. Build it with \`${o.builtBy}\`.\n`);
      }
    });

  solution
    .command("inspect")
    .description("Say what a solution zip holds: name, version, publisher, managed or not, root components by type, files; and any problem that would make an import fail")
    .argument("<zip>", "path of the solution zip")
    .option("--json", "print the result as JSON")
    .action((zipPath: string, flags: { json?: boolean }) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(zipPath);
      } catch (err) {
        throw new UserError(`cannot read ${zipPath}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
      }
      let inspection;
      try {
        inspection = inspectSolutionZip(new Uint8Array(bytes));
      } catch (err) {
        if (err instanceof NotASolutionError) throw new UserError(`${zipPath}: ${err.message}`);
        throw err;
      }
      process.stdout.write(flags.json ? `${JSON.stringify(inspection, null, 2)}\n` : describeInspection(inspection));
      if (inspection.problems.length > 0) process.exitCode = 1;
    });

  solution
    .command("roles")
    .description("Print the privilege matrix of the Vitals security roles (Markdown), as docs/security-roles.md shows it")
    .option("--source <dir>", `folder of the declarative solution source (default ${shown(DEFAULT_SOURCE_DIR)})`)
    .action((flags: { source?: string }) => {
      try {
        process.stdout.write(renderRoleMatrix(loadSolutionSource(flags.source ? resolve(flags.source) : DEFAULT_SOURCE_DIR)));
      } catch (err) {
        asUserError(err);
      }
    });
}
