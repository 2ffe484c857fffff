import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { register } from "../../plugins-ts/cli/commands/solution";
import { UserError } from "../../plugins-ts/cli/errors";
import { renderDataModel, renderRoleMatrix, loadSolutionSource } from "../../solution/packager";
import { makeBuildDir, type FixtureBuild } from "./fixtures";

async function run(args: string[]): Promise<{ out: string; err: string }> {
  const program = new Command("vitals").exitOverride();
  register(program);
  let out = "";
  let err = "";
  const o = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const e = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  try {
    await program.parseAsync(args, { from: "user" });
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { out, err };
}

let build: FixtureBuild;
let dist: string;
beforeAll(() => {
  build = makeBuildDir();
  dist = mkdtempSync(join(tmpdir(), "vitals-dist-"));
});
afterAll(() => {
  build.cleanup();
  rmSync(dist, { recursive: true, force: true });
  process.exitCode = 0;
});

describe("vitals solution", () => {
  it("package writes both zips, inspect describes them in words and as JSON", async () => {
    const { out } = await run(["solution", "package", "--out", dist, "--build-dir", build.dir]);
    expect(out).toMatch(/wrote .*CrmVitals_\d+_\d+_\d+_0_managed\.zip \(managed/);
    expect(out).toMatch(/wrote .*CrmVitals_\d+_\d+_\d+_0_unmanaged\.zip \(unmanaged/);
    const managed = out.match(/wrote (\S+_managed\.zip)/)![1];
    const words = (await run(["solution", "inspect", managed])).out;
    expect(words).toMatch(/^CRM Vitals \(CrmVitals\) version \d+\.\d+\.\d+\.0: managed solution$/m);
    expect(words).toContain("12 tables (type 1): account, contact, lead, opportunity, vit_activitygap, vit_auditrun, vit_auditschedule, vit_fixentry, vit_fixrun, vit_readinessassessment, vit_recordhealth, vit_waiver");
    expect(words).toContain("3 security roles (type 20)");
    expect(words).toContain("4 forms (type 60): {1fed44d1-ae68-4a41-bd2b-f13acac4acfa}, {8448b78f-8f42-454e-8e2a-f8196b0419af}");
    expect(words).toContain("1 code component (type 66): vit_CrmVitals.RecordVitals");
    expect(words).toContain("6 environment variable definitions (type 380)");
    expect(words).toContain("Controls/vit_CrmVitals.RecordVitals/bundle.js");
    expect(words).toMatch(/WebResources\/vit_scriptsrecordvitalsformjs\S+\s+\d+ B\s+web resource vit_\/scripts\/recordvitals\.form\.js/);
    expect(words).toContain("No problems found.");
    const json = JSON.parse((await run(["solution", "inspect", "--json", managed.replace("_managed", "_unmanaged")])).out) as { managed: boolean; problems: string[] };
    expect(json.managed).toBe(false);
    expect(json.problems).toEqual([]);
  });

  it("--managed-only builds one zip; the flags exclude each other", async () => {
    const out = mkdtempSync(join(tmpdir(), "vitals-dist-"));
    try {
      const { out: text } = await run(["solution", "package", "--out", out, "--build-dir", build.dir, "--managed-only"]);
      expect(text.trim().split("\n")).toHaveLength(1);
      await expect(run(["solution", "package", "--managed-only", "--unmanaged-only"])).rejects.toThrow(/cannot be used with/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("says when the Governance Center is not built and was left out", async () => {
    const partial = makeBuildDir({ governance: false });
    const out = mkdtempSync(join(tmpdir(), "vitals-dist-"));
    try {
      const { err } = await run(["solution", "package", "--out", out, "--build-dir", partial.dir, "--unmanaged-only"]);
      expect(err).toMatch(/note: Governance Center \(vit_\/governance\/\*\) is not built .*left out of the zips together with the site map entries that open it\. Build it with `npm run build:webresources`/);
    } finally {
      partial.cleanup();
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("missing builds and bad zips are user errors with a clear message", async () => {
    const empty = mkdtempSync(join(tmpdir(), "vitals-empty-"));
    try {
      await expect(run(["solution", "package", "--out", dist, "--build-dir", empty])).rejects.toThrow(UserError);
      await expect(run(["solution", "package", "--out", dist, "--build-dir", empty])).rejects.toThrow(/ControlManifest\.xml .*does not exist: run `node controls\/pcf.cjs build`/);
      await expect(run(["solution", "inspect", join(empty, "nope.zip")])).rejects.toThrow(/cannot read .*nope\.zip: no such file/);
      writeFileSync(join(empty, "x.zip"), "not a zip");
      await expect(run(["solution", "inspect", join(empty, "x.zip")])).rejects.toThrow(/not a zip file/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("the same bytes in any time zone", () => {
    const script = `require("tsx/cjs");const {buildPackages}=require(${JSON.stringify(join(__dirname, "..", "..", "solution", "packager"))});process.stdout.write(require("crypto").createHash("sha256").update(buildPackages(["managed"],{buildDir:${JSON.stringify(build.dir)}})[0].bytes).digest("hex"));`;
    const hash = (tz: string): string => execFileSync(process.execPath, ["-e", script], { env: { ...process.env, TZ: tz }, cwd: join(__dirname, "..", ".."), encoding: "utf8" });
    const utc = hash("UTC");
    expect(utc).toMatch(/^[0-9a-f]{64}$/);
    expect(hash("Pacific/Kiritimati")).toBe(utc);
    expect(hash("America/Los_Angeles")).toBe(utc);
  });

  it("docs/security-roles.md shows exactly the roles the solution ships", async () => {
    const doc = readFileSync(join(__dirname, "..", "..", "docs", "security-roles.md"), "utf8");
    const matrix = renderRoleMatrix(loadSolutionSource());
    expect(doc).toContain(matrix.trim());
    expect((await run(["solution", "roles"])).out).toBe(matrix);
  });

  it("solution/README.md shows the data model the solution ships", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "solution", "README.md"), "utf8");
    expect(readme).toContain(renderDataModel(loadSolutionSource()).trim());
  });
});
