/**
 * Health row size alone, without latency or a second process: a full audit of a demo organisation
 * in an embedded emulator, then the average bytes of column data per health row (rowbytes.ts).
 * The full benchmark (run.ts) reports the same figure after its first run.
 *
 *   npx tsx bench/audit/rows.ts --size 20000
 */
import { startEmulator } from "../../sandbox/emulator";
import { runAudit } from "../../plugins-ts/audit/run";
import { createWebApiGateway } from "../../plugins-ts/dataverse/webapi";
import { defaultRulePack } from "../../plugins-ts/engine";
import { machineLine } from "../machine";
import { measureHealthRows } from "./rowbytes";

const i = process.argv.indexOf("--size");
const SIZE = i > 0 ? Number(process.argv[i + 1]) : 20000;

async function main(): Promise<void> {
  const now = new Date("2026-11-23T12:00:00Z");
  const emu = await startEmulator({ data: "demo", size: SIZE, seed: 1, now, throttle: false });
  try {
    const gateway = createWebApiGateway({ serverUrl: emu.orgUrl, token: () => emu.adminToken });
    await runAudit({ gateway, pack: defaultRulePack(), scope: { tables: ["account", "contact", "lead", "opportunity"] }, mode: "full", now });
    const m = await measureHealthRows(gateway);
    process.stdout.write(`Machine: ${machineLine()}\n\n`);
    process.stdout.write(`${m.rows.toLocaleString("en-US")} health rows: ${m.averageBytes} bytes of column data on average. By column: ${Object.entries(m.byColumn).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(", ")}.\n`);
  } finally {
    await emu.close();
  }
}

void main();
