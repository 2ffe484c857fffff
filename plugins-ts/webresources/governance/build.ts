/**
 * Bundles the Governance Center for Dynamics: index.html + one minified index.js (React 16.14,
 * Fluent UI v9, the engine, the gateway and the audit; web resources carry their own React) at
 * out/webresources/vit_/governance/, where the solution packager picks the folder up
 * (solution/src/webresources.json, "folders"). No source maps: a .map file cannot be a Dataverse
 * web resource.
 *
 *   npx tsx plugins-ts/webresources/governance/build.ts [--dev] [--outdir <path>]
 */
import { build, type BuildResult } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

/** Where the solution packager expects the folder (relative to the repository). */
export const GOVERNANCE_DIR = join("out", "webresources", "vit_", "governance");
const ROOT = resolve(__dirname, "..", "..", "..");

export interface GovernanceBuildOptions {
  outdir?: string;
  minify?: boolean;
}

export async function buildGovernanceCenter(options: GovernanceBuildOptions = {}): Promise<{ outdir: string; files: string[]; result: BuildResult }> {
  const outdir = resolve(ROOT, options.outdir ?? GOVERNANCE_DIR);
  // A clean folder: every file in it becomes a web resource.
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const minify = options.minify ?? true;
  const result = await build({
    entryPoints: [join(__dirname, "index.tsx")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    jsx: "transform",
    minify,
    legalComments: "none",
    define: { "process.env.NODE_ENV": JSON.stringify(minify ? "production" : "development") },
    outfile: join(outdir, "index.js"),
    logLevel: "warning",
    metafile: true,
  });
  copyFileSync(join(__dirname, "index.html"), join(outdir, "index.html"));
  return { outdir, files: readdirSync(outdir).sort(), result };
}

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf("--outdir");
  if (i >= 0 && !argv[i + 1]) throw new Error("--outdir needs a path");
  const { outdir, files, result } = await buildGovernanceCenter({ minify: !argv.includes("--dev"), outdir: i >= 0 ? argv[i + 1] : undefined });
  const bytes = Object.values(result.metafile?.outputs ?? {}).reduce((n, o) => n + o.bytes, 0);
  console.log(`wrote ${outdir}: ${files.join(", ")} (index.js ${bytes} bytes)`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
