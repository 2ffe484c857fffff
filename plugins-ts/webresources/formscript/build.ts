/**
 * Bundles the form script for Dynamics: one minified IIFE that puts `CrmVitals.Form` on the page,
 * at out/webresources/vit_/scripts/recordvitals.form.js (where the solution packager expects it).
 *
 *   npx tsx plugins-ts/webresources/formscript/build.ts [--dev] [--outfile <path>]
 */
import { build, type BuildResult } from "esbuild";
import { join, resolve } from "node:path";

/** Where the solution packager picks the web resource up (out/webresources/vit_/scripts/…). */
export const FORM_SCRIPT_PATH = join("out", "webresources", "vit_", "scripts", "recordvitals.form.js");
const ROOT = resolve(__dirname, "..", "..", "..");

export interface FormScriptBuildOptions {
  outfile?: string;
  minify?: boolean;
}

export async function buildFormScript(options: FormScriptBuildOptions = {}): Promise<{ outfile: string; result: BuildResult }> {
  const outfile = resolve(ROOT, options.outfile ?? FORM_SCRIPT_PATH);
  const result = await build({
    entryPoints: [join(__dirname, "index.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    minify: options.minify ?? true,
    legalComments: "none",
    outfile,
    logLevel: "warning",
    metafile: true,
  });
  return { outfile, result };
}

async function main(argv: string[]): Promise<void> {
  const outIndex = argv.indexOf("--outfile");
  if (outIndex >= 0 && !argv[outIndex + 1]) throw new Error("--outfile needs a path");
  const { outfile, result } = await buildFormScript({ minify: !argv.includes("--dev"), outfile: outIndex >= 0 ? argv[outIndex + 1] : undefined });
  const bytes = Object.values(result.metafile?.outputs ?? {}).reduce((n, o) => n + o.bytes, 0);
  console.log(`wrote ${outfile} (${bytes} bytes)`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
