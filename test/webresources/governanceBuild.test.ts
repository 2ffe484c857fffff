/**
 * The Governance Center's production build, split for a light first load: index.html loads
 * index.js as an ES module; every chunk it reaches (statically or on demand) is a file of the
 * build, so the solution packages it as a web resource under a valid name; the first load carries
 * neither the tabs that load on demand nor the engine's scoring libraries; and the rule-pack
 * validator the browser builds carry (ajv standalone code) judges packs exactly as ajv does in Node.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { runInNewContext } from "node:vm";
import { build, type Metafile } from "esbuild";
import type { ValidateFunction } from "ajv";
import { buildGovernanceCenter } from "../../plugins-ts/webresources/governance/build";
import { standaloneValidatorSource } from "../../plugins-ts/webresources/standaloneValidator";
import { compilePackSchemaValidator } from "../../plugins-ts/engine/pack/schemaValidator";
import { defaultRulePack } from "../../plugins-ts/engine";
import { governanceLoads } from "../../bench/panel/governance";

const ROOT = join(__dirname, "..", "..");

/** Sources of the files index.js loads before the page can render, by output file. */
function firstLoadInputs(meta: Metafile): string[] {
  const entry = Object.keys(meta.outputs).find((f) => basename(f) === "index.js")!;
  const seen = new Set<string>();
  const walk = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of meta.outputs[f].imports) if (i.kind === "import-statement") walk(i.path);
  };
  walk(entry);
  return [...seen].flatMap((f) => Object.keys(meta.outputs[f].inputs));
}

describe("the Governance Center's split build", () => {
  let outdir: string;
  let meta: Metafile;
  beforeAll(async () => {
    const r = await buildGovernanceCenter({ outdir: mkdtempSync(join(tmpdir(), "vitals-gc-split-")) });
    outdir = r.outdir;
    meta = r.result.metafile!;
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("index.html loads index.js as a module, and every chunk any file imports is in the folder under a web-resource name", () => {
    expect(readFileSync(join(outdir, "index.html"), "utf8")).toContain('<script type="module" src="index.js"></script>');
    const outputs = Object.keys(meta.outputs);
    expect(outputs.length).toBeGreaterThan(5);
    for (const f of outputs) {
      expect(basename(f)).toMatch(/^[A-Za-z0-9_]+\.js$/);
      expect(existsSync(join(outdir, basename(f)))).toBe(true);
      for (const i of meta.outputs[f].imports) expect(existsSync(join(outdir, basename(i.path)))).toBe(true);
    }
  });

  it("the first load has neither the tabs that load on demand nor the scoring libraries; they are chunks of their own", () => {
    const first = firstLoadInputs(meta);
    for (const lazy of ["ResultsView.tsx", "WaiversView.tsx", "RulePackView.tsx", "ReadinessView.tsx", "InsightsView.tsx", "SchedulesView.tsx", "audit/run.ts"]) {
      expect(first.some((p) => p.endsWith(lazy))).toBe(false);
      expect(Object.values(meta.outputs).some((o) => Object.keys(o.inputs).some((p) => p.endsWith(lazy)))).toBe(true);
    }
    for (const pkg of ["node_modules/tldts/", "node_modules/libphonenumber-js/", "node_modules/ajv/lib/", "node_modules/ajv/dist/compile/"]) expect(first.filter((p) => p.includes(pkg))).toEqual([]);
    expect(first.some((p) => p.endsWith("AuditView.tsx"))).toBe(true);
    const loads = governanceLoads(meta, outdir);
    expect(loads.onDemand.find((c) => c.what.includes("tldts"))).toBeDefined();
  });
});

describe("the standalone rule-pack validator", () => {
  let standalone: ValidateFunction;
  beforeAll(async () => {
    const r = await build({ stdin: { contents: standaloneValidatorSource(), resolveDir: ROOT, loader: "js" }, bundle: true, format: "cjs", platform: "node", write: false, logLevel: "error" });
    const mod = { exports: {} as { compilePackSchemaValidator?: () => ValidateFunction } };
    runInNewContext(r.outputFiles[0].text, { module: mod, exports: mod.exports });
    standalone = mod.exports.compilePackSchemaValidator!();
  });

  const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(defaultRulePack())) as Record<string, unknown>;
  const rules = (p: Record<string, unknown>) => p.rules as Record<string, unknown>[];
  const cases: [string, () => unknown][] = [
    ["the default pack", good],
    ["no version", () => ({ ...good(), version: undefined })],
    ["an unknown property", () => ({ ...good(), colour: "red" })],
    ["an unknown check type", () => { const p = good(); rules(p)[0].check = { type: "telepathy" }; return p; }],
    ["a bad severity and weight", () => { const p = good(); Object.assign(rules(p)[1], { severity: "apocalyptic", weight: -3 }); return p; }],
    ["not an object", () => "rules"],
  ];

  it.each(cases)("%s: the same verdict and the same errors as ajv", (name, make) => {
    const ajv = compilePackSchemaValidator();
    const data = make();
    expect(ajv(data)).toBe(name === "the default pack");
    expect(standalone(data)).toBe(ajv(data));
    expect(standalone.errors ?? null).toEqual(ajv.errors ?? null);
  });
});
