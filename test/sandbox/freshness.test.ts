// What `npm start` rebuilds: an output is reused while the files its last build read are
// unchanged, and rebuilt when one of them (or an extra input) changes, disappears, or the output
// or its stamp is missing.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Freshness, metafileInputs } from "../../sandbox/host/freshness";
import { ensureBuild, staleReason } from "../../sandbox/host/build";

describe("build freshness stamps", () => {
  let root: string;
  const file = (rel: string, text = "x"): string => {
    const p = join(root, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, text);
    return p;
  };
  const age = (p: string, msAgo: number): void => {
    const t = new Date(Date.now() - msAgo);
    utimesSync(p, t, t);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "vitals-fresh-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("is stale until built, current after, and stale again when a source, an extra input or the output changes", () => {
    const f = new Freshness(root, "thing");
    const out = join(root, "out", "thing.js");
    const src = file("src/a.ts");
    const dep = file("node_modules/lib/index.js");
    const extraDir = join(root, "assets");
    const asset = file("assets/strings.resx");
    for (const p of [src, dep, asset]) age(p, 60_000);
    expect(f.staleReason([out], [extraDir])).toBe("out/thing.js does not exist yet");
    file("out/thing.js");
    expect(f.staleReason([out], [extraDir])).toBe("no record of the sources of the last build");
    f.write([src, dep], Date.now() - 1000);
    expect(f.staleReason([out], [extraDir])).toBeNull();

    age(asset, -5_000); // touched after the build started
    expect(f.staleReason([out], [extraDir])).toBe("assets/strings.resx changed since the last build");
    age(asset, 60_000);
    age(src, -5_000);
    expect(f.staleReason([out], [extraDir])).toBe("src/a.ts changed since the last build");
    rmSync(src);
    expect(f.staleReason([out], [extraDir])).toBe("src/a.ts was removed since the last build");
  });

  it("records project files only, relative to the repository, and ignores node_modules", () => {
    const f = new Freshness(root, "thing");
    f.write([join(root, "src", "b.ts"), join(root, "node_modules", "react", "index.js"), "src/a.ts", "src/a.ts"], 1);
    expect(JSON.parse(readFileSync(f.stampFile, "utf8"))).toEqual({ inputs: ["src/a.ts", "src/b.ts"], startedAt: 1 });
  });

  it("a stamp that does not parse counts as missing", () => {
    const f = new Freshness(root, "thing");
    file("out/thing.js");
    file("out/.builds/thing.json", "{not json");
    expect(f.staleReason([join(root, "out", "thing.js")], [])).toBe("no record of the sources of the last build");
  });

  it("reads esbuild's metafile inputs as absolute paths and drops virtual modules", () => {
    const inputs = metafileInputs({ inputs: { "src/a.ts": { bytes: 1, imports: [] }, "<stdin>": { bytes: 1, imports: [] }, "ns:virtual": { bytes: 1, imports: [] } }, outputs: {} }, "/repo");
    expect(inputs).toEqual(["/repo/src/a.ts"]);
    expect(() => metafileInputs(undefined)).toThrow(/no metafile/);
  });
});

describe("the sandbox's builds", () => {
  it("the form script is built when stale and reused when its sources are unchanged", async () => {
    rmSync(new Freshness(join(__dirname, "..", ".."), "formscript").stampFile, { force: true });
    expect(staleReason("formscript")).toMatch(/does not exist yet|no record of the sources/);
    const first = await ensureBuild("formscript");
    expect(first.built).toBe(true);
    expect(staleReason("formscript")).toBeNull();
    const again = await ensureBuild("formscript");
    expect(again).toMatchObject({ built: false, reason: null });
  });
});
