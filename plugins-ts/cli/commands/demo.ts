import { stripVTControlCharacters } from "node:util";
import { InvalidArgumentError, type Command } from "commander";
import { loadSandbox } from "../demoLoader";
import { UserError } from "../errors";

function int(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number between ${min} and ${max} (got '${v}').`);
    return n;
  };
}

interface Opts {
  port: number;
  size: number;
  seed: number;
  now?: string;
  build: boolean;
  history: boolean;
}

/** Builds what the sandbox serves that is missing or stale (all three side by side), reusing the rest. */
async function buildAll(host: ReturnType<typeof loadSandbox.host>, err: NodeJS.WriteStream): Promise<void> {
  const stale = host.BUILD_TARGETS.map((t) => ({ t, reason: host.staleReason(t) })).filter((x) => x.reason !== null);
  if (!stale.length) {
    err.write("Reusing the builds of the RecordVitals control, the form script and the Governance Center (sources unchanged).\n");
    return;
  }
  err.write(`Building ${stale.map((x) => `${x.t} (${x.reason})`).join(", ")}; this takes about a minute the first time…\n`);
  let lines = 0;
  const results = await host.ensureSandboxBuilds({
    onLine: (line) => {
      lines++;
      // pcf-scripts prints its phases as "[1:17:25 AM] [build] Validating manifest..."; show those
      // and errors, not webpack's module statistics and size warnings.
      const plain = stripVTControlCharacters(line).trim();
      if (/\[build\]|\berror\b|ERROR in/i.test(plain)) err.write(`  ${plain}\n`);
      else if (err.isTTY && lines % 20 === 0) err.write(".");
    },
  }).catch((e: Error) => {
    throw new UserError(`${e.message}\n\nFix the build, or start with --no-build to use the builds that are there.`);
  });
  const built = results.filter((r) => r.built);
  err.write(`Built ${built.map((r) => `${r.label} in ${(r.ms / 1000).toFixed(1)} s`).join(", ")}${built.length < results.length ? `; reused ${results.filter((r) => !r.built).map((r) => r.label).join(", ")}` : ""}.\n`);
}

/** `vitals demo` (what `npm start` runs): emulator + demo organisation + the sandbox host pages, until Ctrl-C. */
export function register(program: Command): void {
  program
    .command("demo")
    .description(
      "Start the sandbox: build the RecordVitals control, the form script and the Governance Center when missing or changed, start the Dataverse emulator with the demo organisation and a page on 127.0.0.1 that lists its records and opens them on a form with the real panel; runs until Ctrl-C",
    )
    .option("-p, --port <port>", "port of the sandbox page on 127.0.0.1 (the next free one is used when it is taken; 0 = any free port)", int("--port", 0, 65535), 8080)
    .option("--size <n>", "records of account + contact + lead + opportunity in the demo organisation (100 – 200,000)", int("--size", 100, 200_000), 2000)
    .option("--seed <n>", "seed of the demo organisation: the same seed, size and --now give the same data and tokens", int("--seed", 0, 2 ** 31 - 1), 1)
    .option("--now <date>", "reference date the demo data is generated around (ISO-8601, default today 00:00 UTC)")
    .option("--no-history", "start without the demo organisation's six months of audits, waivers, readiness assessment and digests (starts faster)")
    .option("--no-build", "do not build the control, the form script or the Governance Center even if they are missing or older than their sources")
    .action(async (opts: Opts) => {
      let now: Date | undefined;
      if (opts.now !== undefined) {
        now = new Date(opts.now);
        if (Number.isNaN(now.getTime())) throw new UserError(`--now '${opts.now}' is not an ISO-8601 date (e.g. 2026-01-31).`);
      }
      const err = process.stderr;
      const started = Date.now();
      // The sandbox (emulator, host page, builders) is loaded by this command only.
      const host = loadSandbox.host();
      if (!opts.build && host.bundleStaleReason()?.includes("does not exist")) {
        throw new UserError("--no-build: out/controls/RecordVitals/bundle.js does not exist; run without --no-build once (or `node controls/pcf.cjs build`).");
      }
      // The bundlers run in their own processes, side by side with the emulator's start.
      const builds = opts.build ? buildAll(host, err) : Promise.resolve();
      builds.catch(() => undefined);
      err.write(`Starting the emulator with the demo organisation (${opts.size.toLocaleString("en-US")} records, seed ${opts.seed}${opts.history ? ", and its last six months of audits" : ""})…\n`);
      let sb;
      try {
        sb = await host.startSandbox({ size: opts.size, seed: opts.seed, now, port: opts.port, history: opts.history });
      } catch (e) {
        await builds.catch(() => undefined);
        const x = e as NodeJS.ErrnoException;
        if (x.code === "EADDRINUSE") throw new UserError(`port ${opts.port} and the 20 after it on 127.0.0.1 are in use; choose another with --port (0 = any free port).`);
        throw e;
      }
      try {
        await builds;
      } catch (e) {
        await sb.close();
        throw e;
      }
      const emu = sb.emulator;
      const out = process.stdout;
      const gt = emu.groundTruth;
      out.write(`\nCRM Vitals sandbox is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)\n\n`);
      out.write(`  Open            ${sb.url}\n`);
      out.write(`  Web API         ${sb.url}api/data/v9.2/   (proxied to the emulator at ${emu.baseUrl})\n`);
      out.write(`  Demo data       ${gt.size.toLocaleString("en-US")} records, seed ${gt.seed}, generated around ${gt.now.slice(0, 10)}; ${gt.defects.length.toLocaleString("en-US")} injected defects\n`);
      const h = emu.history;
      if (h) out.write(`  History         ${h.runs.length} monthly audits from ${h.dates[0].slice(0, 10)} (score ${h.runs.map((r) => r.overall?.toFixed(1) ?? "–").join(" → ")}), ${h.fixes.length} records fixed, ${h.waivers.length} waivers, 1 readiness assessment\n`);
      out.write("\n");
      out.write(`  Users (pick one on the page; their bearer token is used for every request):\n`);
      for (const u of sb.config.users) out.write(`    ${u.key.padEnd(11)} ${u.fullname.padEnd(20)} ${u.role.split(" (")[0].padEnd(24)} sees ${u.sees}\n`);
      out.write(`\n  What to try:\n`);
      for (const x of sb.config.examples) out.write(`    - ${x.title}\n      ${sb.url}${x.href.slice(1)}\n`);
      const gov = sb.config.governancePage;
      const owner = sb.config.users.find((u) => u.key === "govowner");
      if (gov && owner) out.write(`    - The Governance Center as ${owner.fullname} (also linked from the list page)\n      ${sb.url}${gov.slice(1)}?orgUrl=${encodeURIComponent(sb.url)}&token=${owner.token}\n`);
      else out.write(`    - The Governance Center: not built yet (out/webresources/vit_/governance/index.html); the list page links to it once it is\n`);
      // Listen for Ctrl-C before saying so: a signal that comes right after the line must not kill the process.
      const stopped = new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          err.write("\nStopping the sandbox…\n");
          void sb.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      out.write(`\nPress Ctrl-C to stop.\n`);
      await stopped;
    });
}
