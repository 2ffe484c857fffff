/**
 * Where an incremental audit's requests go: a full audit of a demo organisation in an embedded
 * emulator, 1 % of the records changed, then an incremental audit whose every HTTP request is
 * listed (method, path, and for a `$batch` the operations inside it) through a logging proxy,
 * with the milliseconds until the emulator (in this process, no latency) answered: where its work
 * goes. bench/audit/run.ts times whole runs.
 *
 *   npx tsx bench/audit/trace.ts --size 3000
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { startEmulator } from "../../sandbox/emulator";
import { runAudit } from "../../plugins-ts/audit/run";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import { defaultRulePack } from "../../plugins-ts/engine";

const i = process.argv.indexOf("--size");
const SIZE = i > 0 ? Number(process.argv[i + 1]) : 3000;
const TABLES = ["account", "contact", "lead", "opportunity"];

/** One line per request: "GET contacts?$filter=…" or "$batch: 3 × GET, 2 × PATCH (changeset)". */
function describe(method: string, url: string, body: string): string {
  if (!url.includes("$batch")) return `${method} ${decodeURIComponent(url.replace(/^\/api\/data\/v9\.2\//, "")).slice(0, 150)}`;
  const ops = [...body.matchAll(/^(GET|POST|PATCH|PUT|DELETE) (\S+)/gm)].map((m) => `${m[1]} ${decodeURIComponent(m[2]).replace(/^.*\/v9\.2\//, "").split("?")[0]}`);
  return `$batch of ${ops.length}${body.includes("changeset") ? " (changeset)" : ""}: ${[...new Set(ops)].join(", ").slice(0, 300)}`;
}

async function main(): Promise<void> {
  const now = new Date("2026-11-23T12:00:00Z");
  const emu = await startEmulator({ data: "demo", size: SIZE, seed: 1, now, throttle: false });
  const target = new URL(emu.orgUrl);
  const log: string[] = [];
  let tracing = false;
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const entry = tracing ? log.push(describe(req.method ?? "GET", req.url ?? "", body.toString("utf8"))) - 1 : -1;
      const started = process.hrtime.bigint();
      const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 500, r.headers);
        r.pipe(res);
        // the emulator shares this process: the time to its response's headers is its work on the request
        if (entry >= 0) log[entry] = `${String(Number((process.hrtime.bigint() - started) / 1_000_000n)).padStart(6)} ms  ${log[entry]}`;
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const gateway = createWebApiGateway({ serverUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`, token: () => emu.adminToken });
  try {
    const pack = defaultRulePack();
    await runAudit({ gateway, pack, scope: { tables: TABLES }, mode: "full", now });
    const stamp = new Date(now.getTime() + 3_600_000).toISOString();
    for (const t of TABLES) emu.store.rows(t).forEach((r, n) => n % 100 === 0 && emu.store.update(t, String(r[`${t}id`]), { description: `edited ${stamp}`, modifiedon: stamp }));
    tracing = true;
    const inc = await runAudit({ gateway: createWebApiGateway({ serverUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`, token: () => emu.adminToken }), pack, scope: { tables: TABLES }, mode: "incremental", now: new Date(now.getTime() + 7_200_000) });
    log.forEach((l, n) => process.stdout.write(`${String(n + 1).padStart(3)} ${l}\n`));
    process.stdout.write(`\n${inc.mode} run, ${inc.status}: ${inc.recordsScanned} records scanned, ${inc.requests} requests counted by the audit, ${log.length} seen by the proxy\n`);
  } finally {
    proxy.close();
    await emu.close();
  }
}

void main();
