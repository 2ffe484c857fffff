/**
 * Builds the production RecordVitals bundle when it is missing or older than any source it is
 * built from (controls/, the engine and client it bundles, pcf.config.json), with
 * `node controls/pcf.cjs build`, and the engine-libraries web resource it loads (vitals.libs.js,
 * esbuild, a second or two) when that is missing or older than the engine.
 * Concurrent callers in one process share one build; other processes wait on a lock directory, so
 * two builds never race on the same out folder.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE, CONTROL_DIR, ENGINE_LIBS, ROOT } from "./assets";
import { buildEngineLibs } from "../../plugins-ts/webresources/formscript/build";

/** Folders and files whose change makes the bundle stale. */
const SOURCES = [CONTROL_DIR, join(ROOT, "plugins-ts", "engine"), join(ROOT, "plugins-ts", "client"), join(ROOT, "pcf.config.json")];
const SKIP_DIRS = new Set(["generated", "node_modules", "out"]);
const LOCK = join(ROOT, "out", ".recordvitals-build.lock");
/** A lock older than this is left over from a killed build. */
const STALE_LOCK_MS = 10 * 60_000;

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.isDirectory() && SKIP_DIRS.has(e.name)) continue;
    if (!e.isDirectory() && !/\.(tsx?|json|resx|xml|cjs)$/.test(e.name)) continue;
    newest = Math.max(newest, newestMtime(join(path, e.name)));
  }
  return newest;
}

/** Why the bundle must be (re)built, or null when it is up to date. */
export function bundleStaleReason(): string | null {
  if (!existsSync(BUNDLE)) return "out/controls/RecordVitals/bundle.js does not exist yet";
  const built = statSync(BUNDLE).mtimeMs;
  const newest = Math.max(...SOURCES.map(newestMtime));
  return newest > built ? "sources changed since the last build" : null;
}

export interface BuildOptions {
  /** Build even when the bundle is up to date. */
  force?: boolean;
  /** Each line pcf-scripts prints (default: dropped). */
  onLine?: (line: string) => void;
}

export interface BuildResult {
  built: boolean;
  reason: string | null;
  ms: number;
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function withLock<T>(fn: () => Promise<T>, onLine?: (line: string) => void): Promise<T> {
  mkdirSync(join(ROOT, "out"), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (!waited) onLine?.("another build of RecordVitals is running; waiting for it");
      waited = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function runBuild(onLine?: (line: string) => void): Promise<void> {
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

let inProcess: Promise<BuildResult> | undefined;

/** Builds the production bundle if it is missing or stale (or `force`); one build per process at a time. */
export function ensureControlBundle(opts: BuildOptions = {}): Promise<BuildResult> {
  if (inProcess) return inProcess;
  const started = Date.now();
  inProcess = withLock(async () => {
    // Re-check under the lock: another process may just have built it.
    const reason = opts.force ? "a build was asked for" : bundleStaleReason();
    if (opts.force || !existsSync(ENGINE_LIBS) || newestMtime(join(ROOT, "plugins-ts", "engine")) > statSync(ENGINE_LIBS).mtimeMs) {
      opts.onLine?.("building the engine libraries web resource (vitals.libs.js)");
      await buildEngineLibs();
    }
    if (reason === null) return { built: false, reason, ms: Date.now() - started };
    opts.onLine?.(`building RecordVitals (${reason})`);
    await runBuild(opts.onLine);
    return { built: true, reason, ms: Date.now() - started };
  }, opts.onLine).finally(() => {
    inProcess = undefined;
  });
  return inProcess;
}
