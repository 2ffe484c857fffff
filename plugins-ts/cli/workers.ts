/**
 * Worker processes on this machine for `vitals audit --partitions N --workers M`: each is the
 * `vitals audit-worker` command in a child process, signed in the way this process was (the
 * client secret travels in the environment, never on the command line), its output prefixed
 * with its number. Failure modes: an interactive sign-in (device code) is refused, since a
 * worker has no one to ask; a worker that exits with an error is reported, and its partition is
 * finished by another worker once its lease ends.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { ConnectionCliOptions } from "./connection";
import { UserError } from "./errors";

const VITALS = join(__dirname, "vitals.cjs");

/** The sign-in options a worker needs to reach the same organisation as the same principal. */
export function workerConnectionArgs(o: ConnectionCliOptions, orgUrl: string, emulatorToken?: string): string[] {
  if (emulatorToken) return ["--url", orgUrl, "--token", emulatorToken];
  if (o.deviceCode) throw new UserError("--workers: worker processes cannot sign in with a device code; use a managed identity, a service principal, --azure-cli or --token");
  const args = ["--url", orgUrl];
  if (o.token) args.push("--token", o.token);
  if (o.tenantId) args.push("--tenant-id", o.tenantId);
  if (o.clientId) args.push("--client-id", o.clientId);
  if (o.managedIdentity) args.push("--managed-identity");
  if (o.federatedAppId) args.push("--federated-app-id", o.federatedAppId);
  if (o.azureCli) args.push("--azure-cli");
  return args;
}

/** Starts `count` workers with `args` (audit-worker's options); resolves when all have exited. */
export function startWorkerProcesses(count: number, args: readonly string[], log: (line: string) => void, clientSecret?: string): Promise<void> {
  const exits = Array.from({ length: count }, (_, i) => {
    const child = spawn(process.execPath, [VITALS, "audit-worker", ...args, "--worker-id", `${process.pid}-worker-${i + 1}`], {
      env: { ...process.env, ...(clientSecret ? { AZURE_CLIENT_SECRET: clientSecret } : {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const prefix = `worker ${i + 1}: `;
    const relay = (chunk: Buffer): void => {
      for (const line of chunk.toString().split("\n")) if (line.trim()) log(prefix + line);
    };
    child.stdout.on("data", relay);
    child.stderr.on("data", relay);
    return new Promise<void>((ok) =>
      child.on("exit", (code, signal) => {
        if (code !== 0) log(`${prefix}exited with ${signal ?? `code ${code}`}; another worker finishes its partition once its lease ends`);
        ok();
      }),
    );
  });
  return Promise.all(exits).then(() => undefined);
}
