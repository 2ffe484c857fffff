/**
 * Whether a build output is still current, from a stamp written after each build: the exact
 * source files the bundler read (esbuild's metafile inputs, node_modules left out) and when the
 * build started. An output is stale when it is missing, has no stamp, one of its recorded inputs
 * (or its extra inputs: folders and files the bundler does not report, such as a manifest, resx
 * strings or package-lock.json) changed after the build started, or an input was removed.
 * Because a new import is always a change to a recorded file, the stamp never misses one.
 *
 * Stamps live in out/.builds/<name>.json, outside the output folders (every file in a web
 * resource folder becomes a web resource). A stamp that does not parse counts as missing.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, renameSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { Metafile } from "esbuild";

export interface BuildStamp {
  /** Source files the build read, relative to the repository. */
  inputs: string[];
  /** Epoch ms when the build started: a source changed after this makes the output stale. */
  startedAt: number;
}

const SKIP_DIRS = new Set(["generated", "node_modules", "obj", "out"]);

function newestUnder(path: string): { mtime: number; file: string } {
  const st = statSync(path);
  if (!st.isDirectory()) return { mtime: st.mtimeMs, file: path };
  let best = { mtime: 0, file: path };
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.isDirectory() && SKIP_DIRS.has(e.name)) continue;
    const n = newestUnder(join(path, e.name));
    if (n.mtime > best.mtime) best = n;
  }
  return best;
}

export class Freshness {
  constructor(
    private readonly root: string,
    private readonly name: string,
  ) {}

  get stampFile(): string {
    return join(this.root, "out", ".builds", `${this.name}.json`);
  }

  private readStamp(): BuildStamp | null {
    try {
      const s = JSON.parse(readFileSync(this.stampFile, "utf8")) as BuildStamp;
      return Array.isArray(s.inputs) && typeof s.startedAt === "number" ? s : null;
    } catch {
      return null;
    }
  }

  /** Why the outputs must be (re)built, or null when they are current. */
  staleReason(outputs: readonly string[], extraInputs: readonly string[]): string | null {
    const missing = outputs.find((o) => !existsSync(o));
    if (missing) return `${relative(this.root, missing)} does not exist yet`;
    const stamp = this.readStamp();
    if (!stamp) return "no record of the sources of the last build";
    for (const input of [...stamp.inputs.map((i) => join(this.root, i)), ...extraInputs]) {
      if (!existsSync(input)) return `${relative(this.root, input)} was removed since the last build`;
      const n = newestUnder(input);
      if (n.mtime > stamp.startedAt) return `${relative(this.root, n.file)} changed since the last build`;
    }
    return null;
  }

  /** Records what a build that started at `startedAt` read (absolute or repository-relative paths). */
  write(inputs: readonly string[], startedAt: number): void {
    const rel = [...new Set(inputs.map((i) => relative(this.root, isAbsolute(i) ? i : resolve(this.root, i))))].filter((i) => !i.split(/[\\/]/).includes("node_modules")).sort();
    const stamp: BuildStamp = { inputs: rel, startedAt };
    mkdirSync(dirname(this.stampFile), { recursive: true });
    const tmp = `${this.stampFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(stamp, null, 1) + "\n");
    renameSync(tmp, this.stampFile);
  }
}

/** The source files of an esbuild metafile (its paths are relative to the working directory), as absolute paths. */
export function metafileInputs(metafile: Metafile | undefined, cwd: string = process.cwd()): string[] {
  if (!metafile) throw new Error("esbuild returned no metafile; build with metafile: true");
  return Object.keys(metafile.inputs)
    .filter((p) => !/^[a-z][\w-]*:(?![\\/])/i.test(p) && !p.startsWith("<")) // virtual modules such as "<stdin>" or "ns:path"
    .map((p) => resolve(cwd, p));
}
