/**
 * Bundles the script web resources for Dynamics, each one minified IIFE under
 * out/webresources/vit_/scripts/ (where the solution packager expects them):
 *  - recordvitals.form.js: the form script (`CrmVitals.Form` on the page);
 *  - vitals.libs.js: the engine's data-heavy libraries (public-suffix list, phone metadata, rule-pack
 *    schema validator as ajv standalone code, ../standaloneValidator) that the record panel loads
 *    once instead of bundling them (plugins-ts/engine/engineLibs.browser.ts).
 *
 *   npx tsx plugins-ts/webresources/formscript/build.ts [--dev] [--outfile <path>]   (--outfile: the form script's)
 */
import { build, type BuildResult, type Plugin } from "esbuild";
import { join, resolve } from "node:path";
import { standalonePackValidator } from "../standaloneValidator";

/** Where the solution packager picks the web resources up (out/webresources/vit_/scripts/…). */
export const FORM_SCRIPT_PATH = join("out", "webresources", "vit_", "scripts", "recordvitals.form.js");
export const ENGINE_LIBS_PATH = join("out", "webresources", "vit_", "scripts", "vitals.libs.js");
const ROOT = resolve(__dirname, "..", "..", "..");

export interface FormScriptBuildOptions {
  outfile?: string;
  minify?: boolean;
}

async function buildScript(entry: string, outfile: string, minify: boolean, plugins: Plugin[] = []): Promise<{ outfile: string; result: BuildResult }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    minify,
    legalComments: "none",
    outfile,
    logLevel: "warning",
    metafile: true,
    plugins,
  });
  return { outfile, result };
}

export function buildFormScript(options: FormScriptBuildOptions = {}): Promise<{ outfile: string; result: BuildResult }> {
  return buildScript(join(__dirname, "index.ts"), resolve(ROOT, options.outfile ?? FORM_SCRIPT_PATH), options.minify ?? true);
}

export function buildEngineLibs(options: FormScriptBuildOptions = {}): Promise<{ outfile: string; result: BuildResult }> {
  return buildScript(join(ROOT, "plugins-ts", "engine", "engineLibs.entry.ts"), resolve(ROOT, options.outfile ?? ENGINE_LIBS_PATH), options.minify ?? true, [standalonePackValidator]);
}

async function main(argv: string[]): Promise<void> {
  const outIndex = argv.indexOf("--outfile");
  if (outIndex >= 0 && !argv[outIndex + 1]) throw new Error("--outfile needs a path");
  const minify = !argv.includes("--dev");
  for (const { outfile, result } of [await buildFormScript({ minify, outfile: outIndex >= 0 ? argv[outIndex + 1] : undefined }), await buildEngineLibs({ minify })]) {
    const bytes = Object.values(result.metafile?.outputs ?? {}).reduce((n, o) => n + o.bytes, 0);
    console.log(`wrote ${outfile} (${bytes} bytes)`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
