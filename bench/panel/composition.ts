/**
 * What the record panel's bundle is made of: an esbuild metafile of the same entry with the same
 * module swap the pcf-scripts build makes (controls/webpack.config.js: engineLibs →
 * engineLibs.browser), the standalone rule-pack validator the web-resource builds use, and the same externals (React, Fluent v9: platform libraries), minified.
 * Bytes per npm package or per source folder. esbuild's output is a close stand-in for webpack's:
 * the real bundle.js is reported next to it.
 */
import { build, type Plugin } from "esbuild";
import { join, resolve } from "node:path";
import { standalonePackValidator } from "../../plugins-ts/webresources/standaloneValidator";

const ROOT = resolve(__dirname, "..", "..");

const swapEngineLibs: Plugin = {
  name: "engineLibs.browser",
  setup(b) {
    b.onResolve({ filter: /[\\/]engineLibs$/ }, (args) => ({ path: resolve(args.resolveDir, `${args.path}.browser.ts`) }));
  },
};

export interface Part {
  part: string;
  bytes: number;
}

/** Minified bytes per package / folder of an entry, largest first, and the total. */
export async function composition(entry: string, opts: { swapLibs: boolean }): Promise<{ total: number; parts: Part[] }> {
  const r = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    write: false,
    metafile: true,
    outfile: join(ROOT, "out", "composition.js"),
    external: ["react", "react-dom", "@fluentui/react-components"],
    define: { "process.env.NODE_ENV": '"production"' },
    // Browser builds carry the rule-pack validator as ajv standalone code (vitals.libs.js does).
    plugins: opts.swapLibs ? [swapEngineLibs, standalonePackValidator] : [standalonePackValidator],
    logLevel: "error",
  });
  const out = Object.values(r.metafile.outputs)[0];
  const by = new Map<string, number>();
  for (const [path, input] of Object.entries(out.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    const key = pkg ?? path.replace(/\/[^/]+$/, "");
    by.set(key, (by.get(key) ?? 0) + input.bytesInOutput);
  }
  return { total: out.bytes, parts: [...by].map(([part, bytes]) => ({ part, bytes })).sort((a, b) => b.bytes - a.bytes) };
}
