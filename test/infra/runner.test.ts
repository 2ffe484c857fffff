/**
 * The runner's deployment, checked offline: the Bicep parses, names only real resource types and
 * API versions, refers only to what it declares, and deploys a scheduled Container Apps job with a
 * user-assigned identity and Log Analytics and no secret; the Dockerfile builds a small, non-root
 * image whose entry point — bundled here the way the Dockerfile bundles it — really runs.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { parseBicep, tokenize, type Declaration } from "./bicep";
import known from "./azure-resource-types.json";

const ROOT = join(__dirname, "..", "..");
const read = (p: string): string => readFileSync(join(ROOT, p), "utf8");

describe("infra/runner.bicep", () => {
  const decls = parseBicep(read("infra/runner.bicep"));
  const byKind = (k: Declaration["keyword"]): Declaration[] => decls.filter((d) => d.keyword === k);
  const resource = (type: string): Declaration => {
    const d = byKind("resource").find((r) => r.type?.startsWith(`${type}@`));
    if (!d) throw new Error(`no ${type}`);
    return d;
  };
  const text = (d: Declaration): string => d.body.map((t) => (t.kind === "string" ? `'${t.text}'` : t.text)).join(" ");

  it("parses, and the reader refuses what Bicep would", () => {
    expect(byKind("resource").length).toBeGreaterThanOrEqual(4);
    expect(() => parseBicep("param a string\nresource x 'A/b@2020-01-01' = {\n  name: 'x'\n")).toThrow(/"\{" is never closed/);
    expect(() => tokenize("var a = 'open")).toThrow(/line 1: string is not terminated/);
    expect(() => parseBicep("var a = [1, 2}\n")).toThrow(/"}" does not match "\["/);
    expect(() => parseBicep("resorce x 'A/b@1' = {}\n")).toThrow(/"resorce" does not start a declaration/);
  });

  it("names only resource types and API versions from Microsoft's template reference", () => {
    const allowed = new Set(known.types.map((t) => `${t.type}@${t.apiVersion}`));
    for (const r of byKind("resource")) expect({ resource: r.name, type: r.type, known: allowed.has(r.type ?? "") }).toEqual({ resource: r.name, type: r.type, known: true });
    expect(() => {
      const unknown = parseBicep("resource j 'Microsoft.App/job@2024-03-01' = {}\n")[0];
      if (!allowed.has(unknown.type!)) throw new Error(`unknown type ${unknown.type}`);
    }).toThrow(/unknown type Microsoft.App\/job@/);
  });

  it("refers only to what it declares, and uses every parameter", () => {
    const declared = new Set(decls.filter((d) => d.keyword !== "output").map((d) => d.name));
    for (const d of decls) for (const ref of d.references) expect({ in: d.name, ref, declared: declared.has(ref) }).toEqual({ in: d.name, ref, declared: true });
    const used = new Set(decls.flatMap((d) => d.references));
    for (const p of byKind("param")) expect({ param: p.name, used: used.has(p.name) }).toEqual({ param: p.name, used: true });
  });

  it("deploys a scheduled job every few minutes with a user-assigned identity, parallel replicas and Log Analytics, and no secret", () => {
    const job = text(resource("Microsoft.App/jobs"));
    expect(job).toMatch(/triggerType : 'Schedule'/);
    expect(job).toMatch(/scheduleTriggerConfig : \{ .*cronExpression : cronExpression .*parallelism : parallelism/s);
    expect(job).toMatch(/type : 'UserAssigned'/);
    expect(job).toMatch(/environmentId : environment \. id/);
    expect(text(resource("Microsoft.App/managedEnvironments"))).toMatch(/destination : 'log-analytics'.*customerId : logs \. properties \. customerId/s);
    const cron = byKind("param").find((p) => p.name === "cronExpression")!;
    expect(cron.body.find((t) => t.kind === "string")?.text).toBe("*/5 * * * *");
    const args = text(byKind("var").find((v) => v.name === "runnerArgs")!);
    expect(args).toMatch(/'runner' .*'--url' .*dataverseUrl .*'--managed-identity' .*'--client-id' .*identity \. properties \. clientId/s);
    // No secret travels through the template.
    expect(job).not.toMatch(/secrets|secretRef|password|clientSecret/i);
    for (const p of byKind("param")) expect(p.name).not.toMatch(/secret|password|key/i);
    expect(byKind("output").map((o) => o.name)).toEqual(expect.arrayContaining(["identityClientId", "identityPrincipalId"]));
  });
});

describe("the Dockerfile", () => {
  const docker = read("Dockerfile");
  const lines = docker.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const stages = docker.split(/^FROM /m).slice(1);
  const final = stages[stages.length - 1];

  it("builds on a slim Node 20 base and runs as a user that is not root, with no secret inside", () => {
    for (const from of lines.filter((l) => l.startsWith("FROM "))) expect(from).toMatch(/^FROM node:20(\.\d+)*-[a-z]+-slim\b/);
    expect(final).toMatch(/^USER node$/m);
    expect(final).not.toMatch(/^USER (root|0)\b/m);
    for (const l of lines.filter((x) => /^(ENV|ARG) /.test(x))) expect(l).not.toMatch(/secret|password|token|key/i);
    expect(docker).not.toMatch(/AZURE_CLIENT_SECRET|--client-secret/);
    const ignore = read(".dockerignore").split("\n");
    expect(ignore).toEqual(expect.arrayContaining([".env", ".env.*", "node_modules", ".git"]));
  });

  it("copies only what exists, and its entry point, bundled as the Dockerfile bundles it, runs the runner", () => {
    for (const l of lines.filter((x) => x.startsWith("COPY ") && !x.includes("--from="))) {
      for (const src of l.split(/\s+/).slice(1, -1)) expect({ src, exists: existsSync(join(ROOT, src)) }).toEqual({ src, exists: true });
    }
    const bundle = /npx esbuild (\S+) --bundle --platform=node --target=(node\d+)/.exec(docker);
    expect(bundle).not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), "vitals-image-"));
    try {
      const outfile = join(dir, "vitals.cjs");
      buildSync({ entryPoints: [join(ROOT, bundle![1])], bundle: true, platform: "node", target: bundle![2], outfile, logLevel: "error", absWorkingDir: ROOT });
      // Run from an empty folder, as in the image: no node_modules, no sources.
      const help = execFileSync(process.execPath, [outfile, "runner", "--help"], { cwd: dir, encoding: "utf8" });
      expect(help).toMatch(/Run the due audit schedules/);
      expect(help).toMatch(/--managed-identity/);
      const err = (() => {
        try {
          execFileSync(process.execPath, [outfile, "runner"], { cwd: dir, encoding: "utf8", stdio: "pipe" });
          return "";
        } catch (e) {
          return String((e as { stderr?: string }).stderr);
        }
      })();
      expect(err).toMatch(/vitals: name the organisation with --url <org url>, or use --demo/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
