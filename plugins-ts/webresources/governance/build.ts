/**
 * Bundles the Governance Center for Dynamics: index.html, the first load index.js (React 16.14,
 * Fluent UI v9, the gateway, the Audit tab; web resources carry their own React) and the chunks
 * loaded on demand (the other tabs, components/GovernanceCenter/lazyTabs; the audit runner; the
 * engine's libraries, engine/engineLibs.lazy; the rule-pack validator is ajv standalone code in
 * the first load, ../standaloneValidator), all minified ES modules at
 * out/webresources/vit_/governance/, where the solution packager picks the folder up, one web
 * resource per file (solution/src/webresources.json, "folders"). Chunks import each other by
 * relative URL, which holds under the path Dynamics serves web resources at. No source maps: a
 * .map file cannot be a Dataverse web resource.
 *
 *   npx tsx plugins-ts/webresources/governance/build.ts [--dev] [--outdir <path>]
 */
import { build, type BuildResult, type Plugin } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { standalonePackValidator } from "../standaloneValidator";

/** Where the solution packager expects the folder (relative to the repository). */
export const GOVERNANCE_DIR = join("out", "webresources", "vit_", "governance");
const ROOT = resolve(__dirname, "..", "..", "..");

export interface GovernanceBuildOptions {
  outdir?: string;
  minify?: boolean;
}

const LAZY_LIBS = join(ROOT, "plugins-ts", "engine", "engineLibs.lazy.ts");

/** The engine's libraries as a chunk loaded on demand: every `…/engineLibs` import but the lazy module's own. */
const lazyEngineLibs: Plugin = {
  name: "lazy-engine-libs",
  setup(b) {
    b.onResolve({ filter: /[\\/]engineLibs$/ }, (args) => (args.importer === LAZY_LIBS ? undefined : { path: LAZY_LIBS }));
  },
};

export async function buildGovernanceCenter(options: GovernanceBuildOptions = {}): Promise<{ outdir: string; files: string[]; result: BuildResult }> {
  const outdir = resolve(ROOT, options.outdir ?? GOVERNANCE_DIR);
  // A clean folder: every file in it becomes a web resource.
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const minify = options.minify ?? true;
  const result = await build({
    entryPoints: [join(__dirname, "index.tsx")],
    bundle: true,
    format: "esm",
    splitting: true,
    chunkNames: "chunk_[hash]",
    plugins: [lazyEngineLibs, standalonePackValidator],
    platform: "browser",
    target: ["es2020"],
    jsx: "transform",
    minify,
    legalComments: "none",
    define: { "process.env.NODE_ENV": JSON.stringify(minify ? "production" : "development") },
    outdir,
    entryNames: "index",
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
  console.log(`wrote ${outdir}: ${files.join(", ")} (${bytes} bytes)`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
