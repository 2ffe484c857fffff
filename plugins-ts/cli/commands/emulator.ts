import { InvalidArgumentError, Option, type Command } from "commander";
import type { FaultSettings } from "../../../sandbox/emulator";
import { loadSandbox } from "../demoLoader";
import { UserError } from "../errors";
import { writeFileAtomicSync } from "../io/atomic";

function int(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number between ${min} and ${max} (got '${v}').`);
    return n;
  };
}
function rate(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be a number between 0 and 1 (got '${v}').`);
    return n;
  };
}

interface Opts {
  port: number;
  data: "demo" | "empty";
  size: number;
  seed: number;
  now?: string;
  throttle: boolean;
  maxRequests?: number;
  latency?: string;
  errorRate?: number;
  dropRate?: number;
  faultSeed?: number;
  groundTruth?: string;
}

/** `vitals emulator`: a local Dataverse Web API with the demo organisation, until Ctrl-C. */
export function register(program: Command): void {
  program
    .command("emulator")
    .description("Start a local Dataverse Web API emulator (127.0.0.1 only) loaded with the demo organisation; prints the base URL and the demo users' bearer tokens and runs until Ctrl-C")
    .option("-p, --port <port>", "TCP port on 127.0.0.1 (0 = any free port)", int("--port", 0, 65535), 5555)
    .addOption(new Option("--data <data>", "what to load: the generated demo organisation, or only users, processes and configuration").choices(["demo", "empty"]).default("demo"))
    .option("--size <n>", "records of account + contact + lead + opportunity together (100 – 2,000,000; above ~1,500,000 start node with --max-old-space-size=8192)", int("--size", 100, 2_000_000), 2000)
    .option("--seed <n>", "seed of the demo organisation: same seed + size + now gives the same data and the same tokens", int("--seed", 0, 2 ** 31 - 1), 1)
    .option("--now <date>", "reference date the demo data is generated around (ISO-8601, default today 00:00 UTC)")
    .option("--no-throttle", "switch off the service protection limits (default: 6,000 requests / 1,200 s execution time / 52 concurrent per user per 5 minutes)")
    .option("--max-requests <n>", "service protection: requests per user per 5-minute window", int("--max-requests", 1, 10_000_000))
    .option("--latency <min-max>", "fault injection: extra latency per request in milliseconds, e.g. 20-200")
    .option("--error-rate <r>", "fault injection: share of requests answered 503 (0–1)", rate("--error-rate"))
    .option("--drop-rate <r>", "fault injection: share of requests whose connection is dropped (0–1)", rate("--drop-rate"))
    .option("--fault-seed <n>", "seed of the fault injection (same seed → same faults for the same request order)", int("--fault-seed", 0, 2 ** 31 - 1))
    .option("--ground-truth <file>", "write the demo organisation's ground-truth manifest (every injected defect) to this JSON file")
    .action(async (opts: Opts) => {
      let now: Date | undefined;
      if (opts.now !== undefined) {
        now = new Date(opts.now);
        if (Number.isNaN(now.getTime())) throw new UserError(`--now '${opts.now}' is not an ISO-8601 date (e.g. 2026-01-31).`);
      }
      let faults: FaultSettings | undefined;
      if (opts.latency !== undefined || opts.errorRate !== undefined || opts.dropRate !== undefined) {
        faults = { seed: opts.faultSeed ?? opts.seed };
        if (opts.latency !== undefined) {
          const m = /^(\d+)(?:-(\d+))?$/.exec(opts.latency);
          if (!m) throw new UserError(`--latency '${opts.latency}' must be milliseconds or a range like 20-200.`);
          faults.latencyMs = [Number(m[1]), Number(m[2] ?? m[1])];
          if (faults.latencyMs[1] < faults.latencyMs[0]) throw new UserError(`--latency '${opts.latency}': the maximum is below the minimum.`);
        }
        if (opts.errorRate !== undefined) faults.error503Rate = opts.errorRate;
        if (opts.dropRate !== undefined) faults.dropRate = opts.dropRate;
      }
      const started = Date.now();
      const { startEmulator } = loadSandbox.emulator();
      let emu;
      try {
        emu = await startEmulator({
          port: opts.port, data: opts.data, size: opts.size, seed: opts.seed, now,
          throttle: opts.throttle ? (opts.maxRequests ? { maxRequests: opts.maxRequests } : {}) : false, faults,
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === "EADDRINUSE") throw new UserError(`port ${opts.port} on 127.0.0.1 is already in use; choose another with --port (0 = any free port).`);
        throw e;
      }
      if (opts.groundTruth) writeFileAtomicSync(opts.groundTruth, JSON.stringify(emu.groundTruth, null, 1));
      const gt = emu.groundTruth;
      const out = process.stdout;
      out.write(`CRM Vitals Dataverse emulator (demo organisation: size ${gt.size}, seed ${gt.seed}, now ${gt.now}; loaded in ${((Date.now() - started) / 1000).toFixed(1)} s)\n\n`);
      out.write(`  Base URL      ${emu.baseUrl}\n`);
      out.write(`  Admin token   ${emu.adminToken}\n\n`);
      out.write(`  Users (Authorization: Bearer <token>):\n`);
      for (const u of emu.users) {
        out.write(`    ${u.key.padEnd(9)} ${u.fullname.padEnd(20)} ${u.role.padEnd(48)} ${u.isdisabled ? "(disabled) " : ""}${u.token}\n`);
      }
      out.write(`\n  Try:  curl -H "Authorization: Bearer ${emu.adminToken}" "${emu.baseUrl}WhoAmI"\n`);
      out.write(`        curl -H "Authorization: Bearer ${emu.adminToken}" -H 'Prefer: odata.include-annotations="*"' "${emu.baseUrl}accounts?\\$select=name,websiteurl&\\$top=3"\n`);
      out.write(`  Stats: ${emu.orgUrl}_emulator/stats   ${opts.groundTruth ? `Ground truth: ${opts.groundTruth}` : ""}\n\nPress Ctrl-C to stop.\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void emu.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
