/**
 * Speed and memory of the matcher's preparation stage alone:
 * `tsx bench/dedupe/prepare.ts <records> [seed] [contacts|accounts]`.
 * Generates the records in pages (as speed.ts does), prepares each page with `prepareInto` and
 * drops it, then prints one JSON line: CPU seconds of preparing (the generator's CPU, measured
 * around each page, taken out), the generator's CPU, and the heap still used by the prepared
 * records after a full collection when node runs with `--expose-gc` (null without it). Use it to
 * compare preparation changes quickly; the whole matcher is measured by speed.ts. Pure apart
 * from stdout.
 */
import { prepareInto, type PreparedRecord } from "../../plugins-ts/engine/duplicates";
import { contactPages } from "./generate";
import { organisationPages } from "./organisations";

function main(): void {
  const n = Number(process.argv[2] ?? "100000");
  const seed = Number(process.argv[3] ?? "42");
  const kind = process.argv[4] ?? "contacts";
  if (!Number.isInteger(n) || n < 2 || (kind !== "contacts" && kind !== "accounts")) {
    throw new Error(`usage: prepare.ts <records> [seed] [contacts|accounts], got "${process.argv.slice(2).join(" ")}"`);
  }
  const table = kind === "contacts" ? "contact" : "account";
  const cpuNow = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const entity = new Int32Array(n);
  const pages = kind === "contacts" ? contactPages(n, seed, entity) : organisationPages(n, "address-rich", seed, entity);
  const out: PreparedRecord[] = [];
  let generateCpu = 0;
  const t0 = cpuNow();
  for (;;) {
    const c0 = cpuNow();
    const next = pages.next();
    generateCpu += cpuNow() - c0;
    if (next.done) break;
    prepareInto(out, table, next.value, { region: "US" }, n);
  }
  const total = cpuNow() - t0;
  const gc = (globalThis as { gc?: () => void }).gc;
  let heapMB: number | null = null;
  if (gc) {
    gc();
    heapMB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  }
  process.stdout.write(
    `${JSON.stringify({
      records: out.length,
      kind,
      seed,
      prepareCpuSeconds: +(total - generateCpu).toFixed(2),
      generateCpuSeconds: +generateCpu.toFixed(2),
      heapUsedMBAfterGc: heapMB,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

main();
