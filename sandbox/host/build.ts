/**
 * Builds what the sandbox serves, each only when it is missing or its sources changed since its
 * last build (see freshness.ts: the exact files each build read are recorded in out/.builds/):
 *
 *   recordvitals  the production RecordVitals bundle (`node controls/pcf.cjs build`), out/controls/RecordVitals/
 *   formscript    the form script, out/webresources/vit_/scripts/recordvitals.form.js
 *   governance    the Governance Center, out/webresources/vit_/governance/
 *
 * Concurrent callers in one process share one build per target; other processes wait on a lock
 * directory per target, so two builds never race on the same out folder. A failed build rejects
 * with the tail of its output and leaves no stamp, so the next start tries again.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { BUNDLE, CONTROL_DIR, GOVERNANCE_PAGE, ROOT, WEBRESOURCES_OUT } from "./assets";
import { Freshness, metafileInputs } from "./freshness";
import { FORM_SCRIPT_PATH, buildFormScript } from "../../plugins-ts/webresources/formscript/build";
import { buildGovernanceCenter } from "../../plugins-ts/webresources/governance/build";

export type BuildTarget = "recordvitals" | "formscript" | "governance";
export const BUILD_TARGETS: readonly BuildTarget[] = ["recordvitals", "formscript", "governance"];

interface TargetDef {
  label: string;
  outputs: string[];
  /** Sources the bundler does not report (manifest, strings, settings, the lock file of node_modules). */
  extraInputs: string[];
  /** Builds and returns the source files it read. */
  run(onLine?: (line: string) => void): Promise<string[]>;
}

const LOCKFILE = join(ROOT, "package-lock.json");

const TARGETS: Record<BuildTarget, TargetDef> = {
  recordvitals: {
    label: "the RecordVitals control",
    outputs: [BUNDLE],
    extraInputs: [join(CONTROL_DIR, "RecordVitals"), join(CONTROL_DIR, "pcf.cjs"), join(ROOT, "pcf.config.json"), LOCKFILE],
    run: async (onLine) => {
      await runPcfBuild(onLine);
      return controlSources();
    },
  },
  formscript: {
    label: "the form script",
    outputs: [join(ROOT, FORM_SCRIPT_PATH)],
    extraInputs: [LOCKFILE],
    run: async () => metafileInputs((await buildFormScript()).result.metafile, ROOT),
  },
  governance: {
    label: "the Governance Center",
    outputs: [join(WEBRESOURCES_OUT, GOVERNANCE_PAGE), join(WEBRESOURCES_OUT, "vit_", "governance", "index.js")],
    extraInputs: [join(ROOT, "plugins-ts", "webresources", "governance", "index.html"), LOCKFILE],
    run: async () => metafileInputs((await buildGovernanceCenter()).result.metafile, ROOT),
  },
};

/** The project files the control's bundle is made of: the TypeScript import graph from its entry (packages left out). */
async function controlSources(): Promise<string[]> {
  const r = await build({
    entryPoints: [join(CONTROL_DIR, "RecordVitals", "index.ts")],
    bundle: true,
    write: false,
    metafile: true,
    packages: "external",
    platform: "browser",
    logLevel: "silent",
    absWorkingDir: ROOT,
  });
  return metafileInputs(r.metafile, ROOT);
}

const freshness = (t: BuildTarget): Freshness => new Freshness(ROOT, t);

/** Why a target must be (re)built, or null when its output is current. */
export function staleReason(target: BuildTarget): string | null {
  const t = TARGETS[target];
  return freshness(target).staleReason(t.outputs, t.extraInputs);
}

/** Why the RecordVitals bundle must be (re)built, or null when it is up to date. */
export function bundleStaleReason(): string | null {
  return staleReason("recordvitals");
}

export interface BuildOptions {
  /** Build even when the output is up to date. */
  force?: boolean;
  /** Each line the build prints (default: dropped). */
  onLine?: (line: string) => void;
}

export interface BuildResult {
  target: BuildTarget;
  label: string;
  built: boolean;
  reason: string | null;
  ms: number;
}

/** A lock older than this is left over from a killed build. */
const STALE_LOCK_MS = 10 * 60_000;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function withLock<T>(target: BuildTarget, fn: () => Promise<T>, onLine?: (line: string) => void): Promise<T> {
  const lock = join(ROOT, "out", ".builds", `${target}.lock`);
  mkdirSync(join(ROOT, "out", ".builds"), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!waited) onLine?.(`another build of ${TARGETS[target].label} is running; waiting for it`);
      waited = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function runPcfBuild(onLine?: (line: string) => void): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(CONTROL_DIR, "pcf.cjs"), "build", "--buildMode", "production"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const feed = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split(/\r?\n/)) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        onLine?.(line);
      }
    };
    child.stdout.on("data", feed);
    child.stderr.on("data", feed);
    child.on("error", fail);
    child.on("close", (code) => {
      if (code === 0 && existsSync(BUNDLE)) ok();
      else fail(new Error(`building RecordVitals failed (node controls/pcf.cjs build exited with ${code}):\n${tail.join("\n")}`));
    });
  });
}

const inProcess = new Map<BuildTarget, Promise<BuildResult>>();

/** Builds a target if its output is missing or stale (or `force`); one build per target and process at a time. */
export function ensureBuild(target: BuildTarget, opts: BuildOptions = {}): Promise<BuildResult> {
  const running = inProcess.get(target);
  if (running) return running;
  const t = TARGETS[target];
  const started = Date.now();
  const p = withLock(
    target,
    async (): Promise<BuildResult> => {
      // Re-check under the lock: another process may just have built it.
      const reason = opts.force ? "a build was asked for" : staleReason(target);
      if (reason === null) return { target, label: t.label, built: false, reason, ms: Date.now() - started };
      opts.onLine?.(`building ${t.label} (${reason})`);
      const f = freshness(target);
      rmSync(f.stampFile, { force: true });
      const buildStarted = Date.now();
      const inputs = await t.run(opts.onLine);
      f.write(inputs, buildStarted);
      return { target, label: t.label, built: true, reason, ms: Date.now() - started };
    },
    opts.onLine,
  ).finally(() => inProcess.delete(target));
  inProcess.set(target, p);
  return p;
}

/** Builds the production RecordVitals bundle if it is missing or stale (or `force`). */
export function ensureControlBundle(opts: BuildOptions = {}): Promise<BuildResult> {
  return ensureBuild("recordvitals", opts);
}

/** Everything the sandbox serves, built side by side (the bundlers run in their own processes). */
export function ensureSandboxBuilds(opts: BuildOptions = {}): Promise<BuildResult[]> {
  return Promise.all(BUILD_TARGETS.map((t) => ensureBuild(t, opts)));
}
