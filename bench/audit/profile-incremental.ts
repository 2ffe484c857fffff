/**
 * Where an incremental audit's CPU goes: a full audit of a demo organisation in an embedded
 * emulator, 1 % of the records changed, then an incremental audit under the V8 inspector's CPU
 * profiler; prints the functions with the most self time (audit and emulator share the process).
 *
 *   npx tsx bench/audit/profile-incremental.ts --size 20000
 */
import { Session } from "node:inspector/promises";
import { startEmulator } from "../../sandbox/emulator";
import { runAudit } from "../../plugins-ts/audit/run";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import { defaultRulePack } from "../../plugins-ts/engine";

const i = process.argv.indexOf("--size");
const SIZE = i > 0 ? Number(process.argv[i + 1]) : 20000;
const TABLES = ["account", "contact", "lead", "opportunity"];

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }

async function main(): Promise<void> {
  const now = new Date("2026-11-23T12:00:00Z");
  const emu = await startEmulator({ data: "demo", size: SIZE, seed: 1, now, throttle: false });
  const gateway = () => createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.adminToken });
  try {
    const pack = defaultRulePack();
    await runAudit({ gateway: gateway(), pack, scope: { tables: TABLES }, mode: "full", now });
    const stamp = new Date(now.getTime() + 3_600_000).toISOString();
    for (const t of TABLES) emu.store.rows(t).forEach((r, n) => n % 100 === 0 && emu.store.update(t, String(r[`${t}id`]), { description: `edited ${stamp}`, modifiedon: stamp }));
    const session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
    const t0 = process.cpuUsage();
    const inc = await runAudit({ gateway: gateway(), pack, scope: { tables: TABLES }, mode: "incremental", now: new Date(now.getTime() + 7_200_000) });
    const cpu = process.cpuUsage(t0);
    const { profile } = await session.post("Profiler.stop");
    const nodes = profile.nodes as ProfileNode[];
    const self = new Map<number, number>();
    const dt = profile.timeDeltas ?? [];
    (profile.samples ?? []).forEach((id: number, k: number) => self.set(id, (self.get(id) ?? 0) + (dt[k] ?? 0)));
    const byFn = new Map<string, number>();
    for (const n of nodes) {
      const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/^.*\/main\//, "")}:${n.callFrame.lineNumber + 1}`;
      byFn.set(key, (byFn.get(key) ?? 0) + (self.get(n.id) ?? 0));
    }
    const top = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30);
    process.stdout.write(`incremental: ${inc.status}, ${inc.recordsScanned} scanned, ${inc.requests} requests, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s\n`);
    for (const [k, us] of top) process.stdout.write(`${(us / 1e6).toFixed(2).padStart(7)} s  ${k}\n`);
  } finally {
    await emu.close();
  }
}

void main();
