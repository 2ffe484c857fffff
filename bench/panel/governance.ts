/**
 * What the Governance Center's first load weighs: index.html, index.js and every chunk index.js
 * imports statically (transitively), from the esbuild metafile of the page's build
 * (plugins-ts/webresources/governance/build.ts); the chunks loaded on demand (the other tabs, the
 * audit runner, the engine's libraries) apart, each with what it adds over the first load. Bytes
 * raw and gzip -9 per file, summed (each web resource is compressed on its own); and the first
 * load's composition per npm package / source folder.
 */
import { readFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { Metafile } from "esbuild";

const ROOT = resolve(__dirname, "..", "..");

export interface Weight {
  files: number;
  raw: number;
  gzip: number;
}

export interface GovernanceLoads {
  firstLoad: Weight;
  /** Per dynamic import of the page (a chunk file): what it fetches beyond the first load. */
  onDemand: { chunk: string; what: string; weight: Weight }[];
  /** Every chunk file of the build (each one a web resource). */
  chunks: number;
  composition: { part: string; bytes: number }[];
}

function closure(meta: Metafile, start: string, kinds: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const walk = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of meta.outputs[f]?.imports ?? []) if (kinds.includes(i.kind)) walk(i.path);
  };
  walk(start);
  return seen;
}

function weigh(files: Iterable<string>): Weight {
  let raw = 0;
  let gzip = 0;
  let n = 0;
  for (const f of files) {
    const b = readFileSync(resolve(ROOT, f));
    raw += b.length;
    gzip += gzipSync(b, { level: 9 }).length;
    n++;
  }
  return { files: n, raw, gzip };
}

/** The biggest source of an output chunk, as a name a reader knows (its package or folder). */
function mainPart(meta: Metafile, file: string): string {
  const inputs = Object.entries(meta.outputs[file].inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
  return inputs.slice(0, 2).map(([p]) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1] ?? basename(p).replace(/\.tsx?$/, "")).join(", ");
}

export function governanceLoads(meta: Metafile, outdir: string): GovernanceLoads {
  const rel = (f: string) => relative(ROOT, resolve(ROOT, f));
  const outputs = Object.keys(meta.outputs).filter((f) => f.endsWith(".js"));
  const entry = outputs.find((f) => basename(f) === "index.js");
  if (!entry) throw new Error(`no index.js among the Governance Center's outputs (${outputs.join(", ")})`);
  const first = closure(meta, entry, ["import-statement"]);
  const firstLoad = weigh([join(relative(ROOT, outdir), "index.html"), ...[...first].map(rel)]);
  const dynamic = new Set<string>();
  for (const f of closure(meta, entry, ["import-statement", "dynamic-import"])) for (const i of meta.outputs[f]?.imports ?? []) if (i.kind === "dynamic-import") dynamic.add(i.path);
  const onDemand = [...dynamic]
    .map((d) => {
      const extra = [...closure(meta, d, ["import-statement"])].filter((f) => !first.has(f));
      return { chunk: basename(d), what: mainPart(meta, d), weight: weigh(extra.map(rel)) };
    })
    .sort((a, b) => b.weight.gzip - a.weight.gzip);
  const by = new Map<string, number>();
  for (const f of first) {
    for (const [path, input] of Object.entries(meta.outputs[f].inputs)) {
      const key = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.replace(/\/[^/]+$/, "");
      by.set(key, (by.get(key) ?? 0) + input.bytesInOutput);
    }
  }
  return { firstLoad, onDemand, chunks: outputs.length, composition: [...by].map(([part, bytes]) => ({ part, bytes })).sort((a, b) => b.bytes - a.bytes) };
}
