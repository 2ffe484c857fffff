/** Runs the real `vitals` command in a child process, as a user would. */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const VITALS = join(__dirname, "..", "..", "plugins-ts", "cli", "vitals.cjs");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [VITALS, ...args],
      { cwd: opts.cwd, env: { ...process.env, CI: "true", ...opts.env }, maxBuffer: 256 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A fresh temporary folder with the given files written into it. */
export function tempFiles(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), "vitals-test-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export interface RunningDemo {
  /** Everything printed on stdout up to "Press Ctrl-C" (what the user sees once it is ready). */
  stdout: string;
  stderr: () => string;
  /** Ctrl-C: resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** Starts `vitals demo <args>` in a child process and resolves once it says it is ready; rejects if it exits first. */
export async function startDemoCli(args: string[]): Promise<RunningDemo> {
  const child = spawn(process.execPath, [VITALS, "demo", ...args], { env: { ...process.env, CI: "true" } });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
  await new Promise<void>((ok, fail) => {
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes("Press Ctrl-C")) ok();
    });
    void exited.then((code) => fail(new Error(`vitals demo exited with ${code} before it was ready:\n${stdout}\n${stderr}`)));
  });
  return {
    stdout,
    stderr: () => stderr,
    stop: () => {
      child.kill("SIGINT");
      return exited;
    },
  };
}
